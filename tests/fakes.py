"""Plugins written the way a plugin author would, for the core's tests."""

from __future__ import annotations

from pic_obs import Identity, LogMatch, Target, TargetError, TargetLevel, hookimpl


class FakeContainers:
    """Two containers: ``web`` applies hot, ``mail`` needs a restart; ``flaky`` fails."""

    def __init__(self):
        self.configured = {"web": "INFO", "mail": "INFO", "flaky": "INFO"}
        self.running = dict(self.configured)
        self.logs = {"web": [f"web line {i}" for i in range(20)]}
        self.down = False

    @hookimpl
    def pic_obs_targets(self):
        return [Target("web", "hot"), Target("mail", "pending_restart"), Target("flaky", "hot")]

    @hookimpl
    def pic_obs_set_level(self, target, level):
        if target not in self.configured:
            return None
        if target == "flaky" or self.down:
            raise TargetError("Docker is not reachable", code="docker_unavailable", status=503)
        self.configured[target] = level
        if target == "web":
            self.running[target] = level
            return "hot"
        return "pending_restart"

    @hookimpl
    def pic_obs_get_level(self, target):
        if target not in self.configured:
            return None
        if self.down:
            return TargetLevel(None, "unknown", "Docker is not reachable")
        state = "ok" if self.running[target] == self.configured[target] else "pending_restart"
        return TargetLevel(self.configured[target], state)

    @hookimpl
    def pic_obs_restart_target(self, target):
        if target not in self.configured:
            return None
        if self.down:
            raise TargetError("Docker is not reachable", code="docker_unavailable", status=503)
        self.running[target] = self.configured[target]  # a new container, with the new level
        return "ok"

    @hookimpl
    def pic_obs_tail_logs(self, kind, name, lines):
        if kind != "container" or name not in self.logs:
            return None
        return self.logs[name][-lines:]

    @hookimpl
    def pic_obs_search_logs(self, kind, name, query):
        if kind != "container" or name not in self.logs:
            return None
        lines = self.logs[name]
        return (
            LogMatch(name, "docker", n + 1, line)
            for n, line in reversed(list(enumerate(lines)))
            if query.lower() in line.lower()
        )


class Recorder:
    def __init__(self):
        self.mutations = []

    @hookimpl
    def pic_obs_record_mutation(self, mutation):
        self.mutations.append(mutation)


class HeaderSessions:
    """A host's own session resolver: ``X-Session: <user>:<role>``."""

    @hookimpl
    def pic_obs_resolve_identity(self, request):
        value = request.headers.get("X-Session")
        if not value:
            return None
        user, _, role = value.partition(":")
        return Identity(user, role)


class StateFiles:
    def __init__(self, relative):
        self.relative = relative

    @hookimpl
    def pic_obs_backup_files(self, settings):
        return [settings.data_dir / r for r in self.relative]

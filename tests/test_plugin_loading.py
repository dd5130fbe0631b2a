"""Plugins found through the ``pic_obs`` entry point group, installed for real with pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DISTRIBUTIONS = {
    # A good container plugin: it appears in the verbosity API with no core change.
    "hello": '''
        import click
        from pic_obs import Target, TargetLevel, hookimpl
        LEVEL = {"hello": "INFO"}

        @hookimpl
        def pic_obs_register_commands(cli):
            @cli.command()
            @click.pass_obj
            def hello(obj):
                """Say where the data is."""
                click.echo(f"hello from {obj.settings.data_dir}")

        @hookimpl
        def pic_obs_targets():
            return [Target("hello", "hot")]

        @hookimpl
        def pic_obs_get_level(target):
            return TargetLevel(LEVEL[target]) if target in LEVEL else None

        @hookimpl
        def pic_obs_set_level(target, level):
            if target not in LEVEL:
                return None
            LEVEL[target] = level
            return "hot"
    ''',
    # Fails to import: reported, the API carries on.
    "broken": '''
        import a_module_that_does_not_exist
    ''',
    # A misspelled hook: check_pending() catches it.
    "typo": '''
        from pic_obs import hookimpl

        @hookimpl
        def pic_obs_set_levle(target, level):
            return "hot"
    ''',
    # An argument with a default: pluggy would never pass it.
    "defaults": '''
        from pic_obs import hookimpl

        @hookimpl
        def pic_obs_set_level(target, level="DEBUG"):
            return None
    ''',
    # An argument the hook does not have.
    "badargs": '''
        from pic_obs import hookimpl

        @hookimpl
        def pic_obs_targets(colour):
            return []
    ''',
}

PROBE = '''
import json, sys
from pic_obs import create_app
from pic_obs.core.tokens import TokenStore
app = create_app()
token = TokenStore(app.extensions["pic_obs"].settings.api_dir / "tokens.json").create("admin", "admin")
c = app.test_client()
h = {"Authorization": "Bearer " + token}
out = {
    "plugins": c.get("/api/plugins", headers=h).json["plugins"],
    "verbosity": c.get("/api/logs/verbosity", headers=h).json,
    "put": c.put("/api/logs/verbosity", headers=h, json={"containers": {"hello": "DEBUG"}}).json,
}
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """pip-install the throwaway distributions into a directory of their own."""
    root = tmp_path_factory.mktemp("dists")
    dists = []
    for name, code in DISTRIBUTIONS.items():
        d = root / f"pic-obs-{name}"
        (d / f"pic_obs_{name}").mkdir(parents=True)
        (d / f"pic_obs_{name}" / "__init__.py").write_text(textwrap.dedent(code))
        (d / "pyproject.toml").write_text(textwrap.dedent(f'''
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "pic-obs-{name}"
            version = "1.2.3"
            [project.entry-points.pic_obs]
            {name} = "pic_obs_{name}"
        '''))
        dists.append(str(d))
    target = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), *dists],
        check=True, capture_output=True, text=True,
    )
    return target


def probe(site: Path, tmp_path: Path, **env: str) -> dict:
    environ = {**os.environ, "PYTHONPATH": str(site), "PIC_DATA_DIR": str(tmp_path / "data"), **env}
    out = subprocess.run([sys.executable, "-c", PROBE], env=environ, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def by_name(result):
    return {p["name"]: p for p in result["plugins"]}


def test_installed_plugin_is_picked_up_and_broken_ones_reported(site, tmp_path):
    result = probe(site, tmp_path)
    plugins = by_name(result)
    assert plugins["hello"]["status"] == "loaded"
    assert plugins["hello"]["version"] == "1.2.3" and plugins["hello"]["source"] == "entry_point"
    assert plugins["hello"]["hooks"] == [
        "pic_obs_get_level", "pic_obs_register_commands", "pic_obs_set_level", "pic_obs_targets"]
    assert plugins["broken"]["status"] == "failed"
    assert "a_module_that_does_not_exist" in plugins["broken"]["error"]
    assert plugins["typo"]["status"] == "failed" and "pic_obs_set_levle" in plugins["typo"]["error"]
    assert plugins["badargs"]["status"] == "failed" and "colour" in plugins["badargs"]["error"]
    assert plugins["defaults"]["status"] == "failed"
    assert "pic_obs_set_level(level) has a default; remove it" in plugins["defaults"]["error"]
    assert plugins["bearer_tokens"]["source"] == "default"
    # The good plugin works through the API; the broken ones took nothing down.
    assert result["verbosity"]["containers"]["hello"] == "INFO"
    assert result["put"]["applied"] == {"hello": "hot"}
    assert result["put"]["containers"]["hello"] == "DEBUG"


def test_pic_obs_plugins_loads_only_those_named(site, tmp_path):
    plugins = by_name(probe(site, tmp_path, PIC_OBS_PLUGINS="hello, typo"))
    assert plugins["hello"]["status"] == "loaded"
    assert plugins["typo"]["status"] == "failed"
    assert {plugins[n]["status"] for n in ("broken", "badargs", "defaults")} == {"disabled"}
    assert plugins["service_logs"]["status"] == "loaded"  # the core's own are not entry points


def test_pic_obs_disable_plugins_skips_those_named(site, tmp_path):
    result = probe(site, tmp_path, PIC_OBS_DISABLE_PLUGINS="hello,broken")
    plugins = by_name(result)
    assert plugins["hello"]["status"] == "disabled" and "PIC_OBS_DISABLE_PLUGINS" in plugins["hello"]["error"]
    assert plugins["broken"]["status"] == "disabled"
    assert "hello" not in result["verbosity"]["containers"]


def test_two_plugins_claiming_one_target(make_app, admin):
    from fakes import FakeContainers

    first, second = FakeContainers(), FakeContainers()
    app = make_app(plugins=[first, second])
    client = app.test_client()
    client.put("/api/logs/verbosity", headers=admin, json={"containers": {"web": "DEBUG"}})
    assert first.configured["web"] == "DEBUG" and second.configured["web"] == "INFO"
    plugins = client.get("/api/plugins", headers=admin).json["plugins"]
    assert [p["status"] for p in plugins if p["source"] == "app"] == ["loaded", "failed"]
    assert "already served" in plugins[-1]["error"]


def test_hook_pic_obs_register_commands(site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-m", "pic_obs.cli", "--data-dir", str(tmp_path), "hello"],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"hello from {tmp_path}\n"
    # ... and not when the plugin is disabled.
    env["PIC_OBS_DISABLE_PLUGINS"] = "hello"
    out = subprocess.run([sys.executable, "-m", "pic_obs.cli", "hello"], env=env, capture_output=True, text=True)
    assert out.returncode == 2 and "No such command 'hello'" in out.stderr

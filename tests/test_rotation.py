"""Several processes writing one service log through its rotations: no line lost."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from pic_obs.core.logsetup import MAX_BYTES, log_paths

pytestmark = pytest.mark.slow
PROCS = 4
LINES = 12_000  # 4 x 12,000 lines of ~130 bytes: 6 MB, past the 5 MB rotation


def writer(data_dir: str, n: int) -> None:
    from pic_obs import create_app, get_logger

    create_app({"PIC_OBS_DATA_DIR": data_dir})
    log = get_logger("network")
    pad = "x" * 60
    for i in range(LINES):
        log.warning("writer=%d seq=%06d %s", n, i, pad)


def test_concurrent_writers_rotate_once_between_them(data_dir):
    ctx = mp.get_context("spawn")  # fresh interpreters, as gunicorn workers are
    procs = [ctx.Process(target=writer, args=(str(data_dir), n)) for n in range(PROCS)]
    [p.start() for p in procs]
    [p.join(120) for p in procs]
    assert all(p.exitcode == 0 for p in procs)

    paths = [p for p in log_paths(data_dir / "logs", "network") if p.exists()]
    # 6 MB rotate exactly once, at 5 MB. A handler that rotates in each process
    # on its own (the stdlib's) rotates up to once per process, and past
    # BACKUP_COUNT of those the oldest lines are gone.
    assert [p.name for p in paths] == ["network.log", "network.log.1"]
    assert MAX_BYTES - 200 <= paths[1].stat().st_size <= MAX_BYTES + 200
    seen: dict[tuple[int, int], int] = {}
    for path in paths:
        # One process's rotation must not leave another's file short or oversized.
        assert path.stat().st_size <= MAX_BYTES + 1024, path
        for line in path.read_text().splitlines():
            _, _, _, msg = line.split(" ", 3)
            w, s, _ = msg.split(" ")
            key = (int(w.split("=")[1]), int(s.split("=")[1]))
            seen[key] = seen.get(key, 0) + 1
    assert len(seen) == PROCS * LINES, f"{PROCS * LINES - len(seen)} lines lost"
    assert set(seen.values()) == {1}, "a line was written twice"
    # Each writer's lines stay in order within a file.
    for path in paths:
        last: dict[int, int] = {}
        for line in path.read_text().splitlines():
            msg = line.split(" ", 3)[3].split(" ")
            w, s = int(msg[0].split("=")[1]), int(msg[1].split("=")[1])
            assert s > last.get(w, -1)
            last[w] = s

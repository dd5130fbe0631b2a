"""make bench runs end to end (tiny data, no targets): the benchmark itself cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_bench_smoke_prints_every_row(tmp_path):
    out = subprocess.run([sys.executable, str(BENCH), "--smoke", "--out", str(tmp_path / "r.md")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    table = [line for line in out.stdout.splitlines() if line.startswith("| ")]
    cases = [line.split("|")[1].strip() for line in table[1:]]
    for case in ("tail lines=100 (in process)", "search rare string", "audit verify", "CSV export",
                 "audit append with fsync, 4 processes", "mutating request, audit on vs off (p50)"):
        assert case in cases, case

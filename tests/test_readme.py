"""The README's curl examples, run as printed against `pic-obs serve`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pic_obs.testing import free_port, running

pytestmark = pytest.mark.slow
README = Path(__file__).parent.parent / "README.md"


def api_section() -> str:
    text = README.read_text()
    return text[text.index("## Using the API"):text.index("## The command line")]


def blocks(section: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def expected_pattern(block: str) -> re.Pattern | None:
    """The `# {...}` lines under a command, with `...` matching anything."""
    comments = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    if not comments:
        return None
    text = "".join(c.strip() for c in comments)
    return re.compile(".*".join(re.escape(part) for part in text.split("...")), re.S)


def test_curl_examples_work_as_printed(data_dir, tokens):
    # A new cell's config files, as `make run` puts them in place.
    shutil.copytree(README.parent / "deploy" / "data", data_dir, dirs_exist_ok=True)
    if shutil.which("curl") is None:
        if os.environ.get("CI"):
            pytest.fail("curl is missing: .ci/run must install it")
        pytest.skip("curl is not installed")
    port = free_port()
    argv = [sys.executable, "-m", "pic_obs.cli", "--data-dir", str(data_dir), "serve", "--port", str(port)]
    found = blocks(api_section())
    setup = found[0][1]
    assert "export TOKEN=" in setup and "API=http://127.0.0.1:8080/api" in setup
    with running(argv, port, {}) as (base, _):
        env = {"PATH": "/usr/bin:/bin", "TOKEN": tokens["admin"], "API": base + "/api"}
        ran = 0
        for lang, block in found[1:]:
            if lang != "sh":
                continue
            out = subprocess.run(["bash", "-euc", block], env=env, capture_output=True, text=True,
                                 timeout=30, cwd=data_dir.parent)
            assert out.returncode == 0, (block, out.stderr)
            ran += 1
            if "format=csv" in block:
                assert out.stdout.startswith("seq,ts,actor,role,ip,action,target_type,target_id,result,")
                continue
            body = json.loads(out.stdout)
            pattern = expected_pattern(block)
            if pattern is not None:
                assert pattern.search(out.stdout.strip()), (block, out.stdout)
            else:
                assert "error" not in body, (block, body)
        assert ran >= 11

"""Every hook is documented with its contract and has a test of its own."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from pic_obs.core import hookspecs

HOOKS = sorted(
    name for name, fn in vars(hookspecs).items()
    if inspect.isfunction(fn) and hasattr(fn, "pic_obs_spec")
)
TESTS = Path(__file__).parent
# Hooks that run before any data dir is chosen.
NO_DATA_DIR = {"pic_obs_register_commands"}


def test_hooks_are_found():
    assert len(HOOKS) >= 8 and all(h.startswith("pic_obs_") for h in HOOKS)


def _test_names() -> set[str]:
    names = set()
    for path in TESTS.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    fn = getattr(hookspecs, hook)
    doc = inspect.getdoc(fn) or ""
    assert len(doc) > 80, f"{hook} needs a docstring stating its contract"
    assert "return" in doc.lower(), f"{hook}'s docstring must say what it returns"
    params = inspect.signature(fn).parameters
    if hook not in NO_DATA_DIR:
        assert "settings" in params, f"{hook} must receive settings"
    for name, param in params.items():
        assert param.annotation is not inspect.Parameter.empty, f"{hook}({name}) needs a type"
        assert param.default is inspect.Parameter.empty, f"{hook}({name}) must have no default"
        if name != "settings":
            assert f"``{name}``" in doc, f"{hook}'s docstring must describe ``{name}``"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    assert f"test_hook_{hook}" in _test_names(), f"write test_hook_{hook} in tests/"

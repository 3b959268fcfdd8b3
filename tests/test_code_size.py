"""Code a newcomer can read: no function over 120 lines and no module over 800 in the project's packages (kg/,
the sources under it, api/), measured with Python's own parser."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kg", "api")
MAX_FUNCTION_LINES = 120
MAX_MODULE_LINES = 800


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_the_measured_packages_hold_the_sources() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _modules()}
    assert "kg/sources/parsers/read.py" in names and "api/main.py" in names
    assert not (ROOT / "loaders").exists(), "the parsers live under kg/sources/parsers/"


def test_no_module_over_800_lines() -> None:
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_120_lines() -> None:
    long: dict[str, int] = {}
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{p.relative_to(ROOT).as_posix()}:{node.lineno} {node.name}"] = n
    assert long == {}

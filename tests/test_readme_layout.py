"""The README's layout is the project's: every folder and file its Layout section names exists, and every folder of
the project (top-level folders, packages under kg/ and api/) has its row in the folder table."""

from __future__ import annotations

import os
import re
import subprocess
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Layout\n")
    return text[start : text.index("\n## ", start + 1)]


def _folder_rows() -> list[str]:
    """The first cell of each row of the folder table (`| folder | what it holds |`)."""
    table = _layout().split("| folder | what it holds |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", table, re.M)


def _named_paths() -> set[str]:
    """Every backquoted path in the section: a folder (`x/`) or a file (`x.py`, `x.cypher`, `x.md`, `x.json`)."""
    found: set[str] = set()
    for rows in re.findall(r"`([^`\s]+)`", _layout()):
        if rows.endswith("/") or re.search(r"\.(py|cypher|md|json)$", rows):
            found.add(rows)
    return found


SKIPPED = {".git", ".venv", "node_modules", ".kg", "__pycache__", "dist", "target"}


@lru_cache(maxsize=1)
def _project_paths() -> tuple[str, ...]:
    """Every file and folder of the project (relative, folders with a trailing slash), tools' folders left out."""
    out: list[str] = []
    for here, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED and not d.startswith(".")]
        rel = Path(here).relative_to(ROOT).as_posix()
        prefix = "" if rel == "." else rel + "/"
        out += [prefix + d + "/" for d in dirs] + [prefix + f for f in files]
    return tuple(out)


def _exists(name: str) -> bool:
    """A path as the README writes it: from the root, or the tail of one ("`load.py`" in the kg/cli/ row)."""
    return (ROOT / name).exists() or any(p.endswith("/" + name) for p in _project_paths())


def test_every_folder_row_is_a_folder() -> None:
    rows = _folder_rows()
    assert len(rows) >= 20
    assert [r for r in rows if not (ROOT / r).is_dir()] == []


def test_every_named_file_and_folder_exists() -> None:
    assert [n for n in sorted(_named_paths()) if not _exists(n)] == []


def test_every_project_folder_has_a_row() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    top = {f.split("/", 1)[0] + "/" for f in tracked if "/" in f and not f.startswith(".")}
    packages = {
        p.parent.relative_to(ROOT).as_posix() + "/"
        for pkg in ("kg", "api")
        for p in (ROOT / pkg).rglob("__init__.py")
        if p.parent.relative_to(ROOT).as_posix().count("/") <= 2
    }
    rows = set(_folder_rows())
    assert sorted((top | packages) - rows) == []

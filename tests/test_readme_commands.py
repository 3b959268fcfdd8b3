"""The README's command table is the command line's: every `kg` command and sub-command has its row."""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parent.parent


def _command_cells() -> list[str]:
    """The first cell of each row of the table under "## Commands" (`| \\`kg …\\` | what it does |`)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Commands\n")
    section = text[start : text.index("\n## ", start + 1)]
    return [cell.replace("\\|", "|") for cell in re.findall(r"^\| `(kg [^`]+)` \|", section, re.M)]


@lru_cache(maxsize=1)
def _root() -> Any:
    """The `kg` command as click sees it, every command module registered (once per process)."""
    cli = importlib.import_module("kg.cli.app")  # the module (kg.cli's `app` is the Typer object)
    cli._register_all()
    return typer.main.get_command(cli.app)


def _commands() -> dict[str, list[str]]:
    """Every top-level command of `kg` and its sub-commands (none for a plain command)."""
    root = _root()
    # a group has `commands` (typer ships its own copy of click, so no isinstance on click.Group)
    return {name: sorted(getattr(cmd, "commands", {})) for name, cmd in root.commands.items()}


def test_every_command_and_sub_command_has_its_row() -> None:
    cells = _command_cells()
    missing = []
    for name, subs in _commands().items():
        rows = [c for c in cells if c == f"kg {name}" or c.startswith(f"kg {name} ")]
        if not rows:
            missing.append(name)
            continue
        # a sub-command is named as a word of its group's cells: `kg cypher list | show NAME | check | run …`
        words = {w for c in rows for w in re.findall(r"[a-z][a-z-]*", c.removeprefix(f"kg {name}"))}
        missing.extend(f"{name} {sub}" for sub in subs if sub not in words)
    assert missing == []


def test_make_lint_runs_the_checks_the_test_script_runs() -> None:
    """`make lint` is the quick check before a commit: it left out `ruff format --check`, so it passed where
    scripts/test.sh (what CI runs) failed."""
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nlint:", 1)[1].split("\n", 2)[1]
    in_make = [c.strip().removeprefix(".venv/bin/") for c in recipe.split("&&")]
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8").splitlines()
    in_script = [line.strip() for line in script if line.strip().startswith(("ruff ", "mypy"))]
    assert in_make == in_script


def test_no_help_sends_the_reader_to_itself() -> None:
    """`kg discover --help` opened with "Suggest collaborators (see `kg discover --help`)"."""
    selfish = [name for name, cmd in _root().commands.items() if f"`kg {name} --help`" in (cmd.help or "")]
    assert selfish == []

"""Every `kg … --help` as a user reads it: words for what an option takes, and paragraphs that fill the terminal."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest

from kg.cli.app import command

# typer's labels: Python types (`<bool>`, `<int range>`, `<list[str]>`, `<path>`), which a user need not know
PYTHON_TYPE = re.compile(r"<(?:bool|int|float|str|path|dir|file|list\[\w+\])[^>]*>")


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Every command's words after `kg`, and whether it is a group (has sub-commands)."""
    subs = getattr(cmd, "commands", {})
    yield path, bool(subs)
    for name, sub in subs.items():
        yield from _commands(sub, (*path, name))


ALL = [path for path, _ in _commands(command())]
GROUPS = [path for path, group in _commands(command()) if group]


def _help(args: tuple[str, ...], columns: int, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> list[str]:
    """What `kg ARGS --help` prints in a terminal COLUMNS wide."""
    monkeypatch.setenv("COLUMNS", str(columns))
    capsys.readouterr()
    assert command().main(args=[*args, "--help"], prog_name="kg", standalone_mode=False) == 0
    return [line.rstrip() for line in capsys.readouterr().out.splitlines()]


def test_flags_read_as_flags_and_values_as_words(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    """`--bulk <bool>`, `--batch-size -b <int range> [x>=1]`, `paths... <list[str]>` were typer's type labels."""
    load = [
        "│ *    paths...        Files, directories (every file inside) or - for stdin. [required]           │",
        "│ --batch-size  -b      N [x>=1]  Rows per write transaction (KG_BATCH_SIZE).                      │",
        "│ --rejects             PATH      Where rejected records go (JSON lines); default                  │",
        "│ --bulk                          Write the whole graph with neo4j-admin import into the empty     │",
        "│ --help                          Show this message and exit.                                      │",
    ]
    shown = _help(("load",), 100, monkeypatch, capsys)
    assert [line for line in load if line not in shown] == []
    arxiv = (
        "│ --from              DATE      Submitted on or after YYYY-MM-DD.                                  │"
    )
    assert arxiv in _help(("harvest", "arxiv"), 100, monkeypatch, capsys)


@pytest.mark.parametrize("args", ALL, ids=lambda a: " ".join(("kg", *a)))
def test_no_help_shows_a_python_type(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    shown = [line for line in _help(args, 100, monkeypatch, capsys) if PYTHON_TYPE.search(line)]
    assert shown == []


def _ragged(panel: list[str]) -> list[str]:
    """The lines of a command list broken early: the next line's first word would have fitted on them."""
    column = re.match(r"│ \S+ +", panel[0]).end()  # type: ignore[union-attr]  # where every row's text starts
    room = len(panel[0]) - 2 - column  # the text's width: the closing "│" and its padding are not text
    found = []
    for line, after in itertools.pairwise(panel):
        continues = after[:column].strip() == "│"
        if continues and len(line[column:-1].rstrip()) + 1 + len(after[column:].split()[0]) <= room:
            found.append(line)
    return found


@pytest.mark.parametrize("columns", [100, 60])
@pytest.mark.parametrize("args", GROUPS, ids=lambda a: " ".join(("kg", *a)))
def test_command_lists_read_as_paragraphs(
    args: tuple[str, ...], columns: int, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """`kg --help` listed `parse` as 'Parse inputs … ({"kind": "work" | "researcher" | "institution" |' then
    '"topic" | "reject", …}) …' on a line of its own: the docstring's own line breaks, kept by typer's rich mode."""
    lines = _help(args, columns, monkeypatch, capsys)
    start = next(i for i, line in enumerate(lines) if line.startswith("╭─ Commands"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("╰"))
    assert _ragged(lines[start + 1 : end]) == []


@pytest.mark.parametrize("args", ALL, ids=lambda a: " ".join(("kg", *a)))
def test_a_narrow_terminal_cuts_no_cell(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """In 60 columns rich cut cells with "…" (`--group-thresho…`, `Cross-validati…`, `publication_year:2…`): every
    "…" there now is the help's own, the same ones a wide terminal shows."""
    wide = sum(line.count("…") for line in _help(args, 250, monkeypatch, capsys))
    assert sum(line.count("…") for line in _help(args, 60, monkeypatch, capsys)) == wide


def test_names_stay_whole_and_long_words_fold_in_60_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    identity = _help(("identity", "train"), 60, monkeypatch, capsys)
    assert "│ --group-threshold        NUMBER          with --linkage  │" in identity
    assert "│                          [0.0<=x<=1.0]   two-step: the   │" in identity
    synth = _help(("synth",), 60, monkeypatch, capsys)
    at = synth.index("│                           ../shared/data/topics/openalex │")
    assert synth[at + 1] == "│                           _topics.csv, else the          │"

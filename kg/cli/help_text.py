"""The help a user reads: a word for what an option takes, and paragraphs that reflow to the terminal.

typer labels each parameter with its Python type (`--bulk <bool>`, `--works <int>`, `paths... <list[str]>`) and, in
its rich mode, keeps a docstring's line breaks in a group's command list; both are set right here, once, for every
command, so no command has to remember it. So is the options table's layout in a narrow terminal (_OptionsTable)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, get_args

import typer
import typer.rich_utils
from rich.columns import Columns
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from typer.core import TyperArgument, TyperOption

# what an option of each type takes, in click's words where click has one (N for a count, as in `head -n N`)
_WORDS: dict[Any, str] = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}


class _Argument(TyperArgument):
    """An argument without typer's type column: its name and help say what it takes (`paths...  Files, …`)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _word(option: TyperOption) -> str:
    """What the option takes, in a word; nothing for a flag, which takes no value."""
    if option.is_flag:
        return ""
    kind = option.type_descriptor
    if kind.choices is not None:
        return "|".join(str(c.value if isinstance(c, Enum) else c) for c in kind.choices)
    if kind.is_path:
        return kind.path_type.upper()  # PATH, FILE or DIR, as the option declares
    annotation = get_args(kind.annotation)[0] if kind.is_list else kind.annotation
    return _WORDS.get(annotation, "VALUE")


class _OptionsTable(Table):
    """typer's table of arguments and options, laid out for a narrow terminal. rich shrinks every column that may
    wrap alike once the help column is down to the others' width, so at 60 columns `--group-threshold` read
    `--group-thresho…`, and a word longer than the help column (`cross-validation`, a default path) was cut with
    "…". Here the names never shrink (the help column gives way, then what an option takes, at its spaces), and a
    word longer than the help column folds onto the next line: nothing is cut, whatever the width."""

    def add_row(self, *renderables: RenderableType | None, **kwargs: Any) -> None:
        if not self.columns:  # typer's commands table declares its columns: it is left as it is
            for _ in renderables[:-2]:  # "*" for a required one, the names, the negative names
                self.add_column(no_wrap=True)
            self.add_column()  # what it takes (N, PATH, a range): wraps at its spaces
            self.add_column(overflow="fold")  # the help
        help_cell = renderables[-1]
        if isinstance(help_cell, Columns):  # the help, its default and "[required]", each a Text of its own
            for item in help_cell.renderables:
                if isinstance(item, Text):
                    item.overflow = "fold"
        super().add_row(*renderables, **kwargs)


# typer builds the options panel with the `Table` of its rich_utils module; this is the one place to lay it out
typer.rich_utils.Table = _OptionsTable  # type: ignore[misc]


def _paragraphs(text: str) -> str:
    """Each paragraph on one line, for the terminal to wrap (a docstring's own breaks made ragged lines)."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def tidy(command: Any) -> Any:
    """`command` (a click command built by typer) and every sub-command, with their help set right."""
    if command.help:
        command.help = _paragraphs(command.help)
    help_option = command.get_help_option(typer.Context(command))  # made on first use, then kept: --help too
    for param in [*command.params, help_option]:
        if isinstance(param, TyperArgument):
            param.__class__ = _Argument  # the one way to drop typer's type column for an argument
        elif isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = _word(param)
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
    return command

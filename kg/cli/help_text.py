"""The help a user reads: a word for what an option takes, and paragraphs that reflow to the terminal.

typer labels each parameter with its Python type (`--bulk <bool>`, `--works <int>`, `paths... <list[str]>`) and, in
its rich mode, keeps a docstring's line breaks in a group's command list; both are set right here, once, for every
command, so no command has to remember it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, get_args

import typer
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

"""What every `kg` command shares: the console, settings, the driver, and one-line failures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from neo4j import Driver
from rich.console import Console

from kg.config import Settings, get_settings, redact
from kg.errors import CredentialsRefused, DatabaseUnavailable

if TYPE_CHECKING:
    from kg.models import Reject

console = Console(highlight=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)


def settings() -> Settings:
    return get_settings()


def driver() -> Driver:
    """The process-wide driver, connectivity checked (fails fast with one line when Neo4j is unreachable).

    With no KG_NEO4J_URI the command uses the local Neo4j, and starting it is decided here, by the command line:
    making a driver never starts a database."""
    from kg import graphdb

    s = get_settings()
    if not s.uses_local_db:
        try:
            return graphdb.connect(s)
        except CredentialsRefused:
            raise
        except DatabaseUnavailable as e:
            # name the setting: a KG_NEO4J_URI left in the environment is easy to forget (unset: the local Neo4j)
            raise DatabaseUnavailable(
                f"{e} (KG_NEO4J_URI is {s.uri}; unset it to use the local Neo4j)"
            ) from e
    ensure_local_db(s)
    try:
        return graphdb.connect(s)
    except CredentialsRefused as e:
        # the usual cause: KG_NEO4J_PASSWORD changed after the local Neo4j's first start, which set it for good
        raise CredentialsRefused(
            f"{e}; the local Neo4j in {s.localdb_home} keeps the password set at its first start: use that one, "
            "or name a new home with KG_LOCALDB_HOME"
        ) from e


def ensure_local_db(s: Settings) -> None:
    """Start the local Neo4j when it is not running, saying so first on stderr: a start takes from seconds to a
    minute or more (the first one fetches jars and sets the password), which was a silent wait."""
    from kg import localdb

    if not localdb.status(s, with_version=False).running:
        err_console.print(
            f"starting the local Neo4j ({s.uri}, home {s.localdb_home}; `kg db stop` stops it) …",
            markup=False,
            soft_wrap=True,
        )
    localdb.ensure_running(s)


def fail(message: str, code: int = 1) -> NoReturn:
    secret = get_settings().neo4j_password.get_secret_value()
    err_console.print(f"error: {redact(message, secret)}", markup=False, soft_wrap=True)
    sys.exit(code)


# `--stage FILE`, the same option wherever a command reads or writes the stage store
StageOpt = Annotated[
    Path | None,
    typer.Option("--stage", help="The stage store (DuckDB file); default KG_STAGE_PATH or .kg/stage/…"),
]


# Rejects named on stderr per run; the rest are only where the run keeps them. A cassette of API responses fetched
# without titles gave 6,699 reject lines, which buried the summary and every other message.
REJECT_LINES = 50


def say_reject(reject: Reject, nth: int, kept: str) -> None:
    """Name a run's NTH reject (or note) on stderr, as `kg load` and `kg parse` both do: the first REJECT_LINES,
    then one line saying where every one is kept (KEPT: "in FILE")."""
    if nth <= REJECT_LINES:
        word = "note" if reject.note else "rejected"
        err_console.print(f"{word} {reject.message}", markup=False, soft_wrap=True)
    elif nth == REJECT_LINES + 1:
        err_console.print(
            f"… more rejects are not named here: every one is {kept} (their count comes at the end)",
            markup=False,
            soft_wrap=True,
        )


class SaidRejects:
    """A run's parse rejects and notes, each named through say_reject as it comes and counted: for a command that
    reads inputs through the parsers and keeps no rejects file (`kg parse` of the same inputs lists them all)."""

    def __init__(self, kept: str = "named by `kg parse` of the same inputs") -> None:
        self.kept = kept
        self.rejected = 0
        self.noted = 0

    def __call__(self, reject: Reject) -> None:
        if reject.note:  # a record kept after a repair: said, not counted as rejected
            self.noted += 1
        else:
            self.rejected += 1
        say_reject(reject, self.rejected + self.noted, self.kept)

    @property
    def summary(self) -> str:
        """What a command's summary line adds: '; N record(s) rejected', or nothing."""
        return f"; {self.rejected} record(s) rejected" if self.rejected else ""

    @property
    def exit_code(self) -> int:
        """3 when some records were rejected and the rest was used, as `kg load` exits; else 0."""
        return 3 if self.rejected else 0


def say_format_hint(paths: list[str], fmt: str | None) -> None:
    """After --format rejected every record: name the files that detection reads as another format (a wrong
    --format otherwise shows only one reject per record, each blaming the record)."""
    if fmt is None:
        return
    from kg.sources.parsers.read import detected_instead

    for path, kind in detected_instead(paths, fmt):
        err_console.print(
            f"note: nothing was read as --format {fmt}; without --format, {path} is detected as {kind}",
            markup=False,
            soft_wrap=True,
        )

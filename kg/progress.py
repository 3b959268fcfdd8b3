"""Progress on standard error: one bar (spinner, what is happening, bar, done / total, elapsed time), shown only
where someone watches (stderr a terminal), removed when done; hidden, every call does nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class ProgressBar:
    """The bar's one task: `update` says what is being done and how far (total 0: not known), `advance` counts on."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task
        self._done = 0
        self._total = 0

    @property
    def shown(self) -> bool:
        return self._progress is not None

    def update(
        self, description: str | None = None, done: int | None = None, total: int | None = None
    ) -> None:
        if done is not None:
            self._done = done
        if total is not None:
            self._total = total
        self._show(description)

    def advance(self, n: int) -> None:
        self._done += n
        self._show(None)

    def phase(self, description: str, done: int, total: int) -> None:
        """The (phase, done, total) callback of the library's long jobs (loads, discovery)."""
        self.update(description, done, total)

    def _show(self, description: str | None) -> None:
        if self._progress is None or self._task is None:
            return
        count = (
            f"{self._done:,} / {self._total:,}" if self._total else (f"{self._done:,}" if self._done else "")
        )
        fields: dict[str, Any] = {"count": count}
        if description is not None:
            fields["description"] = description
        self._progress.update(self._task, completed=self._done, total=self._total or None, **fields)


@contextmanager
def progress_bar(description: str, *, total: int = 0, show: bool | None = None) -> Iterator[ProgressBar]:
    """A progress bar on stderr while the block runs; `show` None: only when stderr is a terminal."""
    if not (sys.stderr.isatty() if show is None else show):
        yield ProgressBar(None, None)
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True, highlight=False, emoji=False),
        transient=True,
    )
    with progress:
        bar = ProgressBar(progress, progress.add_task(description, total=total or None, count=""))
        yield bar

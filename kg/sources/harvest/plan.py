"""What a harvest asks for: a list of tasks (a search, a lookup, a list to page through), each walked page by page
from a cursor that is saved after every page, so an interrupted harvest resumes at the page it stopped on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from kg.sources.harvest.client import PoliteClient, Request


@dataclass(frozen=True)
class Page:
    """What one response says for paging: how many records it held and the cursor of the next page (None: done)."""

    records: int
    next_cursor: Any


class Plan(ABC):
    """One source's harvest: tasks (JSON values, fixed when the harvest starts) and how to walk each one."""

    source: str
    tasks: list[dict[str, Any]]

    @abstractmethod
    def client(self) -> PoliteClient:
        """A client with this source's delay, headers and secrets."""

    @abstractmethod
    def request(self, task: dict[str, Any], cursor: Any) -> Request:
        """The request for a task's page at `cursor` (None: the first page)."""

    @abstractmethod
    def page(self, task: dict[str, Any], cursor: Any, body: Any) -> Page:
        """What a response says: its record count and the next cursor (None when the task is done)."""

    def describe(self) -> str:
        return f"{self.source}: " + "; ".join(_task_text(t) for t in self.tasks)


def _task_text(task: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in task.items() if v not in (None, "", []))

"""Running a harvest: every page saved as one gzipped JSON line (a recorded response), a checkpoint after each page,
and a resume that continues from the checkpoint's cursor with the file cut back to the last complete page."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.errors import HarvestError
from kg.sources.harvest.plan import Plan

CHECKPOINT_VERSION = 1


@dataclass
class Checkpoint:
    """Where a harvest stands: the task and cursor of the next page, what was written so far."""

    source: str
    key: str
    tasks: list[dict[str, Any]]
    task: int = 0
    cursor: Any = None
    pages: int = 0
    records: int = 0
    bytes: int = 0  # size of the output file after the last complete page
    done: bool = False
    not_found: list[str] = field(default_factory=list)
    version: int = CHECKPOINT_VERSION

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, sort_keys=True))
        os.replace(tmp, path)  # atomic: a crash leaves the old checkpoint or the new one, never half of one

    @classmethod
    def read(cls, path: Path) -> Checkpoint:
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError) as e:
            raise HarvestError(f"{path}: unreadable checkpoint ({e}); run again with --restart") from e


def harvest_key(plan: Plan, base: str) -> str:
    """The same source, base URL and tasks give the same key: its output and checkpoint files."""
    text = json.dumps({"source": plan.source, "base": base, "tasks": plan.tasks}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


@dataclass
class HarvestResult:
    output: Path
    checkpoint: Path
    pages: int
    records: int
    requests: int
    retries: int
    waited: float
    resumed_from: int  # pages already done when this run started (0: a fresh harvest)
    not_found: list[str]
    already_done: bool = False


ProgressFn = Callable[[Checkpoint], None]


def run_harvest(
    plan: Plan,
    out_dir: Path,
    *,
    base: str,
    restart: bool = False,
    max_pages: int | None = None,
    progress: ProgressFn | None = None,
) -> HarvestResult:
    """Fetch every page of every task, appending each to `<source>-<key>.jsonl.gz` as soon as it arrives."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = harvest_key(plan, base)
    output = out_dir / f"{plan.source}-{key}.jsonl.gz"
    cp_path = out_dir / f"{plan.source}-{key}.checkpoint.json"
    if restart:
        output.unlink(missing_ok=True)
        cp_path.unlink(missing_ok=True)
    if cp_path.exists():
        cp = Checkpoint.read(cp_path)
        if cp.tasks != plan.tasks:
            raise HarvestError(f"{cp_path}: the checkpoint is for other tasks; run again with --restart")
    else:
        cp = Checkpoint(source=plan.source, key=key, tasks=plan.tasks)
        output.unlink(missing_ok=True)
    resumed_from = cp.pages
    client = plan.client()
    if cp.done:
        client.close()
        return HarvestResult(
            output, cp_path, cp.pages, cp.records, 0, 0, 0.0, resumed_from, cp.not_found, True
        )
    # cut the output back to the last page the checkpoint counts (a page being written when the run stopped)
    if output.exists() and output.stat().st_size != cp.bytes:
        with output.open("r+b") as f:
            f.truncate(cp.bytes)
    fetched = 0
    try:
        while cp.task < len(plan.tasks):
            if max_pages is not None and fetched >= max_pages:
                break
            task = plan.tasks[cp.task]
            req = plan.request(task, cp.cursor)
            resp = client.fetch(req)
            fetched += 1
            if resp.body is None:  # a lookup of something the source does not have
                cp.not_found.append(resp.uri)
                page_records, nxt = 0, None
            else:
                page = plan.page(task, cp.cursor, resp.body)
                page_records, nxt = page.records, page.next_cursor
                envelope: dict[str, Any] = {
                    "uri": resp.uri,
                    "source": plan.source,
                    "method": req.method,
                    "status": resp.status,
                    "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                if req.json_body is not None:
                    envelope["request"] = req.json_body
                envelope["text" if req.text else "response"] = resp.body
                line = (json.dumps(envelope, ensure_ascii=False) + "\n").encode("utf-8")
                with output.open("ab") as f:
                    f.write(
                        gzip.compress(line)
                    )  # one gzip member per page: the file is valid after every page
                    f.flush()
                    os.fsync(f.fileno())
                cp.pages += 1
            cp.records += page_records
            cp.bytes = output.stat().st_size if output.exists() else 0
            if nxt is None:
                cp.task += 1
                cp.cursor = None
            else:
                cp.cursor = nxt
            cp.done = cp.task >= len(plan.tasks)
            cp.save(cp_path)
            if progress:
                progress(cp)
    finally:
        client.close()
    return HarvestResult(
        output,
        cp_path,
        cp.pages,
        cp.records,
        client.stats.requests,
        client.stats.retries,
        client.stats.waited,
        resumed_from,
        cp.not_found,
    )

"""Memory and CPU of a measured command's whole process tree, per process role and per stage of the command.

`wait4`'s ru_maxrss is the largest single process among the command and the children it reaped: it cannot say
whether the loader itself or the neo4j-admin import JVM it started held the memory, nor when. A TreeSampler polls
/proc while the command runs (every `every` seconds) and keeps, for the command itself (the loader), its own peak
(VmHWM) and CPU seconds, and per role of its descendants (staging workers, the import JVM, the Neo4j server a bulk
load starts again, anything else) the largest peak of one process and of their sum. With `stage_of` (e.g. the last
step line the loader printed) every figure is also kept per stage: the loader's highest resident set seen during
the stage, and how far its peak (VmHWM) rose in it.

The loader's peak is the kernel's own high-water mark (VmHWM), so a spike between two samples still counts (only
growth in the last `every` seconds before it exits can be missed); the per-stage resident maxima are samples and
can miss a spike shorter than `every`, which the stage's rise of VmHWM then shows.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_CLK = os.sysconf("SC_CLK_TCK")


@dataclass
class _Proc:
    role: str
    hwm_mb: float = 0.0
    cpu_s: float = 0.0


@dataclass
class _Stage:
    first_t: float
    last_t: float = 0.0
    loader_rss_max_mb: float = 0.0
    loader_hwm_start_mb: float = 0.0
    loader_hwm_end_mb: float = 0.0
    loader_cpu_start_s: float = 0.0
    loader_cpu_end_s: float = 0.0
    roles_rss_max_mb: dict[str, float] = field(default_factory=dict)  # per role: the largest one process
    tree_rss_max_mb: float = 0.0  # loader + every descendant, summed at one sample


def role_of(cmdline: list[str]) -> str:
    """What a descendant of the loader is, from its command line."""
    text = " ".join(cmdline)
    if "org.neo4j.cli.AdminTool" in text:
        return "neo4j_admin_import"
    if "org.neo4j.server" in text:
        return "neo4j_server"
    if "multiprocessing" in text or "forkserver" in text:
        return "stage_workers"
    return "other"


def _status(pid: int) -> tuple[float, float] | None:
    """(VmRSS, VmHWM) of pid in MB, None when it is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    rss = hwm = None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return (rss, hwm) if rss is not None and hwm is not None else None


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of pid."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    rest = text[text.rfind(")") + 2 :].split()  # after "pid (comm) "
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _CLK


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [p.decode("utf-8", "replace") for p in raw.split(b"\0") if p]


class TreeSampler:
    """Samples the process tree under `root` in a thread until stop(); report() says what it saw."""

    def __init__(self, root: int, every: float = 0.25, stage_of: Callable[[], str] | None = None) -> None:
        self.root = root
        self.every = every
        self.stage_of = stage_of or (lambda: "run")
        self.loader_hwm_mb = 0.0
        self.loader_cpu_s = 0.0
        self.procs: dict[tuple[int, str], _Proc] = {}
        self.stages: dict[str, _Stage] = {}
        self.samples = 0
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            # a process vanishing mid-read is expected: never stop measuring for it
            with contextlib.suppress(Exception):
                self.sample()
            self._stop.wait(self.every)

    def _descendants(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                st = _stat(int(entry.name))
                if st is not None:
                    children.setdefault(st[0], []).append(int(entry.name))
        out: list[int] = []
        todo = list(children.get(self.root, []))
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def sample(self) -> None:
        mem = _status(self.root)
        st = _stat(self.root)
        if mem is None or st is None:
            return
        t = time.monotonic() - self._t0
        stage_name = self.stage_of()
        rss, hwm = mem
        stage = self.stages.get(stage_name)
        if stage is None:
            stage = self.stages[stage_name] = _Stage(
                first_t=t, loader_hwm_start_mb=self.loader_hwm_mb, loader_cpu_start_s=self.loader_cpu_s
            )
        self.loader_hwm_mb = max(self.loader_hwm_mb, hwm)
        self.loader_cpu_s = st[1]
        stage.last_t = t
        stage.loader_rss_max_mb = max(stage.loader_rss_max_mb, rss)
        stage.loader_hwm_end_mb = self.loader_hwm_mb
        stage.loader_cpu_end_s = self.loader_cpu_s
        tree = rss
        for pid in self._descendants():
            cmd = _cmdline(pid)
            m, s = _status(pid), _stat(pid)
            if m is None or s is None or not cmd:
                continue
            key = (pid, cmd[0])
            p = self.procs.get(key)
            if p is None:
                p = self.procs[key] = _Proc(role_of(cmd))
            p.hwm_mb = max(p.hwm_mb, m[1])
            p.cpu_s = max(p.cpu_s, s[1])
            tree += m[0]
            stage.roles_rss_max_mb[p.role] = max(stage.roles_rss_max_mb.get(p.role, 0.0), m[0])
        stage.tree_rss_max_mb = max(stage.tree_rss_max_mb, tree)
        self.samples += 1

    def report(self) -> dict[str, Any]:
        roles: dict[str, dict[str, Any]] = {}
        for p in self.procs.values():
            r = roles.setdefault(p.role, {"processes": 0, "peak_one_mb": 0.0, "cpu_seconds": 0.0})
            r["processes"] += 1
            r["peak_one_mb"] = round(max(r["peak_one_mb"], p.hwm_mb), 1)
            r["cpu_seconds"] = round(r["cpu_seconds"] + p.cpu_s, 1)
        return {
            "sample_every_s": self.every,
            "samples": self.samples,
            "loader_peak_mb": round(self.loader_hwm_mb, 1),
            "loader_cpu_seconds": round(self.loader_cpu_s, 1),
            "children": roles,
            "tree_rss_peak_mb": round(max((s.tree_rss_max_mb for s in self.stages.values()), default=0.0), 1),
            "stages": {
                name: {
                    "from_s": round(s.first_t, 1),
                    "to_s": round(s.last_t, 1),
                    "loader_rss_max_mb": round(s.loader_rss_max_mb, 1),
                    "loader_peak_mb": round(s.loader_hwm_end_mb, 1),
                    "loader_peak_rose_mb": round(s.loader_hwm_end_mb - s.loader_hwm_start_mb, 1),
                    "loader_cpu_seconds": round(s.loader_cpu_end_s - s.loader_cpu_start_s, 1),
                    "children_rss_max_mb": {k: round(v, 1) for k, v in sorted(s.roles_rss_max_mb.items())},
                    "tree_rss_max_mb": round(s.tree_rss_max_mb, 1),
                }
                for name, s in self.stages.items()
            },
        }


class LastStep:
    """A stage_of for a command that prints its steps as indented lines (`kg load` does, on stderr, when it shows
    no progress bar): the last such line so far in the file it writes to, "start" before the first."""

    def __init__(self, path: Path, prefix: str = "  ") -> None:
        self.path = path
        self.prefix = prefix
        self.pos = 0
        self.partial = ""
        self.step = "start"

    def __call__(self) -> str:
        try:
            with self.path.open("rb") as f:
                f.seek(self.pos)
                chunk = f.read()
        except OSError:
            return self.step
        self.pos += len(chunk)
        lines = (self.partial + chunk.decode("utf-8", "replace")).split("\n")
        self.partial = lines.pop()
        for ln in lines:
            if ln.startswith(self.prefix) and ln.strip():
                self.step = _short(ln.strip())
        return self.step


def _short(step: str) -> str:
    """A step line as a stage name: its words before any parenthesis ("export the resolved graph as CSV")."""
    return step.split(" (", 1)[0].strip()

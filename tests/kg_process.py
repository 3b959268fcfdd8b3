"""`kg` run as a user runs it, in its own process, for tests: this checkout's code, a timeout (a command that does not
end fails its test instead of running on), and optional wrappers (fewer privileges, resource limits)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.config import REPO_ROOT


def run_kg(
    args: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    *,
    prefix: list[str] | None = None,
    preexec: Callable[[], None] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**(os.environ if env is None else env), "PYTHONPATH": str(REPO_ROOT)},
        timeout=timeout,
        preexec_fn=preexec,
    )


def without_dac_override() -> list[str]:
    """A command prefix that takes away root's power to read and write any file, so file modes hold (a mode-000
    directory is unreadable, a mode-555 one unwritable); nothing when the tests do not run as root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes would not stop root")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-all"]


def free_port() -> int:
    """A loopback port nothing listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

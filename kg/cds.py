"""Class data sharing for the JVMs the project starts (the local Neo4j, the import tool): a faster start.

A JVM spends much of its start-up loading and verifying classes (the Neo4j server's come from 222 jars). With
an application class-data-sharing archive (OpenJDK's dynamic CDS, JEP 350) it maps the classes a previous run
loaded instead (BENCHMARKS.md, "Starting the local Neo4j"). JDK 17 cannot create the archive by itself when it is
missing (that came in JDK 19), so the project does it: a JVM started while there is no archive writes the classes it
loaded to a file of its own when it exits (`-XX:ArchiveClassesAtExit`), and that file becomes the archive once it has
passed a check, so the next start maps it.

The archive belongs to one JDK and one set of jars: its name carries a fingerprint of both, so an upgraded JDK or
new jars make a new one. It lives beside the jars, shared by every home that runs them. A JVM killed while it wrote
its file leaves a truncated one, and a truncated archive crashes the JVM that maps it (SIGBUS, measured): so a file
becomes the archive only after a JVM of its own has mapped it whole and exited cleanly (`-Xshare:on`), and is
deleted otherwise. Anything that goes wrong here leaves the JVM to start as it would without an archive.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

# What each kind of JVM is called in the archive's name (the classes they load differ).
SERVER = "server"
IMPORT = "import"

STALE_SECONDS = 600


@dataclass
class Sharing:
    """The flags a JVM takes for class data sharing, and the file it writes when it records an archive."""

    flags: list[str] = field(default_factory=list)
    recording: Path | None = None  # written at the JVM's exit; `promote` makes it the archive
    archive: Path | None = None


def _fingerprint(java: Path, lib: Path) -> str:
    """The JDK (its binary and libjvm, by path, size and time) and the jars (by name and size)."""
    h = hashlib.sha256()
    real = java.resolve()
    for p in (real, real.parent.parent / "lib" / "server" / "libjvm.so"):
        if p.exists():
            st = p.stat()
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for jar in sorted(lib.glob("*.jar")):
        h.update(f"{jar.name}\0{jar.stat().st_size}\n".encode())
    return h.hexdigest()[:16]


def sharing(lib: Path, role: str, *, enabled: bool = True) -> Sharing:
    """The flags for a JVM of `role` run from the jars in `lib`: map the archive when there is one, otherwise record
    one at exit. No flags when not `enabled` (KG_JVM_CLASS_SHARING=false), when the jars' directory cannot take an
    archive, or when there is no java."""
    java = shutil.which("java")
    if not enabled or java is None or not lib.is_dir():
        return Sharing()
    directory = lib.parent / "cds"
    try:
        directory.mkdir(exist_ok=True)
    except OSError:
        return Sharing()
    if not os.access(directory, os.W_OK):
        return Sharing()
    archive = directory / f"{role}-{_fingerprint(Path(java), lib)}.jsa"
    if archive.is_file():
        return Sharing([f"-XX:SharedArchiveFile={archive}"], None, archive)
    _forget_stale(directory)
    for other in directory.glob(f"{role}-*.jsa"):  # of another JDK or other jars: no JVM here maps it again
        other.unlink(missing_ok=True)
    # a file of this JVM's own: two JVMs recording at once (two test workers) never write the same one
    recording = directory / f".{archive.name}.{uuid.uuid4().hex[:12]}.recording"
    return Sharing([f"-XX:ArchiveClassesAtExit={recording}"], recording, archive)


def promote(share: Sharing, classpath: str) -> bool:
    """After the JVM that recorded `share.recording` has exited: make the file the archive if a JVM maps it whole
    (`-Xshare:on` fails on a file it cannot map, and a truncated one crashes it), else delete it. True when the
    archive is in place."""
    rec, archive = share.recording, share.archive
    if rec is None or archive is None or not rec.is_file():
        return False
    java = shutil.which("java") or "java"
    # the crash report of a JVM that cannot map the file goes to a scratch directory, not the caller's
    with tempfile.TemporaryDirectory(prefix="kg-cds-") as scratch:
        try:
            check = subprocess.run(
                [java, f"-XX:SharedArchiveFile={rec}", "-Xshare:on", "-XX:-CreateCoredumpOnCrash",
                 f"-XX:ErrorFile={scratch}/hs_err.log", "-cp", classpath, "-version"],
                capture_output=True,
                timeout=60,
                cwd=scratch,
            )  # fmt: skip
            ok = check.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
    try:
        if ok:
            os.replace(rec, archive)  # atomic: a JVM starting now sees the whole file or none
        else:
            rec.unlink()
    except OSError:
        return False
    return ok


def _forget_stale(directory: Path) -> None:
    """Remove recordings no JVM will promote: a JVM writes its recording in seconds when it exits, so one older
    than STALE_SECONDS was left by a JVM killed while writing it, or by a stop that never came back to it."""
    now = time.time()
    for p in directory.glob(".*.recording"):
        try:
            if now - p.stat().st_mtime > STALE_SECONDS:
                p.unlink()
        except OSError:
            pass

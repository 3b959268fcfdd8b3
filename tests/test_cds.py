"""Class data sharing for the project's JVMs (kg.cds): which flags a JVM gets, and which files become the archive."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from kg import cds
from kg.config import Settings

JAVA = shutil.which("java")
LIB = Settings().localdb_jars / "lib"
needs_java = pytest.mark.skipif(JAVA is None, reason="no java on PATH")
needs_jars = pytest.mark.skipif(
    JAVA is None or not any(LIB.glob("*.jar")), reason=f"no java, or no Neo4j jars in {LIB}"
)


def _lib(tmp_path: Path) -> Path:
    lib = tmp_path / "target" / "lib"
    lib.mkdir(parents=True)
    (lib / "a.jar").write_bytes(b"jar")
    return lib


@needs_java
def test_without_an_archive_each_jvm_records_its_own_file_and_with_one_it_maps_it(tmp_path: Path) -> None:
    lib = _lib(tmp_path)
    first, second = cds.sharing(lib, cds.SERVER), cds.sharing(lib, cds.SERVER)
    assert first.recording is not None and second.recording is not None
    assert first.recording != second.recording  # two JVMs at once never write one file
    assert first.recording.parent == lib.parent / "cds" and first.recording.name.endswith(".recording")
    assert first.flags == [f"-XX:ArchiveClassesAtExit={first.recording}"]
    assert first.archive == second.archive and first.archive is not None
    assert first.archive.name.startswith("server-") and first.archive.suffix == ".jsa"

    first.archive.write_bytes(b"archive")
    mapped = cds.sharing(lib, cds.SERVER)
    assert mapped.flags == [f"-XX:SharedArchiveFile={first.archive}"] and mapped.recording is None
    # the import tool's classes are not the server's: its own archive
    assert cds.sharing(lib, cds.IMPORT).flags[0].startswith("-XX:ArchiveClassesAtExit=")


@needs_java
def test_switched_off_or_jars_that_cannot_take_an_archive_give_no_flags(tmp_path: Path) -> None:
    lib = _lib(tmp_path)
    assert cds.sharing(lib, cds.SERVER, enabled=False) == cds.Sharing()
    assert cds.sharing(tmp_path / "missing" / "lib", cds.SERVER) == cds.Sharing()
    (lib.parent / "cds").write_text("a file where the directory would go")
    assert cds.sharing(lib, cds.SERVER) == cds.Sharing()


@needs_java
def test_other_jars_make_another_archive(tmp_path: Path) -> None:
    lib = _lib(tmp_path)
    before = cds.sharing(lib, cds.SERVER).archive
    assert before is not None
    before.write_bytes(b"the archive of the old jars")
    (lib / "a.jar").write_bytes(b"a newer jar")
    after = cds.sharing(lib, cds.SERVER)
    assert after.archive != before and after.recording is not None
    assert not before.exists()  # no JVM here would map it again


@needs_java
def test_recordings_no_jvm_will_promote_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    lib = _lib(tmp_path)
    directory = lib.parent / "cds"
    directory.mkdir()
    old, fresh = directory / ".server-x.jsa.old.recording", directory / ".server-x.jsa.new.recording"
    for p in (old, fresh):
        p.write_bytes(b"cut short")
    past = time.time() - cds.STALE_SECONDS - 60
    os.utime(old, (past, past))
    cds.sharing(lib, cds.SERVER)
    assert not old.exists() and fresh.exists()


def _record(lib: Path, tmp_path: Path) -> cds.Sharing:
    """A real recording: the Neo4j admin tool run once with the flags `sharing` gives."""
    share = cds.sharing(lib, cds.IMPORT)
    assert share.recording is not None
    env = {"PATH": os.environ.get("PATH", ""), "NEO4J_HOME": str(tmp_path)}
    run = subprocess.run(
        [JAVA or "java", *share.flags, "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", "--version"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert share.recording.is_file()
    return share


@needs_jars
def test_a_whole_recording_becomes_the_archive_and_a_cut_one_is_deleted(tmp_path: Path) -> None:
    lib = tmp_path / "target" / "lib"
    lib.parent.mkdir()
    lib.symlink_to(LIB.resolve())  # the real jars, the archive beside this link, not beside them
    classpath = f"{lib}/*"

    cut = _record(lib, tmp_path)
    assert cut.recording is not None
    size = cut.recording.stat().st_size
    with cut.recording.open("r+b") as f:  # what a JVM killed while it wrote the file leaves
        f.truncate(size // 2)
    here = set(Path.cwd().iterdir())
    assert cds.promote(cut, classpath) is False
    assert set(Path.cwd().iterdir()) == here  # the crash of the JVM that checked it left no file behind
    assert not cut.recording.exists() and cut.archive is not None and not cut.archive.exists()

    whole = _record(lib, tmp_path)
    assert cds.promote(whole, classpath) is True
    assert whole.archive is not None and whole.archive.is_file()
    assert whole.recording is not None and not whole.recording.exists()
    mapped = cds.sharing(lib, cds.IMPORT)
    assert mapped.flags == [f"-XX:SharedArchiveFile={whole.archive}"]
    on = subprocess.run(
        [
            JAVA or "java",
            *mapped.flags,
            "-Xshare:on",
            "-cp",
            classpath,
            "org.neo4j.cli.AdminTool",
            "--version",
        ],
        capture_output=True,
        env={"PATH": os.environ.get("PATH", ""), "NEO4J_HOME": str(tmp_path)},
        timeout=120,
    )
    assert on.returncode == 0, on.stderr  # -Xshare:on: the JVM fails rather than start without the archive
    assert b"5.26" in on.stdout


def test_the_import_tool_runs_without_its_optimising_compiler_only_for_small_imports(tmp_path: Path) -> None:
    from kg.write import bulk

    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_text("id:ID(Researcher)\nr1\n", encoding="utf-8")
    with big.open("wb") as f:  # sparse: its size without writing it
        f.truncate(bulk.C1_ONLY_BELOW_BYTES)
    s = Settings(localdb_home=tmp_path / "home")
    log = tmp_path / "import.log"
    cds_flag = "-XX:SharedArchiveFile=/x.jsa"
    few = bulk.import_command(s, bulk.BulkReport(files={"node:Researcher": small}), log, [cds_flag])
    many = bulk.import_command(s, bulk.BulkReport(files={"node:Researcher": small, "rel:COAUTHOR": big}), log)
    assert few[1:3] == [cds_flag, "-XX:TieredStopAtLevel=1"]
    assert "-XX:TieredStopAtLevel=1" not in many and many[1].startswith("-Xms")


@pytest.mark.neo4j
@needs_jars
def test_the_server_records_at_its_first_stop_and_starts_past_an_archive_it_cannot_map(
    tmp_path: Path,
) -> None:
    from kg import localdb
    from tests.own_neo4j import own_local_neo4j

    jars = tmp_path / "target"  # the real jars through links: this test's archive lands here, not beside them
    jars.mkdir()
    for sub in ("lib", "plugins"):
        (jars / sub).symlink_to((LIB.parent / sub).resolve())
    archive = cds.sharing(jars / "lib", cds.SERVER).archive
    assert archive is not None and not archive.exists()
    with own_local_neo4j(tmp_path / "neo4j", "it records a class archive of its own", localdb_jars=jars) as s:
        localdb.stop(s)
        assert archive.is_file()  # recorded at the exit, checked, promoted
        whole = archive.read_bytes()
        archive.chmod(0o644)
        archive.write_bytes(whole[: len(whole) // 2])  # a disk fault: the JVM that maps it crashes
        assert localdb.start(s).running
        pid = localdb.status(s, with_version=False).pid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert b"-XX:SharedArchiveFile" not in cmdline and not archive.exists()

"""The main job as a new user meets it: on a fresh copy of the project with no ../shared beside it, `kg up` loads
the sample shipped in the package, serves, and the page it prints shows a real researcher with at least 2 works and
3 co-authors; a second run loads nothing again; every failure is one line, never a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from neo4j import Driver

from kg import graphdb
from kg.cli.main_job import data_inputs, describe_written, fingerprint
from kg.config import REPO_ROOT, Settings
from kg.graphdb import catalog
from tests.own_neo4j import free_port

WEB_DIST = REPO_ROOT / "web" / "dist"
PAGIOLA = "openalex:A5003862560"
# what the shipped sample loads (kg/data/SOURCE.json; tests/test_default_data.py checks the graph in detail)
LOADED = "read 53, loaded 53, rejected 0"


def _fresh_copy(tmp_path: Path) -> Path:
    """The project's tracked files as they are now (what a clone of them holds), in a directory that has no
    ../shared beside it. Nothing else comes along: no .venv, no .kg, no web/dist, no localdb/target."""
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout: the fresh copy is made from `git ls-files`")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    clone = tmp_path / "fresh" / "research-kg"
    for raw in listed:
        rel = raw.decode()
        src = REPO_ROOT / rel
        if not rel or not src.is_file():
            continue
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, clone / rel)
    assert not (clone.parent / "shared").exists()
    return clone


def _env(cli_env: dict[str, str], clone: Path, port: int) -> dict[str, str]:
    """The installed environment (this interpreter and its packages) running the copy's code, against the test
    Neo4j; web/dist is this checkout's build (the copy has none: building it is setup's job, not this test's)."""
    env = {k: v for k, v in cli_env.items() if not k.startswith("KG_") or k.startswith("KG_NEO4J_")}
    env.update({"PYTHONPATH": str(clone), "KG_API_PORT": str(port), "KG_API_WEB_DIST": str(WEB_DIST)})
    return env


class _Output:
    """A process's merged output, read as it comes."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._proc = proc
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                m = re.search(pattern, line)
                if m:
                    return m
            if self._proc.poll() is not None and not self._thread.is_alive():
                break
            time.sleep(0.5)
        pytest.fail(f"no line matching {pattern!r}; the output was:\n" + "\n".join(self.lines))

    def text(self) -> str:
        self._thread.join(timeout=30)
        return "\n".join(self.lines)


@pytest.mark.neo4j
@pytest.mark.slow
def test_kg_up_on_a_fresh_copy_without_shared_data_serves_a_well_connected_researcher(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    clone = _fresh_copy(tmp_path)
    port = free_port()
    env = _env(cli_env, clone, port)
    where = subprocess.run(
        [sys.executable, "-c", "import kg.config as c; print(c.REPO_ROOT, c.DEFAULT_SHARED_DATA.exists())"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.split() == [str(clone), "False"]  # the copy's code, and no shared data for it

    proc, out = _start_up(env, cwd=clone)
    try:
        url = out.wait_for(r"Open: (\S+)", timeout=1200).group(1)
        assert url == f"http://127.0.0.1:{port}/researchers/{PAGIOLA.replace(':', '%3A')}"
        rid = unquote(url.rsplit("/", 1)[1])
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:  # the server starts right after the line is printed
            try:
                page = httpx.get(url, timeout=10)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        if (WEB_DIST / "index.html").is_file():
            assert page.status_code == 200 and '<div id="app">' in page.text
        q = httpx.get(f"{base}/api/v1/researchers/{rid}", timeout=30).json()
        assert q["name"] == "Stefano Pagiola"
        assert q["counts"]["works"] >= 2 and q["counts"]["coauthors"] >= 3
        assert q["counts"]["big_team_works"] == 0  # counted with the COAUTHOR edges, by the load
        assert q["sources"] == ["openalex"]  # a real source, not a generated corpus
        works = httpx.get(f"{base}/api/v1/researchers/{rid}/works", params={"limit": 100}, timeout=30).json()
        assert len(works["items"]) == 7
        assert (
            "Can Payments for Watershed Services Help Finance Biodiversity Conservation? A Spatial Analysis "
            "of Highland Guatemala" in [w["title"] for w in works["items"]]
        )
        overview = httpx.get(f"{base}/api/v1/overview", timeout=30).json()
        # 184: the identity model keeps the two arXiv papers of "Shlomo Gelaki" (no shared co-author) apart
        assert (overview["counts"]["works"], overview["counts"]["researchers"]) == (53, 184)
    finally:
        _interrupt(proc)
    text = out.text()
    assert "Traceback" not in text, text
    steps = [ln.split(" (")[0] for ln in text.splitlines() if ln.startswith("✓ ")]
    # the test's Neo4j is named by KG_NEO4J_URI: nothing to start
    assert steps[0] == f"✓ using the Neo4j at {env['KG_NEO4J_URI']}"
    assert steps[1] == "✓ schema applied"
    assert (
        steps[2] == "✓ topics loaded: 4 domains, 26 fields, 252 subfields, 4516 topics, 57 arXiv categories"
    )
    assert steps[3] == f"✓ {LOADED}"  # then: (53 new to the stage) in …s (…); written: …
    loaded = next(ln for ln in text.splitlines() if ln.startswith(f"✓ {LOADED}"))
    assert "written: Work 53, Researcher 184" in loaded
    assert "COAUTHOR 1042" in loaded
    assert steps[4].startswith("✓ run discover-")
    assert len(steps) == 5
    assert "… loading the sample shipped in the package (2 entries)" in text
    assert "(Stefano Pagiola: 7 works, 14 co-authors)" in text
    assert proc.returncode == 0, text
    state = json.loads((clone / ".kg" / "up-state.json").read_text(encoding="utf-8"))
    assert len(state["load_runs"]) == 1 and state["data"] == str(clone / "kg" / "data")

    # a second run finds the same inputs in the same graph: nothing is loaded or derived again
    again = subprocess.run(
        [sys.executable, "-m", "kg.cli", "up", "--no-serve"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0 and again.stderr == "", again.stderr
    assert (
        f"✓ the sample shipped in the package is loaded and unchanged since load run {state['load_runs'][0]}: "
        "not loaded again (--reload to load it anyway)"
    ) in again.stdout
    assert "COAUTHOR" not in again.stdout and LOADED not in again.stdout
    assert again.stdout.rstrip().endswith(f"The page to open: {url}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=10).status_code == 200
    except httpx.TransportError:
        return False


def _start_up(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> tuple[subprocess.Popen[str], _Output]:
    """`kg up ARGS` in a process group of its own (what _interrupt stops), its output read as it comes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "up", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return proc, _Output(proc)


def _interrupt(proc: subprocess.Popen[str]) -> None:
    """Stop `kg up` as Ctrl-C does (its whole process group), killing it if it does not end within a minute."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _up(env: dict[str, str], *args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", "up", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_kg_up_failures_before_anything_runs_are_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    # an unreachable Neo4j: these failures come before the job touches it
    env["KG_NEO4J_URI"] = f"bolt://127.0.0.1:{free_port()}"
    missing = _up(env, "--no-serve", str(tmp_path / "nowhere"))
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == (
        f"error: {tmp_path / 'nowhere'} is not a directory: name a directory of input files "
        "(make run DATA=/path/to/dir)\n"
    )
    empty = tmp_path / "empty"
    (empty / "topics").mkdir(parents=True)
    (empty / "SOURCE.txt").write_text("about nothing\n", encoding="utf-8")
    nothing = _up(env, "--no-serve", str(empty))
    assert nothing.stderr == f"error: {empty} holds no input files (README: Bring your own data)\n"
    no_taxonomy = _up({**env, "KG_TAXONOMY_PATH": str(tmp_path / "t.csv")}, "--no-serve")
    assert no_taxonomy.stderr == (
        f"error: no topic taxonomy at {tmp_path / 't.csv'}: set KG_TAXONOMY_PATH to the OpenAlex topic table, "
        "or unset it\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = _up(env, "--port", str(port))
    assert busy.returncode == 1 and busy.stdout == ""
    assert busy.stderr == (
        f"error: port {port} is in use (another kg serve?): stop it, or choose another with --port or KG_API_PORT\n"
    )
    unreachable = _up(env, "--no-serve")
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert len(unreachable.stderr.splitlines()) == 1 and unreachable.stderr.startswith("error: ")
    assert "✓" not in unreachable.stdout  # no check mark for a Neo4j that never answered


def test_kg_up_says_first_when_the_web_panel_is_not_built(tmp_path: Path) -> None:
    """`kg up` without `make run`'s setup (no web/dist): it printed a researcher page's URL that answers 404.
    It now says at once that only the API answers, and how to build the panel (the end of the job, with a
    reachable Neo4j, names the API's docs instead of the page)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["KG_NEO4J_URI"] = f"bolt://127.0.0.1:{free_port()}"  # the job stops after its first lines
    env["KG_API_WEB_DIST"] = str(tmp_path / "dist")
    r = _up(env, "--no-serve")
    assert r.returncode == 1
    assert r.stdout.splitlines()[0] == (
        f"note: the web panel is not built ({tmp_path / 'dist'} has no index.html), so only the API answers: "
        "`make run` builds it, or `npm --prefix web ci && npm --prefix web run build`"
    )


@pytest.mark.neo4j
def test_kg_up_serving_without_the_web_panel_says_so_once(
    graph: Driver, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """`kg up` without web/dist printed its note on the panel first, then again when it started serving."""
    data = tmp_path / "data"
    data.mkdir()
    work = {
        "id": "https://openalex.org/W1",
        "display_name": "A work",
        "publication_year": 2021,
        "authorships": [{"author": {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}}],
    }
    (data / "works.jsonl").write_text(json.dumps(work) + "\n", encoding="utf-8")
    port = free_port()
    env = {
        **cli_env,
        "KG_API_PORT": str(port),
        "KG_API_WEB_DIST": str(tmp_path / "dist"),
        "KG_LOCALDB_HOME": str(tmp_path / ".kg" / "neo4j"),  # kg up's state and rejects go beside it
    }
    proc, out = _start_up(env, str(data))
    try:
        out.wait_for(r"^Research KG API on ", timeout=600)
        deadline = time.monotonic() + 60
        while not _answers(f"http://127.0.0.1:{port}/api/v1/docs"):  # serving: every line before is printed
            assert time.monotonic() < deadline, out.text()
            time.sleep(0.5)
    finally:
        _interrupt(proc)
    note = (
        f"note: the web panel is not built ({tmp_path / 'dist'} has no index.html), so only the API answers: "
        "`make run` builds it, or `npm --prefix web ci && npm --prefix web run build`"
    )
    lines = out.text().splitlines()
    assert (lines[0], lines.count(note)) == (note, 1)
    assert f"Research KG API on http://127.0.0.1:{port}/api/v1/docs" in lines


@pytest.mark.neo4j
def test_a_load_that_fails_in_a_derived_step_is_reported_with_what_it_wrote(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """The issue's first run: the topic taxonomy missing when `kg load` assigns topics after writing the works.
    The load fails in one line, and what kg up reports from the graph names what was written."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy2(REPO_ROOT / "kg" / "data" / "arxiv_metadata.jsonl.gz", data)  # no source topics: assigned
    env = {**cli_env, "KG_TAXONOMY_PATH": str(tmp_path / "missing.csv")}
    r = subprocess.run(
        [sys.executable, "-m", "kg.cli", "load", str(data), "--rejects", str(tmp_path / "r.jsonl")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.splitlines()[-1].startswith("error: ")
    runs = graphdb.run(graph, catalog.query("api/overview_load_runs"), {"limit": 5}, settings=neo4j_settings)
    [run] = runs
    nodes = {
        r["label"]: r["n"]
        for r in graphdb.run(
            graph, "MATCH (n) RETURN labels(n)[0] AS label, count(n) AS n", settings=neo4j_settings
        )
        if r["label"] != "LoadRun"
    }
    rels = graphdb.run(
        graph, "MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n ORDER BY t", settings=neo4j_settings
    )
    assert nodes["Work"] == 4 and nodes["Researcher"] > 0  # and the arXiv categories of the works as Topics
    assert {r["t"] for r in rels} >= {"AUTHORED", "COAUTHOR"}
    written = [f"{k} {v}" for k, v in sorted(nodes.items())] + [f"{r['t']} {r['n']}" for r in rels]
    assert describe_written(runs) == f"load run {run['id']} failed after writing {', '.join(written)}"


def test_describe_written_data_inputs_and_fingerprint(tmp_path: Path) -> None:
    assert describe_written([]) == "no load run was recorded, so nothing was written"
    assert describe_written(
        [
            {"id": "run:2", "status": "failed", "counts": '{"Work": 0}'},
            {
                "id": "run:1",
                "status": "completed",
                "counts": '{"AUTHORED": 4, "Researcher": 3, "Topic": 0, "Work": 2}',
            },
        ]
    ) == (
        "load run run:2 failed before writing anything; load run run:1 completed and wrote Researcher 3, Work 2, "
        "AUTHORED 4"
    )
    d = tmp_path / "data"
    (d / "topics").mkdir(parents=True)
    (d / "sub").mkdir()
    for name in ("SOURCE.txt", "README.md", ".hidden", "works.jsonl", "sub/more.jsonl", "topics/t.csv"):
        (d / name).write_text("x\n", encoding="utf-8")
    assert [p.name for p in data_inputs(d)] == ["sub", "works.jsonl"]
    tax = d / "topics" / "t.csv"
    first = fingerprint(data_inputs(d), tax, "bolt://a neo4j")
    assert fingerprint(data_inputs(d), tax, "bolt://a neo4j") == first
    assert fingerprint(data_inputs(d), tax, "bolt://b neo4j") != first
    (d / "sub" / "more.jsonl").write_text("changed\n", encoding="utf-8")
    assert fingerprint(data_inputs(d), tax, "bolt://a neo4j") != first

"""Secrets stay secret (issue 24): the initial password never on a command line, credentials in KG_NEO4J_URI never
in a message, a .env file read only when the user names it. Tested with a canary password."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.config import REPO_ROOT, Settings
from kg.errors import ConfigError
from tests.kg_process import free_port, run_kg

CANARY = 'Canary-7f3a "quoted" #hash \\back sláinte'
URI_CANARY = "Canary-in-the-URI-93b1"


def _env_without_kg(**extra: str) -> dict[str, str]:
    """This process's environment minus every KG_ setting (the test's own Neo4j included), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return {**env, **extra}


# ---- credentials inside KG_NEO4J_URI ------------------------------------------------------------------------


def test_credentials_in_the_uri_move_out_of_it() -> None:
    s = Settings(neo4j_uri=f"neo4j+s://reader:{URI_CANARY}@db.example.org:7687")
    assert s.neo4j_uri == "neo4j+s://db.example.org:7687"
    assert s.uri == "neo4j+s://db.example.org:7687"
    assert s.neo4j_user == "reader"
    assert s.neo4j_password.get_secret_value() == URI_CANARY
    assert URI_CANARY not in repr(s) + s.model_dump_json()
    # percent-escapes are undone, and a password may hold '@' and '/'
    s = Settings(neo4j_uri="bolt://neo4j:a%3Ab@c/d@127.0.0.1:7687")
    assert (s.neo4j_uri, s.neo4j_password.get_secret_value()) == ("bolt://127.0.0.1:7687", "a:b@c/d")


def test_a_uri_password_and_another_kg_neo4j_password_are_refused_without_showing_either() -> None:
    with pytest.raises(ConfigError) as err:
        Settings(neo4j_uri=f"bolt://neo4j:{URI_CANARY}@127.0.0.1:7687", neo4j_password="another-secret-1")
    assert str(err.value) == "KG_NEO4J_URI carries a password and KG_NEO4J_PASSWORD holds another: keep one"


def test_redaction_of_uris_and_secrets_in_text() -> None:
    from kg.config import redact, redact_uri

    assert (
        redact_uri("Given URI: 'bolt://neo4j:p@ss@127.0.0.1:1/'.") == "Given URI: 'bolt://***@127.0.0.1:1/'."
    )
    assert redact("bolt://127.0.0.1:7687 refused pw123456", "pw123456") == "bolt://127.0.0.1:7687 refused ***"


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    out = result.stdout + result.stderr
    assert URI_CANARY not in out
    assert "Traceback" not in out


def test_kg_load_with_credentials_in_the_uri_says_one_line_without_them(tmp_path: Path) -> None:
    records = tmp_path / "one.jsonl"
    records.write_text('{"id": "https://openalex.org/W1", "title": "One", "publication_year": 2020}\n')
    uri = f"bolt://neo4j:{URI_CANARY}@127.0.0.1:{free_port()}"
    result = run_kg(["load", str(records)], tmp_path, _env_without_kg(KG_NEO4J_URI=uri))
    _assert_clean(result)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Neo4j is unavailable: "), result.stderr


def test_kg_up_with_credentials_in_the_uri_shows_the_uri_without_them(tmp_path: Path) -> None:
    port = free_port()
    uri = f"bolt://neo4j:{URI_CANARY}@127.0.0.1:{port}"
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "load" / "openalex_small.jsonl", data)
    result = run_kg(["up", "--no-serve", str(data)], tmp_path, _env_without_kg(KG_NEO4J_URI=uri))
    _assert_clean(result)
    # kg up names the URI (its "✓ using the Neo4j at …" comes only once that Neo4j answers; this one does not)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: Neo4j is unavailable: ")
    assert last.endswith(f"(KG_NEO4J_URI is bolt://127.0.0.1:{port}; unset it to use the local Neo4j)")


def test_kg_serve_with_credentials_in_the_uri_answers_503_without_them(tmp_path: Path) -> None:
    port = free_port()
    uri = f"bolt://neo4j:{URI_CANARY}@127.0.0.1:{free_port()}"
    env = _env_without_kg(KG_NEO4J_URI=uri, KG_API_WARM_UP="false", KG_API_TRANSACTION_RETRY_TIME="0.2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        status, body = _get_when_up(f"http://127.0.0.1:{port}/api/v1/ready", proc)
        assert status == 503
        assert URI_CANARY not in body
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert URI_CANARY not in out
    assert "Traceback" not in out


def _get_when_up(url: str, proc: subprocess.Popen[str], wait: float = 90) -> tuple[int, str]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"kg serve exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"kg serve did not answer {url} within {wait}s")


# ---- .env only when named -----------------------------------------------------------------------------------


class _Listener:
    """A TCP port that only records whether anyone connected (a stand-in for a server that should not be asked)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    lst = _Listener()
    try:
        yield lst
    finally:
        lst.close()


def test_a_dot_env_in_the_working_directory_is_not_read_unless_named(
    tmp_path: Path, listener: _Listener
) -> None:
    (tmp_path / ".env").write_text(
        f"KG_NEO4J_URI=bolt://127.0.0.1:{listener.port}\nKG_NEO4J_PASSWORD={URI_CANARY}\n", encoding="utf-8"
    )
    # without the .env, kg uses the local Neo4j: here one that cannot start (no jars), which fails at once
    env = _env_without_kg(
        KG_LOCALDB_HOME=str(tmp_path / "home"),
        KG_LOCALDB_JARS=str(tmp_path / "no-jars"),
        KG_BOLT_PORT=str(free_port()),
        KG_HTTP_PORT=str(free_port()),
    )
    result = run_kg(["schema", "apply"], tmp_path, env)
    assert listener.connections == 0, "kg connected to the server a stray .env named"
    assert result.returncode == 1
    # the command says it starts the local Neo4j (not the server the .env names), then why it cannot
    assert result.stderr.strip().splitlines() == [
        f"starting the local Neo4j (bolt://127.0.0.1:{env['KG_BOLT_PORT']}, home {tmp_path / 'home'}; `kg db stop` "
        "stops it) …",
        f"error: no Neo4j jars in {tmp_path / 'no-jars'} (KG_LOCALDB_JARS); build them with mvn -f {REPO_ROOT / 'localdb' / 'pom.xml'} package",
    ]
    assert URI_CANARY not in result.stdout + result.stderr

    # named, it is read: `kg --env-file .env` (or KG_ENV_FILE) asks the server it names
    named = run_kg(["--env-file", ".env", "schema", "apply"], tmp_path, env)
    assert listener.connections >= 1
    assert named.returncode == 1
    assert named.stderr.startswith("error: Neo4j is unavailable: ")
    assert URI_CANARY not in named.stdout + named.stderr
    missing = run_kg(["schema", "apply"], tmp_path, {**env, "KG_ENV_FILE": str(tmp_path / "absent.env")})
    assert (
        missing.stderr.strip()
        == f"error: KG_ENV_FILE names {tmp_path / 'absent.env'}, which is not a readable file"
    )


# ---- the initial password of the local Neo4j --------------------------------------------------------------


def _auth_ini_holds(auth_ini: Path, password: str) -> bool:
    """Whether Neo4j's initial-user file holds this password: SHA-256 over salt + password, iterated."""
    user, credentials, _ = auth_ini.read_text(encoding="utf-8").strip().split(":", 2)
    algorithm, digest, salt, iterations = credentials.split(",")
    assert (user, algorithm) == ("neo4j", "SHA-256")
    h = hashlib.sha256(bytes.fromhex(salt) + password.encode("utf-8")).digest()
    for _ in range(int(iterations) - 1):
        h = hashlib.sha256(h).digest()
    return h.hex() == digest


@pytest.mark.parametrize(
    "password",
    [
        CANARY,
        "plain-password-1",
        "  spaces at both ends  ",
        "new\nline and tab\there",
        "ends with backslash\\",
    ],
)
def test_the_admin_tool_stores_exactly_the_password_it_reads_from_its_argument_file(
    tmp_path: Path, password: str
) -> None:
    from kg import localdb

    s = Settings(localdb_home=tmp_path / "home", neo4j_password=password)
    if not localdb.jars_ready(s):
        pytest.skip("the Neo4j jars are not fetched (localdb/target): `kg db start` fetches them once")
    localdb._set_initial_password(s)
    assert _auth_ini_holds(tmp_path / "home" / "data" / "dbms" / "auth.ini", password)
    assert not list((tmp_path / "home" / "run").glob("*.args")), "the argument file outlived the admin tool"


def _cmdlines() -> Iterator[tuple[int, bytes]]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    yield int(entry.name), f.read()
            except OSError:
                continue


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_canary_password_is_in_no_argument_list_log_or_message_while_the_local_neo4j_starts(
    tmp_path: Path,
) -> None:
    from neo4j import GraphDatabase

    from kg import localdb

    home = tmp_path / "neo4j"
    s = Settings(localdb_home=home, bolt_port=free_port(), http_port=free_port())
    if not localdb.jars_ready(s):
        pytest.skip("the Neo4j jars are not fetched (localdb/target): `kg db start` fetches them once")
    env = _env_without_kg(
        KG_NEO4J_PASSWORD=CANARY,
        KG_LOCALDB_HOME=str(home),
        KG_BOLT_PORT=str(s.bolt_port),
        KG_HTTP_PORT=str(s.http_port),
        KG_HEAP_INITIAL="256m",
        KG_HEAP_MAX="1g",
        KG_PAGECACHE="256m",
    )
    needle = CANARY.encode("utf-8")
    seen: list[tuple[int, bytes]] = []
    # this start's Java processes only (the admin tool's argument file and the server's --home-dir lie in `home`):
    # the run's test Neo4j, another worker's or another user's are no evidence that this start was watched
    ours = str(home.resolve()).encode()
    java_pids: set[int] = set()
    done = threading.Event()

    def watch() -> (
        None
    ):  # every process's argument list, as often as /proc can be read, until the start returns
        while not done.is_set():
            for pid, cmdline in _cmdlines():
                if needle in cmdline:
                    seen.append((pid, cmdline))
                if b"org.neo4j" in cmdline and ours in cmdline:
                    java_pids.add(pid)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        started = run_kg(["db", "start"], tmp_path, env, timeout=300)
    finally:
        done.set()
        watcher.join(timeout=10)
    try:
        assert started.returncode == 0, started.stderr
        assert not seen, f"the password was on a command line: {seen[0][1][:200]!r}"
        assert len(java_pids) >= 2, "the watcher saw neither the admin tool nor the server start"
        server_pid = int((home / "run" / "kg-neo4j.pid").read_text())
        assert needle not in Path(f"/proc/{server_pid}/environ").read_bytes()
        # it is the password: Neo4j accepts it
        with GraphDatabase.driver(s.uri, auth=("neo4j", CANARY)) as drv:
            drv.verify_connectivity()
        status = run_kg(["db", "status"], tmp_path, env)
        assert status.returncode == 0
        for out in (started, status):
            assert CANARY not in out.stdout + out.stderr
        for path in home.rglob("*"):
            if path.is_file():
                assert needle not in path.read_bytes(), f"the password is in {path}"
    finally:
        run_kg(["db", "stop"], tmp_path, env)

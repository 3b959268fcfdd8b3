"""The local Neo4j 5.26 Community, run from Maven Central jars through org.neo4j.server.CommunityEntryPoint."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg import cds, graphdb
from kg.config import REPO_ROOT, Settings, redact
from kg.errors import CredentialsRefused, KGError, LocalDBError

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
POM = REPO_ROOT / "localdb" / "pom.xml"


@dataclass
class Status:
    running: bool
    pid: int | None
    home: Path
    bolt: str
    browser: str
    version: str | None = None
    edition: str | None = None

    def lines(self) -> list[str]:
        state = "running" if self.running else "stopped"
        head = f"Neo4j {self.version or '5.26'} {(self.edition or 'community').title()}: {state}"
        if self.pid:
            head += f" (pid {self.pid})"
        return [head, f"Bolt:    {self.bolt}", f"Browser: {self.browser}", f"Home:    {self.home}"]


def _pid_file(s: Settings) -> Path:
    return s.localdb_home / "run" / "kg-neo4j.pid"


def log_file(s: Settings) -> Path:
    return s.localdb_home / "logs" / "neo4j.log"


def console_log(s: Settings) -> Path:
    return s.localdb_home / "logs" / "console.log"


def _lib(s: Settings) -> Path:
    return s.localdb_jars / "lib"


def _plugins(s: Settings) -> Path:
    return s.localdb_jars / "plugins"


def jars_ready(s: Settings) -> bool:
    lib = _lib(s)
    return lib.is_dir() and any(lib.glob("neo4j-5.26.*.jar")) and any(_plugins(s).glob("apoc-core-*.jar"))


def fetch_jars(s: Settings) -> None:
    """Copy Neo4j, the Browser and APOC from Maven Central into localdb/target (once)."""
    if jars_ready(s):
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalDBError("Maven (mvn) is not installed: it is needed once to fetch the Neo4j jars")
    if s.localdb_jars.resolve() != (REPO_ROOT / "localdb" / "target").resolve():
        raise LocalDBError(
            f"no Neo4j jars in {s.localdb_jars} (KG_LOCALDB_JARS); build them with mvn -f {POM} package"
        )
    proc = subprocess.run([mvn, "-B", "-q", "-f", str(POM), "package"], capture_output=True, text=True)
    if proc.returncode != 0 or not jars_ready(s):
        detail = (proc.stdout + proc.stderr).strip().splitlines()
        last = next((ln for ln in reversed(detail) if "ERROR" in ln), detail[-1] if detail else "no output")
        raise LocalDBError(f"Maven cannot fetch the Neo4j jars: {last.strip()[:300]}")


def java_version() -> int:
    java = shutil.which("java")
    if java is None:
        raise LocalDBError(
            "Java is not installed: the local Neo4j needs Java 17 or 21 (set KG_NEO4J_URI to use another Neo4j)"
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True)
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        raise LocalDBError(f"cannot read the Java version from: {(out.stderr or out.stdout).strip()[:120]}")
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def check_java() -> None:
    major = java_version()
    if major < 17:
        raise LocalDBError(f"Java {major} is too old: Neo4j 5.26 needs Java 17 or 21")


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_answers(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# Neo4j 5.26's (internal) setting for the Bolt server's shutdown quiet period, in seconds (default 5)
BOLT_SHUTDOWN_QUIET = "internal.dbms.bolt.netty_server_shutdown_quiet_period"


def write_config(s: Settings) -> Path:
    conf_dir = s.localdb_home / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("data", "logs", "run", "import"):
        (s.localdb_home / sub).mkdir(parents=True, exist_ok=True)
    conf = conf_dir / "neo4j.conf"
    conf.write_text(
        "\n".join(
            [
                "# Written by `kg db start` from KG_* settings; edits are overwritten.",
                "server.default_listen_address=127.0.0.1",
                "server.default_advertised_address=127.0.0.1",
                f"server.bolt.listen_address=127.0.0.1:{s.bolt_port}",
                f"server.bolt.advertised_address=127.0.0.1:{s.bolt_port}",
                f"server.http.listen_address=127.0.0.1:{s.http_port}",
                f"server.http.advertised_address=127.0.0.1:{s.http_port}",
                "server.https.enabled=false",
                "server.bolt.tls_level=DISABLED",
                f"server.directories.plugins={_plugins(s).resolve()}",
                f"server.directories.import={(s.localdb_home / 'import').resolve()}",
                "dbms.security.auth_enabled=true",
                "dbms.security.procedures.unrestricted=apoc.*",
                "dbms.security.procedures.allowlist=apoc.*",
                f"server.memory.pagecache.size={s.pagecache}",
                f"dbms.memory.transaction.total.max={s.tx_memory_max}",
                # A safety net only: the API sets its own per-query timeout (KG_QUERY_TIMEOUT), and a load batch on a
                # busy machine may legitimately take minutes.
                "db.transaction.timeout=10m",
                # Neo4j keeps two days of transaction logs by default: a long load writes ~22 GB of them for 850k
                # works (on top of a 9 GB store) and filled this machine's disk. Checkpoints prune past 2 GB.
                "db.tx_log.rotation.retention_policy=2G size",
                # The API serves a Browser guide for :play; the local Browser may fetch it from loopback. 5.26 names it
                # *_whitelist, and the Browser compares host names without ports.
                "browser.remote_content_hostname_whitelist=http://127.0.0.1,http://localhost",
                "dbms.usage_report.enabled=false",
                "server.logs.gc.enabled=false",
                # Stopping waited 5 s after the databases were checkpointed and closed: Netty's quiet period for the
                # Bolt event loops, which only waits for tasks that no closed connection can submit any more. Every
                # `kg load --bulk` stops Neo4j once (BENCHMARKS.md, "Stopping the local Neo4j").
                f"{BOLT_SHUTDOWN_QUIET}=0",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return conf


def _read_pid(s: Settings) -> int | None:
    try:
        pid = int(_pid_file(s).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"CommunityEntryPoint" not in cmdline:
            return None
    except OSError:
        pass
    return pid


def _java_env(s: Settings, **extra: str) -> dict[str, str]:
    """The environment of a Java process we start: ours without the Neo4j credentials, which it does not need."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_NEO4J_")}
    return {**env, "NEO4J_HOME": str(s.localdb_home.resolve()), **extra}


def _java_cmd(s: Settings, main: str, *args: str, jvm: Sequence[str] = ()) -> list[str]:
    java = shutil.which("java") or "java"
    return [
        java,
        *jvm,
        f"-Xms{s.heap_initial}",
        f"-Xmx{s.heap_max}",
        "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError",
        "-Dfile.encoding=UTF-8",
        "-cp",
        classpath(s),
        main,
        *args,
    ]


def argfile_quote(value: str) -> str:
    """One argument as Neo4j's admin tool reads it from an @-file (a java.io.StreamTokenizer quoted string):
    double-quoted, with backslash, double quote and line ends escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _set_initial_password(s: Settings) -> None:
    """Neo4j takes an initial password only before its first start; later starts keep the stored one.

    The password never appears on a command line (where `ps` and /proc/<pid>/cmdline show it to every user): the
    admin tool reads it from an @-file only this user can read, deleted as soon as the tool has run."""
    if (s.localdb_home / "data" / "databases" / "system").exists():
        return
    password = s.neo4j_password.get_secret_value()
    if len(password) < 8:
        raise LocalDBError("KG_NEO4J_PASSWORD must have at least 8 characters for Neo4j")
    # The admin tool validates its config strictly and does not know the Browser's settings: give it its own.
    run_dir = s.localdb_home / "run"
    admin_conf = run_dir / "admin-conf"
    admin_conf.mkdir(parents=True, exist_ok=True)
    (admin_conf / "neo4j.conf").write_text("dbms.security.auth_enabled=true\n", encoding="utf-8")
    env = _java_env(s, NEO4J_CONF=str(admin_conf.resolve()))
    argfile = (run_dir / f"initial-password-{os.getpid()}.args").resolve()
    argfile.unlink(missing_ok=True)
    fd = os.open(argfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(argfile_quote(password) + "\n")
        cmd = _java_cmd(s, ADMIN_TOOL, "dbms", "set-initial-password", f"@{argfile}")
        cmd[1:3] = ["-Xms64m", "-Xmx512m"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=s.localdb_home)
    finally:
        argfile.unlink(missing_ok=True)
    if proc.returncode != 0:
        output = redact(proc.stdout + proc.stderr, password)
        with console_log(s).open("a", encoding="utf-8") as log:
            log.write(output)
        detail = output.strip().splitlines()
        raise LocalDBError(
            f"could not set the local Neo4j's initial password: {detail[0][:200] if detail else 'no output'} "
            f"(log: {console_log(s)})"
        )


def status(s: Settings, *, with_version: bool = True) -> Status:
    pid = _read_pid(s)
    st = Status(
        running=pid is not None and port_answers(s.bolt_port),
        pid=pid,
        home=s.localdb_home.resolve(),
        bolt=f"bolt://127.0.0.1:{s.bolt_port}",
        browser=f"http://127.0.0.1:{s.http_port}/browser/",
    )
    if st.running and with_version:
        try:
            drv = graphdb.open_driver(s)
            try:
                info = graphdb.server_info(drv, s)
            finally:
                drv.close()
            st.version, st.edition = info.get("version"), info.get("edition")
        except Exception:  # status is best-effort about the version; the process state above is what counts
            pass
    return st


def start(s: Settings) -> Status:
    """Start the local Neo4j and return once Bolt answers; a no-op when it already runs."""
    current = status(s, with_version=False)
    if current.running:
        return status(s)
    check_java()
    fetch_jars(s)
    for name, port in (("Bolt", s.bolt_port), ("HTTP", s.http_port)):
        if not port_free(port):
            raise LocalDBError(
                f"cannot start the local Neo4j: {name} port {port} on 127.0.0.1 is already in use "
                f"(set KG_{'BOLT' if name == 'Bolt' else 'HTTP'}_PORT to another port)"
            )
    write_config(s)
    _set_initial_password(s)
    share = class_sharing(s, cds.SERVER)
    proc = _launch(s, share)
    deadline = time.monotonic() + s.start_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if share.flags and share.recording is None and share.archive is not None:
                # it mapped a class archive: one that cannot be mapped any more (a disk fault) must not keep
                # Neo4j from starting; without it, once
                share.archive.unlink(missing_ok=True)
                share = cds.Sharing()
                proc = _launch(s, share)
                continue
            _pid_file(s).unlink(missing_ok=True)
            raise LocalDBError(
                f"the local Neo4j exited during start-up: {_last_error(s)} (log: {log_file(s)})"
            )
        if port_answers(s.bolt_port) and _bolt_ready(s):
            return status(s)
        time.sleep(0.2)
    raise LocalDBError(
        f"the local Neo4j did not answer on Bolt within {s.start_timeout:.0f}s (log: {log_file(s)})"
    )


def _launch(s: Settings, share: cds.Sharing) -> subprocess.Popen[bytes]:
    """The server's JVM, started in the background with its output in the console log."""
    console = console_log(s)
    console.parent.mkdir(parents=True, exist_ok=True)
    # the stop (maybe another process's) makes what this server records at its exit the archive
    _cds_note(s).write_text(f"{share.recording or ''}\n{share.archive or ''}\n", encoding="utf-8")
    with console.open("ab") as out:
        proc = subprocess.Popen(
            _java_cmd(
                s,
                ENTRY_POINT,
                f"--home-dir={s.localdb_home.resolve()}",
                f"--config-dir={(s.localdb_home / 'conf').resolve()}",
                jvm=share.flags,
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=s.localdb_home,
            env=_java_env(s),
            start_new_session=True,
        )
    _pid_file(s).write_text(str(proc.pid))
    return proc


def _bolt_ready(s: Settings) -> bool:
    try:
        drv = graphdb.open_driver(s)
        try:
            with graphdb.translated_errors():
                drv.verify_connectivity()
            return True
        finally:
            drv.close()
    except CredentialsRefused as e:  # an auth failure will not heal by waiting
        raise LocalDBError(
            "the local Neo4j refused KG_NEO4J_PASSWORD: it keeps the password set at its first start "
            f"(remove {s.localdb_home} to start afresh)"
        ) from e
    except KGError:  # not answering yet: the caller waits and asks again
        return False


def _last_error(s: Settings) -> str:
    for path in (log_file(s), console_log(s)):
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            if "ERROR" in line or "Exception" in line:
                return line.strip()[:300]
    return "no error in the log"


def stop(s: Settings, timeout: float = 90.0) -> bool:
    """Shut the local Neo4j down cleanly (SIGTERM, then wait); True when it was running."""
    pid = _read_pid(s)
    if pid is None:
        _pid_file(s).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if _exited(pid):
            break
        time.sleep(0.3)
    else:
        os.kill(pid, signal.SIGKILL)
        _cds_note(s).unlink(missing_ok=True)  # killed: what it recorded may be cut short
    _pid_file(s).unlink(missing_ok=True)
    _promote_recording(s)
    return True


def _cds_note(s: Settings) -> Path:
    return s.localdb_home / "run" / "kg-neo4j.cds"


def classpath(s: Settings) -> str:
    return f"{_lib(s).resolve()}/*"


def class_sharing(s: Settings, role: str) -> cds.Sharing:
    """The class-data-sharing flags of a JVM of `role` (kg.cds.SERVER, IMPORT) run from these settings' jars."""
    return cds.sharing(_lib(s), role, enabled=s.jvm_class_sharing)


def keep_recording(s: Settings, share: cds.Sharing) -> bool:
    """After the JVM that took `share`'s flags has exited cleanly: what it recorded becomes the archive."""
    return cds.promote(share, classpath(s))


def _promote_recording(s: Settings) -> None:
    """The class archive the stopped server recorded at its exit, if it recorded one (kg.cds)."""
    note = _cds_note(s)
    try:
        lines = note.read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    note.unlink(missing_ok=True)
    if len(lines) >= 2 and lines[0] and lines[1]:
        keep_recording(s, cds.Sharing(recording=Path(lines[0]), archive=Path(lines[1])))


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _exited(pid: int) -> bool:
    """Gone, or a zombie: a Neo4j started by another live process (a bench, a test session) stays a zombie after
    it exits until that process reaps it, and signal 0 still reaches a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"  # the state follows the command name in parentheses


def ensure_running(s: Settings) -> Status:
    st = status(s, with_version=False)
    return st if st.running else start(s)


def tail_log(s: Settings, lines: int = 50) -> list[str]:
    path = log_file(s)
    if not path.exists():
        raise LocalDBError(f"no log yet at {path}")
    return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]

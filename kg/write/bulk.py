"""The bulk path: the whole resolved graph into an empty local Neo4j with `neo4j-admin database import full`.

DuckDB writes one CSV per label and relationship type straight from the resolved tables (headers in the import
tool's format, lists joined by U+001F), the local Neo4j stops, the import tool builds the store files, Neo4j starts
again and the schema (constraints, indexes) is built over the imported graph. The graph is the one the online path
writes from the same stage (tests/test_pipeline.py compares them). Rows a derive step computed before the import
(kg.derive.topic_bulk: topics, keyphrases, WORKS_ON) go into the same import (`Derived`).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg import cds, localdb
from kg.config import Settings
from kg.errors import LocalDBError
from kg.resolve.tables import NODE_TABLES, REL_TABLES
from kg.stage.store import StageStore

ARRAY_DELIMITER = "\x1f"

_TYPE_SUFFIX = {
    "VARCHAR": "",
    "INTEGER": ":long",
    "BIGINT": ":long",
    "DOUBLE": ":double",
    "BOOLEAN": ":boolean",
    "VARCHAR[]": ":string[]",
    "INTEGER[]": ":long[]",
    "BIGINT[]": ":long[]",
}


@dataclass(frozen=True)
class Derived:
    """Rows computed before the import, in tables of the stage's connection (temporary ones too), written with the
    resolved tables: a resolved table replaced by one with its columns (`replaced`: table → table), a property
    joined onto a label's nodes by id (`node_props`: label → (table of id and the column, column)), and
    relationships of their own (`rels`: type → (table of src, dst and the properties, start label, end label,
    properties)). Derived relationships carry no load_run: the derive's statements set none."""

    replaced: Mapping[str, str] = field(default_factory=dict)
    node_props: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    rels: Mapping[str, tuple[str, str, str, tuple[str, ...]]] = field(default_factory=dict)


@dataclass
class BulkReport:
    # "node:Label" / "rel:TYPE" (resolved tables) and "rel:TYPE:derived" → file
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # the resolved tables' rows (what the load counts)
    derived_rows: dict[str, int] = field(default_factory=dict)
    export_seconds: float = 0.0
    stop_seconds: float = 0.0
    import_seconds: float = 0.0
    start_seconds: float = 0.0


def _column_types(store: StageStore, table: str) -> dict[str, str]:
    return {
        str(name): str(typ)
        for name, typ in store.con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = ? AND database_name IN (current_database(), 'temp')",
            [table],
        ).fetchall()
    }


def _col(name: str, typ: str, alias: str = "t") -> str:
    suffix = _TYPE_SUFFIX.get(typ)
    if suffix is None:
        raise LocalDBError(f"the bulk export has no CSV type for {name} ({typ})")
    q = f'{alias}."{name}"'
    expr = f"CASE WHEN len({q}) > 0 THEN array_to_string({q}, chr(31)) END" if typ.endswith("[]") else q
    return f'{expr} AS "{name}{suffix}"'


def export_csv(store: StageStore, directory: Path, run_id: str, derived: Derived | None = None) -> BulkReport:
    """One CSV per label and relationship type, in the import tool's header format (and one per derived
    relationship type)."""
    report = BulkReport()
    d = derived or Derived()
    t0 = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    run = run_id.replace("'", "''")
    for label, (table, props) in NODE_TABLES.items():
        source = d.replaced.get(table, table)
        types = _column_types(store, source)
        cols = [f't.id AS "id:ID({label})"'] + [_col(c, types[c]) for c in props]
        cols += [
            f"'{run}' AS load_run",
            "strftime(now(), '%Y-%m-%dT%H:%M:%S.%fZ') AS \"updated_at:datetime\"",
        ]
        joined = ""
        if label in d.node_props:
            extra, column = d.node_props[label]
            cols.append(_col(column, _column_types(store, extra)[column], alias="x"))
            joined = f' LEFT JOIN "{extra}" x ON x.id = t.id'
        report.files[f"node:{label}"] = _copy(
            store, f'"{source}" t{joined}', cols, directory / f"{table}.csv"
        )
    for rel, (table, start, end, props) in REL_TABLES.items():
        source = d.replaced.get(table, table)
        types = _column_types(store, source)
        cols = [f't.src AS ":START_ID({start})"', f't.dst AS ":END_ID({end})"']
        cols += [_col(c, types[c]) for c in props] + [f"'{run}' AS load_run"]
        report.files[f"rel:{rel}"] = _copy(store, f'"{source}" t', cols, directory / f"{table}.csv")
    for key, path in report.files.items():
        table = path.stem
        report.rows[key] = int(store.scalar(f'SELECT count(*) FROM "{table}"') or 0)
    for rel, (table, start, end, props) in d.rels.items():
        types = _column_types(store, table)
        cols = [f't.src AS ":START_ID({start})"', f't.dst AS ":END_ID({end})"']
        cols += [_col(c, types[c]) for c in props]
        key = f"rel:{rel}:derived"
        report.files[key] = _copy(store, f'"{table}" t', cols, directory / f"derived_{table}.csv")
        report.derived_rows[key] = int(store.scalar(f'SELECT count(*) FROM "{table}"') or 0)
    report.export_seconds = time.monotonic() - t0
    return report


def _copy(store: StageStore, source: str, cols: list[str], target: Path) -> Path:
    sql = f"SELECT {', '.join(cols)} FROM {source}"
    path = str(target).replace("'", "''")
    store.con.execute(
        f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"')"
    )
    return target


# Below this many bytes of CSV the import tool's JVM runs without its optimising compiler (C2): a small import ends
# before C2's code pays for compiling it, and on 2 cores the compiler threads take the import's CPU. Measured
# (BENCHMARKS.md, "Starting the local Neo4j and the import tool"): DBLP's 38 MiB 7.7 -> 5.0 s, 185 MiB 12.8 s
# either way, 1M works' 3.8 GiB 111 -> 228 s.
C1_ONLY_BELOW_BYTES = 100 * 2**20


def import_command(s: Settings, report: BulkReport, log: Path, jvm: Sequence[str] = ()) -> list[str]:
    """The import tool's command line; `jvm`: options for its JVM (class data sharing, kg.cds)."""
    java = shutil.which("java") or "java"
    small = sum(p.stat().st_size for p in report.files.values() if p.exists()) < C1_ONLY_BELOW_BYTES
    args = [
        java,
        *jvm,
        *(["-XX:TieredStopAtLevel=1"] if small else []),
        f"-Xms{s.import_heap}",
        f"-Xmx{s.import_heap}",
        "-cp",
        localdb.classpath(s),
        localdb.ADMIN_TOOL,
        "database",
        "import",
        "full",
    ]
    for key, path in report.files.items():
        kind, name = key.split(":")[:2]
        flag = "--nodes" if kind == "node" else "--relationships"
        args.append(f"{flag}={name}={path.resolve()}")
    # single-valued options after the file lists: a file list takes every argument up to the next option
    args += [
        "--overwrite-destination=true",
        "--multiline-fields=true",
        "--array-delimiter=U+001F",
        f"--report-file={log.with_suffix('.report')}",
    ]
    args.append(s.neo4j_database)
    return args


def import_into_local(
    s: Settings, report: BulkReport, *, on_step: Callable[[str], None] | None = None
) -> None:
    """Stop the local Neo4j, import the CSVs into its database (replacing it), start it again."""
    if not s.uses_local_db:
        raise LocalDBError(
            "the bulk path writes into the local Neo4j only (KG_NEO4J_URI is set: load without --bulk)"
        )
    step = on_step or (lambda _m: None)
    step("stopping the local Neo4j for the import")
    t0 = time.monotonic()
    localdb.stop(s)
    report.stop_seconds = time.monotonic() - t0
    log = s.localdb_home / "logs" / "import.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = import_env(s)
    step("importing with neo4j-admin database import full")
    t0 = time.monotonic()
    share = localdb.class_sharing(s, cds.IMPORT)
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.run(
            import_command(s, report, log, share.flags),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=s.localdb_home,
        )
    report.import_seconds = time.monotonic() - t0
    if proc.returncode == 0:
        localdb.keep_recording(s, share)
    if proc.returncode != 0:
        tail = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
        raise LocalDBError(
            f"neo4j-admin import failed: {tail[-1][:300] if tail else proc.returncode} (log: {log})"
        )
    step("starting the local Neo4j")
    t0 = time.monotonic()
    localdb.start(s)
    report.start_seconds = time.monotonic() - t0


def import_env(s: Settings) -> dict[str, str]:
    """The import tool's environment: the home, and a configuration of its own (empty: the server's settings are
    not the tool's)."""
    conf = s.localdb_home / "run" / "import-conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "neo4j.conf").write_text("", encoding="utf-8")
    return {
        "PATH": _env_path(),
        "NEO4J_HOME": str(s.localdb_home.resolve()),
        "NEO4J_CONF": str(conf.resolve()),
    }


def _env_path() -> str:
    import os

    return os.environ.get("PATH", "/usr/bin:/bin")

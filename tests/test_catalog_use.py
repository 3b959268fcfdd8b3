"""Every Cypher statement lives in cypher/ (none inline in Python), and every catalog name the code uses is a file."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from kg.graphdb.catalog import CYPHER_DIR

ROOT = CYPHER_DIR.parent
# Python that runs against Neo4j (tests write their own fixtures inline, on purpose).
CODE_DIRS = ("kg", "api", "bench")
# Text that is Cypher and not prose or SQL: a pattern after MATCH/MERGE/CREATE, a parameter list to UNWIND, a
# procedure call or subquery, a schema command, a projection with an alias.
CYPHER = re.compile(
    r"\b(?:OPTIONAL\s+)?MATCH\s*\(|\bMERGE\s*\(|\bCREATE\s*\(|\bUNWIND\s+\$|\bCALL\s+(?:db|dbms|apoc|gds)\.\w"
    r"|\bCALL\s*(?:\([^)]*\)\s*)?\{|\bSHOW\s+(?:CONSTRAINTS|INDEXES|DATABASES)\b|\bCREATE\s+(?:\w+\s+)?(?:CONSTRAINT|INDEX)\b[^;]*?\bFOR\s*\("
    r"|\bDETACH\s+DELETE\b|\bRETURN\s+[\w.]+\s+AS\s+\w"
)
# Calls whose first argument is a catalog name, and the folder that name is under (bench's q("x") is bench/x).
NAME_CALLS = {"query": "", "template": "", "get": "", "statements": "", "q": "bench/"}


def python_files() -> Iterator[Path]:
    for d in CODE_DIRS:
        yield from sorted((ROOT / d).rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def inline_cypher() -> list[str]:
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            if is_text and CYPHER.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.strip()[:60]!r}")
    return found


def catalog_names_used() -> list[tuple[str, str]]:
    """(where, name) for every catalog name written in the code: the first argument of query/template/get/q, and
    any string shaped like a catalog name under one of cypher/'s folders."""
    folders = {p.name for p in CYPHER_DIR.iterdir() if p.is_dir()}
    shaped = re.compile(rf"(?:{'|'.join(sorted(folders))})/[a-z0-9_]+")
    out = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
                arg = node.args[0]
                if name in NAME_CALLS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if name == "get" and not (isinstance(fn, ast.Attribute) and _is_catalog(fn.value)):
                        continue
                    calls.add(id(arg))
                    out.append((f"{path.relative_to(ROOT)}:{node.lineno}", NAME_CALLS[name] + arg.value))
        in_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and node.values:
                # f"api/ring_{kind}": some file must start with the fixed part
                head = node.values[0]
                if isinstance(head, ast.Constant) and re.fullmatch(
                    rf"(?:{'|'.join(folders)})/\w*", str(head.value)
                ):
                    out.append((f"{path.relative_to(ROOT)}:{node.lineno}", str(head.value) + "*"))
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in calls | in_fstrings
                and shaped.fullmatch(node.value)
            ):
                out.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return out


def _is_catalog(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "catalog"


def _exists(name: str) -> bool:
    if name.endswith("*"):
        return any(CYPHER_DIR.glob(f"{name}.cypher"))
    return (CYPHER_DIR / f"{name}.cypher").is_file()


def test_no_cypher_statement_is_written_inline_in_python() -> None:
    found = inline_cypher()
    assert found == [], "Cypher belongs in cypher/ (one statement per file):\n" + "\n".join(found)


def test_the_inline_finder_tells_cypher_from_sql_and_prose() -> None:
    assert CYPHER.search("MATCH (r:Researcher {id: $id}) RETURN r.id AS id")
    assert CYPHER.search("UNWIND $rows AS row MERGE (w:Work {id: row.id})")
    assert CYPHER.search("SHOW INDEXES YIELD name")
    assert CYPHER.search("CALL (n) { DELETE n } IN TRANSACTIONS")
    assert CYPHER.search("CREATE CONSTRAINT work_id IF NOT EXISTS FOR (w:Work) REQUIRE w.id IS UNIQUE")
    assert not CYPHER.search("CREATE OR REPLACE TEMP TABLE _ids AS SELECT DISTINCT id FROM pending")
    assert not CYPHER.search("CREATE INDEX a_wid ON a (wid, line)")
    assert not CYPHER.search("one MERGE statement per work, author, authorship")


def test_every_catalog_name_used_in_code_is_a_file() -> None:
    used = catalog_names_used()
    assert len({n for _, n in used}) > 60  # the finder sees the code's names (there are about a hundred)
    missing = [f"{where}: cypher/{name}.cypher" for where, name in used if not _exists(name)]
    assert missing == [], "catalog names with no file:\n" + "\n".join(missing)

"""The analyst's Cypher library: parse and validate cypher/queries/**/*.cypher headers, and run a query read-only."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from kg.errors import NotFound, QueryError
from kg.graphdb.catalog import CYPHER_DIR

LIBRARY_DIR = CYPHER_DIR / "queries"

REQUIRED_TAGS = ("title", "answers", "returns")
OPTIONAL_TAGS = ("group",)
KNOWN_TAGS = (*REQUIRED_TAGS, *OPTIONAL_TAGS, "param")
DEFAULT_GROUP = "explore"

# Number literals a query may spell out: structural 0 and 1 (`count > 0`, `list[0]`, `i + 1`, `*0..`). Every other
# number is a tunable value and must be a $parameter. true, false and null are not values an analyst tunes.
ALLOWED_NUMBERS = frozenset({"0", "1"})
# Clauses that write: the library only reads (the runner also uses a read transaction, so the server refuses too).
WRITE_KEYWORDS = frozenset({"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "FOREACH", "LOAD"})

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TAG = re.compile(r"@([A-Za-z_]+)\s*(.*)\Z")


class QueryFileError(QueryError):
    """A library query file breaks the header or parameter rules (cypher/queries/README.md)."""


class ParamError(QueryError):
    """A --param is unknown or malformed for the query it is given to."""


@dataclass(frozen=True)
class Param:
    name: str
    example: Any
    description: str = ""


@dataclass(frozen=True)
class Query:
    """One library file: its header fields, its body, and what is wrong with it (empty when valid)."""

    name: str
    path: Path
    text: str
    title: str = ""
    answers: str = ""
    returns: str = ""
    group: str = DEFAULT_GROUP
    params: tuple[Param, ...] = ()
    body: str = ""
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def examples(self) -> dict[str, Any]:
        return {p.name: p.example for p in self.params}


@dataclass(frozen=True)
class Token:
    kind: str  # string | number | param | ident | backtick | punct
    text: str
    line: int


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------------------------
# Tokenising: enough of Cypher's lexical grammar to tell strings, numbers, parameters and comments apart.

_TOKEN_RES: list[tuple[str, re.Pattern[str]]] = [
    ("ws", re.compile(r"\s+")),
    ("comment", re.compile(r"//[^\n]*")),
    ("comment", re.compile(r"/\*.*?\*/", re.S)),
    ("string", re.compile(r"'(?:[^'\\]|\\.)*'", re.S)),
    ("string", re.compile(r'"(?:[^"\\]|\\.)*"', re.S)),
    ("backtick", re.compile(r"`(?:[^`]|``)*`")),
    ("param", re.compile(r"\$(?:`(?:[^`]|``)*`|[A-Za-z0-9_]+)")),
    # `..` before numbers, so `*1..3` and `[..5]` read as 1, .., 3 and not as floats.
    ("punct", re.compile(r"\.\.")),
    (
        "number",
        re.compile(
            r"(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|(?:\d[\d_]*)?\.\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*(?:[eE][+-]?\d+)?)"
            r"(?![A-Za-z0-9_])"
        ),
    ),
    ("ident", re.compile(r"[^\W\d]\w*")),
    ("punct", re.compile(r"<>|<=|>=|=~|->|<-|\+=|.", re.S)),
]


def tokenize(body: str) -> list[Token]:
    """Cypher tokens without whitespace and comments; an unterminated string or comment is one bad token."""
    out: list[Token] = []
    pos, line = 0, 1
    while pos < len(body):
        for kind, rx in _TOKEN_RES:
            m = rx.match(body, pos)
            if m:
                text = m.group(0)
                if kind not in ("ws", "comment"):
                    out.append(Token(kind, text, line))
                line += text.count("\n")
                pos = m.end()
                break
        else:  # pragma: no cover - the last pattern matches any character
            pos += 1
    return out


def _param_name(token: Token) -> str:
    name = token.text[1:]
    if name.startswith("`"):
        name = name[1:-1].replace("``", "`")
    return name


def body_params(body: str) -> list[str]:
    """The $parameters a body uses, in order of first use."""
    seen: dict[str, None] = {}
    for t in tokenize(body):
        if t.kind == "param":
            seen.setdefault(_param_name(t), None)
    return list(seen)


def literal_violations(body: str) -> list[str]:
    """Values written into the body instead of passed as $parameters (see cypher/queries/README.md)."""
    problems: list[str] = []
    for t in tokenize(body):
        if t.kind == "string":
            problems.append(f"line {t.line}: string literal {t.text} (make it a $parameter)")
        elif t.kind == "number" and t.text not in ALLOWED_NUMBERS:
            problems.append(
                f"line {t.line}: number literal {t.text} (only 0 and 1 may be written; use a $parameter)"
            )
        elif t.kind == "punct" and t.text in ("'", '"'):
            problems.append(f"line {t.line}: unterminated string literal")
    return problems


def write_clauses(body: str) -> list[str]:
    """Write clauses in the body (a keyword, not a property `n.set`, a map key `{set: …}` or a procedure part)."""
    toks = tokenize(body)
    found: list[str] = []
    for i, t in enumerate(toks):
        if t.kind != "ident" or t.text.upper() not in WRITE_KEYWORDS:
            continue
        before = toks[i - 1].text if i > 0 else ""
        after = toks[i + 1].text if i + 1 < len(toks) else ""
        # `n.set` is a property, `{set: …}` a map key, `apoc.create.node` a procedure's namespace; `CREATE (` is a clause.
        if before == "." or after in (":", "."):
            continue
        found.append(f"line {t.line}: {t.text.upper()} writes (the library is read-only)")
    return found


def _statement_problems(body: str) -> list[str]:
    toks = tokenize(body)
    problems = []
    semis = [i for i, t in enumerate(toks) if t.kind == "punct" and t.text == ";"]
    if any(i != len(toks) - 1 for i in semis):
        problems.append("more than one statement (one query per file)")
    for raw in body.splitlines():
        if raw.strip().startswith(":"):
            problems.append(
                f"Browser command in the body: {raw.strip()[:40]} (the guide adds :params itself)"
            )
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Header parsing


def _parse_param(rest: str) -> tuple[Param | None, str | None]:
    parts = rest.split(None, 1)
    if not parts:
        return None, "@param without a name"
    name = parts[0]
    if name.startswith("$"):
        name = name[1:]
    if not _IDENT.match(name):
        return None, f"@param {name!r} is not a parameter name"
    value_text = parts[1].strip() if len(parts) > 1 else ""
    if not value_text:
        return None, f'@param {name} has no example value (a JSON literal, e.g. 25 or "xue|rui" or null)'
    try:
        example, end = json.JSONDecoder().raw_decode(value_text)
    except json.JSONDecodeError:
        return None, f"@param {name}: example {value_text.split()[0]} is not a JSON literal (quote strings)"
    description = value_text[end:].strip()
    if description and not description.startswith(("--", "—")):
        return None, f"@param {name}: text after the example must start with -- (got {description[:20]!r})"
    return Param(name, example, description.lstrip("-—").strip()), None


def parse(text: str, name: str, path: Path) -> Query:
    """Read one query file; problems are collected in Query.errors rather than raised."""
    lines = text.splitlines()
    header: list[str] = []
    i = 0
    while i < len(lines) and lines[i].strip().startswith("//"):
        header.append(re.sub(r"^//\s?", "", lines[i].strip()))
        i += 1
    body = "\n".join(lines[i:]).strip()
    errors: list[str] = []
    tags: list[tuple[str, list[str]]] = []
    for line in header:
        m = _TAG.match(line.strip())
        if m:
            tags.append((m.group(1), [m.group(2).strip()]))
        elif tags:
            if line.strip():
                tags[-1][1].append(line.strip())
        elif line.strip():
            errors.append("header text before the first @tag (start the file with // @title …)")
    if not header:
        errors.append("no header: the file must start with // @title, @answers, @param…, @returns lines")
    fields: dict[str, str] = {}
    params: list[Param] = []
    for tag, texts in tags:
        value = " ".join(t for t in texts if t)
        if tag not in KNOWN_TAGS:
            errors.append(f"unknown header tag @{tag} (known: {', '.join('@' + t for t in KNOWN_TAGS)})")
        elif tag == "param":
            p, err = _parse_param(value)
            if err:
                errors.append(err)
            elif p is not None:
                if any(q.name == p.name for q in params):
                    errors.append(f"@param {p.name} appears twice")
                params.append(p)
        elif tag in fields:
            errors.append(f"@{tag} appears twice")
        elif not value:
            errors.append(f"@{tag} is empty")
        else:
            fields[tag] = value
    if header:
        errors.extend(f"missing @{t}" for t in REQUIRED_TAGS if t not in fields and not _empty_tag(tags, t))
    if not body:
        errors.append("no query after the header")
    else:
        used = body_params(body)
        declared = [p.name for p in params]
        errors.extend(f"${u} is used but has no @param line" for u in used if u not in declared)
        errors.extend(
            f"@param {d} is declared but the query does not use ${d}" for d in declared if d not in used
        )
        errors.extend(literal_violations(body))
        errors.extend(write_clauses(body))
        errors.extend(_statement_problems(body))
    return Query(
        name=name,
        path=path,
        text=text,
        title=fields.get("title", ""),
        answers=fields.get("answers", ""),
        returns=fields.get("returns", ""),
        group=fields.get("group", DEFAULT_GROUP),
        params=tuple(params),
        body=body.rstrip().rstrip(";").rstrip(),
        errors=tuple(errors),
    )


def _empty_tag(tags: list[tuple[str, list[str]]], tag: str) -> bool:
    return any(t == tag for t, _ in tags)


# ---------------------------------------------------------------------------------------------------------------
# The library


def load_library(directory: Path | None = None) -> list[Query]:
    """Every *.cypher under the library folder (sub-folders too), named by relative path without .cypher."""
    root = directory or LIBRARY_DIR
    out = []
    for path in sorted(root.rglob("*.cypher")):
        name = path.relative_to(root).with_suffix("").as_posix()
        out.append(parse(path.read_text(encoding="utf-8"), name, path))
    return out


def get(name: str, directory: Path | None = None) -> Query:
    """The library query called `name` (as `kg cypher list` shows it)."""
    root = directory or LIBRARY_DIR
    name = name.removesuffix(".cypher")
    for q in load_library(root):
        if q.name == name:
            return q
    raise NotFound(f"no query {name!r} in {_show_dir(root)} (`kg cypher list` shows the library)")


def _show_dir(root: Path) -> str:
    try:
        return root.resolve().relative_to(CYPHER_DIR.parent).as_posix()
    except ValueError:
        return str(root)


def parse_cli_params(query: Query, pairs: Sequence[str]) -> dict[str, Any]:
    """The parameters `key=value` pairs set (the others take their example values in `run`); a value is read as JSON
    when it parses, else as text."""
    params: dict[str, Any] = {}
    known = query.examples
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().lstrip("$")
        if not sep or not key:
            raise ParamError(f"--param {pair!r}: write it as key=value")
        if key not in known:
            names = ", ".join(known) or "none"
            raise ParamError(f"{query.name} has no parameter {key!r} (its parameters: {names})")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def run(
    driver: Driver,
    query: Query,
    params: Mapping[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    timeout: float | None = None,
) -> Result:
    """Run a valid library query in a read transaction (the server refuses writes) with the given parameters."""
    if not query.valid:
        raise QueryFileError(f"{query.name} is not a valid library query: {query.errors[0]}")
    return run_read(
        driver, query.body, {**query.examples, **dict(params or {})}, settings=settings, timeout=timeout
    )


def run_read(
    driver: Driver,
    cypher: str,
    params: Mapping[str, Any],
    *,
    settings: Settings | None = None,
    timeout: float | None = None,
) -> Result:
    """One statement in a managed read transaction; keeps the column names even when no row comes back."""

    def work(tx: neo4j.ManagedTransaction) -> Result:
        res = tx.run(cypher, dict(params))
        keys = list(res.keys())
        return Result(keys, [r.data() for r in res])

    return graphdb.transaction(driver, work, settings=settings, timeout=timeout)


# ---------------------------------------------------------------------------------------------------------------
# Values: Neo4j's types into JSON, and JSON example values into Cypher literals for the Browser's :params.


def to_jsonable(value: Any) -> Any:
    """Plain JSON values for output (temporal values as ISO text, points as maps, bytes as base64)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if hasattr(value, "srid"):
        return {"srid": value.srid, "coordinates": list(value)}
    return str(value)


def cypher_literal(value: Any) -> str:
    """A JSON value written as a Cypher literal (map keys as identifiers), for `:params {…}` in the Browser."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        # JSON's string escapes are a subset of Cypher's, and a double-quoted Cypher string reads them the same.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_cypher_key(str(k))}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    raise TypeError(f"no Cypher literal for {type(value).__name__}")


def _cypher_key(key: str) -> str:
    return key if _IDENT.match(key) else "`" + key.replace("`", "``") + "`"


def browser_params(query: Query) -> list[str]:
    """Browser commands that set a query's example parameters, one `:param name => value` each.

    The arrow form has the server evaluate the value, so 25 stays an integer; `:params {limit: 25}` is evaluated in
    the Browser's JavaScript and arrives as 25.0, which LIMIT refuses.
    """
    return [f":param {_cypher_key(p.name)} => {cypher_literal(p.example)}" for p in query.params]

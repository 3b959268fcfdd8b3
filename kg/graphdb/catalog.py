"""Loads every .cypher file under cypher/ once, by name ("load/works", "api/slice", "schema")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CYPHER_DIR = Path(__file__).resolve().parent.parent.parent / "cypher"

_HEADER = re.compile(r"^//\s?(.*)$")


@dataclass(frozen=True)
class CypherFile:
    name: str
    path: Path
    text: str

    @property
    def header(self) -> list[str]:
        """The leading `//` comment lines, without the slashes."""
        lines = []
        for line in self.text.splitlines():
            m = _HEADER.match(line.strip())
            if not m:
                break
            lines.append(m.group(1))
        return lines

    @property
    def body(self) -> str:
        """The statement(s) without the header comment."""
        return "\n".join(line for line in self.text.splitlines() if not line.strip().startswith("//")).strip()

    def statements(self) -> list[str]:
        """Statements separated by `;` at the end of a line (schema files hold several)."""
        parts = re.split(r";\s*\n", self.body + "\n")
        return [p.strip().rstrip(";").strip() for p in parts if p.strip()]


@lru_cache(maxsize=1)
def _all() -> dict[str, CypherFile]:
    out: dict[str, CypherFile] = {}
    for path in sorted(CYPHER_DIR.rglob("*.cypher")):
        name = path.relative_to(CYPHER_DIR).with_suffix("").as_posix()
        out[name] = CypherFile(name=name, path=path, text=path.read_text(encoding="utf-8"))
    return out


def get(name: str) -> CypherFile:
    try:
        return _all()[name]
    except KeyError:
        raise KeyError(f"no Cypher file cypher/{name}.cypher") from None


def query(name: str) -> str:
    """The body of cypher/<name>.cypher, ready to run with parameters."""
    return get(name).body


def names(prefix: str = "") -> list[str]:
    return [n for n in _all() if n.startswith(prefix)]


_PLACEHOLDER = re.compile(r"__([A-Z]+)__")
_IDENTIFIER = re.compile(r"[A-Z][A-Za-z_]*")


def template(name: str, **names: str) -> str:
    """A statement whose labels or types are placeholders (`__LABEL__`, `__TYPE__`, …), filled with the names the
    caller's code holds (the write stage's tables of labels and types), never with input text."""
    text = query(name)
    for key, value in names.items():
        if not _IDENTIFIER.fullmatch(value):
            raise ValueError(f"{value!r} is not a label or relationship type")
        text = text.replace(f"__{key.upper()}__", value)
    left = _PLACEHOLDER.search(text)
    if left:
        raise KeyError(f"cypher/{name}.cypher needs {left.group(0)}")
    return text

"""The import graph of the project's own modules: no cycles (imports inside functions included), the CLI on top."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every top-level package of the project that ships code (the sources stage may live in loaders/ or kg/sources/).
PACKAGES = ("kg", "api")
# The command line: the top floor, which nothing below it may import.
CLI_PACKAGES = ("kg.cli",)


def module_files() -> dict[str, Path]:
    """Module name → file, derived from the files (so a moved package is seen where it now lives)."""
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        base = ROOT / pkg
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterable[str]:
    """Every dotted name an import statement names: `from a import b` names both `a` and `a.b`."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join([*anchor, node.module] if node.module else anchor)
    else:
        base = node.module or ""
    yield base
    for alias in node.names:
        yield f"{base}.{alias.name}"


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports anywhere in its file (module level, functions, TYPE_CHECKING).

    An edge goes to the module named, not to the packages above it: `from kg.identity import names` depends on
    kg.identity.names (and the package face only when a name comes from the face itself)."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        deps: set[str] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            named = list(_imported(node, module, is_package))
            if isinstance(node, ast.ImportFrom):
                base, members = named[0], named[1:]
                found = [m for m in members if m in files]
                # `from pkg import sub` depends on pkg.sub; `from pkg import func` on pkg itself
                if len(found) < len(members) and base in files:
                    deps.add(base)
                deps.update(found)
            else:
                deps.update(n for n in named if n in files)
        deps.discard(module)
        graph[module] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out, key=lambda c: (-len(c), c))


def _is_cli(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in CLI_PACKAGES)


def cli_imports_from_below(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{m} imports {d}" for m, deps in graph.items() if not _is_cli(m) for d in deps if _is_cli(d)
    )


def test_the_graph_sees_imports_inside_functions() -> None:
    """The check reads the real files: kg.config is imported by many modules, and a function-level import counts."""
    graph = import_graph()
    assert len(graph) > 50
    importers = {m for m, deps in graph.items() if "kg.config" in deps}
    assert len(importers) > 10
    tree = ast.parse("def f():\n    from kg import config\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert set(_imported(node, "kg.x", False)) == {"kg", "kg.config"}


def test_cycle_finder_finds_a_cycle_through_function_imports() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_project_modules() -> None:
    found = cycles(import_graph())
    assert found == [], "import cycles (each a set of modules that reach each other):\n" + "\n".join(
        " ⇄ ".join(c) for c in found
    )


def test_only_the_cli_imports_the_api() -> None:
    """The library (kg) stands under the API; only the command line (`kg serve`) starts it."""
    graph = import_graph()
    found = sorted(
        f"{m} imports {d}"
        for m, deps in graph.items()
        if m.split(".")[0] != "api" and not _is_cli(m)
        for d in deps
        if d.split(".")[0] == "api"
    )
    assert found == [], "the API is served by the CLI, never imported by the library:\n" + "\n".join(found)


def test_nothing_below_the_cli_imports_it() -> None:
    found = cli_imports_from_below(import_graph())
    assert found == [], "the CLI is the top floor:\n" + "\n".join(found)

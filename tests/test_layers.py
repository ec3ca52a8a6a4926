"""The layers stay visible (docs/architecture.md): read from the source, so a change that blurs
them fails here rather than in a maintainer's head.

- no import cycles between the package's modules, deferred imports inside functions included;
- no blueprint imports another blueprint; views run no SQL of their own;
- services and the read models never touch the request and never commit;
- modules of one idea, under about 500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

from improvement_tracker import ROOT

PACKAGE = ROOT / "improvement_tracker"
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """Every module of the package this one imports, at the top or inside a function."""
    found: set[str] = set()
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def test_no_import_cycles():
    cycles = []

    def visit(node: str, stack: list[str], on_stack: set[str], done: set[str]) -> None:
        on_stack.add(node)
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if nxt in on_stack:
                cycles.append(" → ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in done:
                visit(nxt, stack, on_stack, done)
        stack.pop()
        on_stack.discard(node)
        done.add(node)

    done: set[str] = set()
    for node in sorted(GRAPH):
        if node not in done:
            visit(node, [], set(), done)
    assert cycles == []


def _blueprints() -> set[str]:
    return {n for n in MODULES if n.startswith("improvement_tracker.views.") and not n.split(".")[-1].startswith("_")}


def test_no_blueprint_imports_another():
    blueprints = _blueprints()
    assert {name: GRAPH[name] & blueprints for name in blueprints if GRAPH[name] & blueprints} == {}


def _source_mentions(path: Path, *names: str) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "flask"):
            found += [f"from {node.module} import {a.name}" for a in node.names if a.name in names]
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append(f".{node.attr}")
    return found


def test_views_run_no_sql_of_their_own():
    """Views load through improvement_tracker.security and call services; the session's query
    methods and SQLAlchemy's statement builders stay out of them (committing is theirs)."""
    sql = ("select", "func", "text", "scalar", "scalars", "execute", "get", "query")
    offenders = {}
    for name in MODULES:
        if name.startswith("improvement_tracker.views."):
            found = [m for m in _source_mentions(MODULES[name], *sql) if m.startswith("from sqlalchemy")
                     or m in (".scalar", ".scalars", ".execute", ".query")]
            if found and name != "improvement_tracker.views.health":  # /healthz asks the database "SELECT 1"
                offenders[name] = found
    assert offenders == {}


def _session_commits(path: Path) -> list[int]:
    """Lines that commit a database session (``session.commit()``, ``db.session.commit()``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback"):
            receiver = node.value
            name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
            if "session" in name:
                lines.append(node.lineno)
    return lines


def test_services_never_touch_the_request_or_commit():
    """Services take a session and plain arguments; their callers own the transaction."""
    offenders = {}
    for name, path in MODULES.items():
        if not name.startswith("improvement_tracker.services"):
            continue
        found = [m for m in _source_mentions(path, "request", "session", "g") if m.startswith("from flask")]
        found += [f"commits at line {n}" for n in _session_commits(path)]
        if found:
            offenders[name] = found
    assert offenders == {}


def test_modules_are_under_about_500_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}

"""Rules of the layout that a newcomer relies on: no import cycles, no SQL in the UI."""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("analytics", "geo", "ui", "web")
# A string that reads like SQL: a keyword pair as queries are written, or a call that runs one.
SQL = re.compile(r"\b(SELECT\s[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|VIEW)|"
                 r"DROP\s+TABLE)\b", re.IGNORECASE)
RUNS_SQL = re.compile(r"\.(execute|executemany|sql|query|df)\(|\bduckdb\.connect\(")
# Text for the analyst to edit, not run by the page: the SQL console's example (analytics.safety.console runs queries).
EXAMPLES = {"SELECT * FROM v_xa LIMIT 10"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports anywhere in it (at the top or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports(path, set(modules)) - {name} for name, path in modules.items()}


def test_the_import_graph_is_read():
    graph = import_graph()
    assert {"analytics.figures.standing", "analytics.storage.reads"} <= graph["ui.overview"] | graph["ui.widgets"]
    assert "analytics.units.build" in graph["analytics.storage.writes.plan"]
    assert "geo.mapview" in graph["ui.map"] and "analytics.text.labels" in graph["geo.mapview"]


def test_no_import_cycles():
    try:
        order = list(TopologicalSorter(import_graph()).static_order())
    except CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None
    assert order


def test_analytics_never_imports_geo_ui_or_web():
    graph = import_graph()
    wrong = {(m, d) for m, deps in graph.items() if m.startswith("analytics") for d in deps
             if d.startswith(("geo", "ui", "web"))}
    assert wrong == set()


def sql_in(path: Path) -> list[str]:
    """Lines of ``path`` that hold SQL text or run a query: pages and app.py call analytics instead."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    texts = [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    found = [f"{path.name}:{line}: {text[:60]!r}" for line, text in texts if SQL.search(text) and text not in EXAMPLES]
    lines = path.read_text(encoding="utf-8").splitlines()
    found += [f"{path.name}:{i}: {line.strip()[:60]}" for i, line in enumerate(lines, 1) if RUNS_SQL.search(line)]
    return found


def test_no_sql_in_pages():
    files = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))]
    assert len(files) > 10
    assert [hit for path in files for hit in sql_in(path)] == []


def test_the_sql_check_finds_sql(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('names = dict(con.execute("SELECT code, name FROM communes").fetchall())\n'
                    'total = con.sql("select 1").fetchone()\n', encoding="utf-8")
    assert len(sql_in(page)) == 3

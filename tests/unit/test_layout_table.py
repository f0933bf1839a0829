"""The README's layout table is the map a newcomer reads: one line per package and module, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("analytics", "geo", "ui", "web")
ROW = re.compile(r"^\| `([^`]+)` \|", re.M)


def layout_rows(readme: str) -> list[str]:
    """The paths the layout section's table names, in order."""
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return ROW.findall(section)


def tree(root: Path) -> set[str]:
    """Every package (as ``dir/``) and module of the project's code, ``__init__.py`` aside."""
    found = set()
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            relative = path.relative_to(root).as_posix()
            if path.name == "__init__.py":
                found.add(relative.removesuffix("__init__.py"))
            else:
                found.add(relative)
    return found


def test_the_table_lists_every_package_and_module_once():
    rows = layout_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sorted(p for p in set(rows) if rows.count(p) > 1) == []
    assert sorted(tree(ROOT) - set(rows)) == []


def test_every_row_names_a_path_that_exists():
    rows = layout_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert [p for p in rows if not (ROOT / p).exists()] == []


def test_the_check_sees_a_module_the_table_misses(tmp_path):
    (tmp_path / "analytics" / "figures").mkdir(parents=True)
    (tmp_path / "analytics" / "figures" / "__init__.py").write_text("")
    (tmp_path / "analytics" / "figures" / "new.py").write_text("")
    for package in PACKAGES[1:]:
        (tmp_path / package).mkdir()
    readme = "# x\n\n## Layout\n\n| path | what |\n| --- | --- |\n| `analytics/figures/` | figures |\n\n## Next\n"
    assert tree(tmp_path) - set(layout_rows(readme)) == {"analytics/figures/new.py"}

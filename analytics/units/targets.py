"""The plan's appendix targets, reconciled with the official registry.

Every appendix row is matched to a unit and the match kept with its method and
score. Findings list what a person must look at; no figure is ever altered to
make totals agree. ``python -m analytics check`` prints them and exits
non-zero while any remain open.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.errors import SourceFileError
from analytics.settings import Settings
from analytics.storage import cache, db
from analytics.storage.db import Connection
from analytics.text import fmt, labels
from analytics.units import headline
from analytics.units.names import NameMatcher, nfc

APPENDIX_COLUMNS = ["stt", "name_as_printed", "total_target", "voluntary_min"]


@dataclass(frozen=True)
class Reconciliation:
    rows: pd.DataFrame  # stt, name_as_printed, total_target, voluntary_min, code, method, score, status
    findings: pd.DataFrame  # kind, subject, detail, status


def _read_csv(path: Path, columns: list[str]) -> list[dict]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise SourceFileError(f"{path.name}: thiếu cột {', '.join(missing)}.")
            return [dict(row, _line=n) for n, row in enumerate(reader, start=2)]
    except FileNotFoundError as exc:
        raise SourceFileError(f"Không tìm thấy tệp {path}.") from exc


def _whole(row: dict, column: str, path: Path) -> int:
    value = (row.get(column) or "").strip()
    if not value.isdigit():
        raise SourceFileError(
            f"{path.name}, dòng {row['_line']}, cột {column}: «{value}» không phải số nguyên không âm."
        )
    return int(value)


def read_appendix(path: Path) -> pd.DataFrame:
    """The appendix exactly as transcribed: one row per printed line."""
    rows = [
        {"stt": _whole(r, "stt", path), "name_as_printed": r["name_as_printed"],
         "total_target": _whole(r, "total_target", path),
         "voluntary_min": _whole(r, "voluntary_min", path)}
        for r in _read_csv(path, APPENDIX_COLUMNS)
    ]
    return pd.DataFrame(rows, columns=APPENDIX_COLUMNS)


def read_overrides(path: Path, codes: set[str]) -> dict[str, tuple[str, str]]:
    """Printed name -> (code, note): a person's confirmation or correction of a match."""
    if not path.exists():
        return {}
    out = {}
    for r in _read_csv(path, ["name_as_printed", "code"]):
        code = (r["code"] or "").strip()
        if code not in codes:
            raise SourceFileError(
                f"{path.name}, dòng {r['_line']}, cột code: mã «{code}» không có trong danh mục chính thức."
            )
        out[r["name_as_printed"]] = (code, (r.get("note") or "").strip())
    return out


def reconcile(appendix: pd.DataFrame, units: pd.DataFrame, aliases: pd.DataFrame,
              overrides: dict[str, tuple[str, str]], settings: Settings) -> Reconciliation:
    matcher = NameMatcher(zip(units["code"], units["name"]), settings.fuzzy_accept, settings.ambiguity_margin)
    official = dict(zip(units["code"], units["name"]))
    alias_of = dict(zip(aliases["alias"], aliases["code"]))
    rows, findings = [], []

    def finding(kind, subject, detail, status="open"):
        findings.append({"kind": kind, "subject": subject, "detail": detail, "status": status})

    for r in appendix.itertuples(index=False):
        m = matcher.match(r.name_as_printed)
        code, method, score = m.code, m.method, m.score
        override = overrides.get(r.name_as_printed) or overrides.get(nfc(r.name_as_printed))
        if override:
            wanted = alias_of.get(override[0], override[0])
            method, score = (method, score) if wanted == code else ("override", 100.0)
            code, status = wanted, "confirmed"
        elif code is None:
            status = "unmatched"
        else:
            status = "exact" if method == "exact" else "open"
        rows.append({**r._asdict(), "code": code, "method": method, "score": score, "status": status})
        subject = f"STT {r.stt} «{r.name_as_printed}»"
        if code is None:
            hint = ("khớp với nhiều đơn vị: " if m.ambiguous else "gần nhất: ") + ", ".join(m.suggestions)
            finding("unmatched_row", subject, f"Không khớp đơn vị chính thức nào ({hint}).")
        elif status in ("open", "confirmed"):
            assert method is not None  # a matched name, or one confirmed, says how it was matched
            finding("non_exact_match", subject,
                    f"Khớp với {official[code]} ({code}) theo cách {labels.MATCH_METHOD[method]}, "
                    f"điểm {fmt.number(score, 1)}.",
                    "confirmed" if status == "confirmed" else "open")
        if r.voluntary_min > r.total_target:
            finding("figure", subject, f"Chỉ tiêu tự nguyện {fmt.number(r.voluntary_min)} lớn hơn chỉ tiêu chung "
                    f"{fmt.number(r.total_target)}.")
    matched = pd.DataFrame(rows)
    counts = matched["code"].value_counts()
    for code, n in counts[counts > 1].items():
        finding("matched_twice", f"{official[code]} ({code})", f"Được {n} dòng phụ lục khớp vào.")
    for code in sorted(set(units["code"]) - set(matched["code"].dropna())):
        finding("unit_without_target", f"{official[code]} ({code})", "Đơn vị chính thức không có dòng trong phụ lục.")
    for label, stated, column in (("Tổng chỉ tiêu chung", settings.headline.participants, "total_target"),
                                  ("Tổng chỉ tiêu tự nguyện", settings.headline.voluntary, "voluntary_min")):
        computed = int(appendix[column].sum())
        if computed != stated:
            finding("total_mismatch", label,
                    f"Kế hoạch ghi {fmt.number(stated)}, cộng từ các dòng được {fmt.number(computed)}, "
                    f"chênh lệch {fmt.signed(computed - stated)}.")
    findings += headline.findings(settings.headline)
    return Reconciliation(matched, pd.DataFrame(findings, columns=["kind", "subject", "detail", "status"]))


@cache.shared(max_entries=1)
def plan_summary(con: Connection) -> dict:
    """The plan's stated headline beside the registry and appendix counts."""
    plan = db.query(con, "SELECT * FROM plan").iloc[0].to_dict()
    plan["units"] = db.value(con, "SELECT count(*) FROM communes")
    plan["appendix_rows"] = db.value(con, "SELECT count(*) FROM appendix_rows")
    plan["open_findings"] = open_findings(con)
    plan["headline_findings"] = db.value(con, "SELECT count(*) FROM findings WHERE kind = 'headline_inconsistent'")
    return plan


def open_findings(con: Connection) -> int:
    found = db.value(con, "SELECT count(*) FROM findings WHERE status = 'open'")
    assert found is not None  # count(*) always has its row
    return found


@cache.shared(max_entries=1)
def appendix_view(con: Connection) -> pd.DataFrame:
    """Each appendix row beside its official unit, for the check page and command."""
    return db.query(
        con, """SELECT a.stt, a.name_as_printed, c.name AS official_name, a.code, a.method, a.score, a.status,
                       a.total_target, a.voluntary_min
                FROM appendix_rows a LEFT JOIN communes c USING (code) ORDER BY a.stt""")


@cache.shared(max_entries=1)
def findings_view(con: Connection) -> pd.DataFrame:
    return db.query(con, "SELECT kind, subject, detail, status FROM findings ORDER BY id")

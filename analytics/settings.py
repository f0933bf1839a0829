"""Plan settings: which province, which plan, thresholds. One place, read from TOML.

Nothing in code names a province; it all comes from the plan file, so another
province can load its own plan by pointing ``BHXH_PLAN`` at its file.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from analytics.errors import SettingsError
from analytics.text import fmt

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


@dataclass(frozen=True)
class Headline:
    participants: int
    voluntary: int
    labour_force_coverage_pct: float
    voluntary_coverage_pct: float


# Groups of voluntary participants the State supports at different rates (Decree 159/2025/NĐ-CP).
SUPPORT_GROUPS = ("poor", "near_poor", "ethnic_minority", "other")
BUDGETS = ("central", "provincial")


@dataclass(frozen=True)
class Support:
    """[support]: what the State's support of voluntary contributions is worked out from, with each legal source."""

    contribution_rate_pct: float  # of the minimum base
    contribution_source: str
    poverty_line: dict  # first year -> rural poverty line (đồng per month), from that year on
    poverty_line_source: str
    rates_pct: dict  # group -> the State's support, percent of the contribution
    rates_source: str
    max_years: int
    support_paid_by: str  # "central" or "provincial"
    mix_pct: dict  # group -> percent of voluntary participants (an assumption until the province sets its own)
    mix_source: str
    sensitivity_topup_pct: tuple
    poverty_line_by_year: dict  # every year from the first listed to the target year -> the line in force
    contribution_by_year: dict  # the same years -> the monthly contribution at the minimum base (đồng)


def _in_force(listed: dict, last_year: int) -> dict:
    """Each year from the first listed one to ``last_year``: the value of the last listed year not after it."""
    values, current = {}, None
    for year in range(min(listed), last_year + 1):
        current = listed.get(year, current)
        values[year] = current
    return values


def check_shares(values: dict, name: str, total: float | None = None, error: type = SettingsError) -> dict:
    """``values`` (group -> percent) for every support group, each 0-100, summing to ``total`` if given;
    else ``error`` with a Vietnamese message naming ``name``."""
    missing, unknown = set(SUPPORT_GROUPS) - set(values), set(values) - set(SUPPORT_GROUPS)
    if missing or unknown:
        raise error(f"{name} phải có đúng các nhóm {', '.join(SUPPORT_GROUPS)}"
                            + (f"; thiếu {', '.join(sorted(missing))}" if missing else "")
                            + (f"; không có nhóm {', '.join(sorted(unknown))}" if unknown else "") + ".")
    out = {group: float(values[group]) for group in SUPPORT_GROUPS}
    wrong = [f"{group} = {fmt.decimal(value)}" for group, value in out.items() if not 0 <= value <= 100]
    if wrong:
        raise error(f"{name}: tỷ lệ phải từ 0 đến 100 %, không phải {', '.join(wrong)}.")
    if total is not None and abs(sum(out.values()) - total) > 1e-6:
        raise error(f"{name}: tổng các nhóm phải bằng {fmt.decimal(total)} %, hiện là "
                            f"{fmt.decimal(sum(out.values()))} %.")
    return out


def _support(raw: dict, target_year: int) -> Support | None:
    """The plan file's [support], checked; None when the plan has none."""
    given = raw.get("support")
    if given is None:
        return None
    lines = {int(year): int(value) for year, value in given["poverty_line"].items()}
    if not lines or min(lines) > target_year or min(lines.values()) <= 0:
        raise SettingsError("[support] poverty_line phải có chuẩn nghèo dương, từ một năm không sau năm "
                            f"{target_year}.")
    rate = float(given["contribution_rate_pct"])
    if not 0 < rate <= 100:
        raise SettingsError(f"[support] contribution_rate_pct phải lớn hơn 0 và không quá 100, không phải "
                            f"{fmt.decimal(rate)}.")
    if given["support_paid_by"] not in BUDGETS:
        raise SettingsError(f"[support] support_paid_by phải là {' hoặc '.join(BUDGETS)}, "
                            f"không phải «{given['support_paid_by']}».")
    topups = tuple(float(v) for v in given["sensitivity_topup_pct"])
    if any(not 0 <= v <= 100 for v in topups):
        raise SettingsError("[support] sensitivity_topup_pct: mỗi mức phải từ 0 đến 100.")
    by_year = _in_force(lines, target_year)
    return Support(
        contribution_rate_pct=rate, contribution_source=str(given["contribution_source"]),
        poverty_line=dict(sorted(lines.items())), poverty_line_source=str(given["poverty_line_source"]),
        rates_pct=check_shares(given["rates_pct"], "[support] rates_pct"), rates_source=str(given["rates_source"]),
        max_years=int(given["max_years"]), support_paid_by=given["support_paid_by"],
        mix_pct=check_shares(given["mix_pct"], "[support] mix_pct", 100), mix_source=str(given["mix_source"]),
        sensitivity_topup_pct=topups, poverty_line_by_year=by_year,
        contribution_by_year={year: rate / 100 * line for year, line in by_year.items()})


@dataclass(frozen=True)
class Settings:
    province: str
    title: str
    issuer: str
    resolution: str
    target_year: int
    targets_path: Path
    overrides_path: Path
    baseline_month: str
    campaign_month: int
    commune_report_deadline: str
    province_report_deadline: str
    headline: Headline
    registry_primary: str
    fuzzy_accept: float
    ambiguity_margin: float
    thresholds: dict  # THRESHOLDS keys, each present
    monthly_due_day: int
    scorecard: dict  # indicator -> (green at or above, amber at or above), in percent
    viewing_requires_login: bool
    idle_minutes: int
    upload_max_mb: int  # uploads larger than this are refused unread
    session_hours: float
    sso_allowed_domain: str  # "" lets in only identities with an enabled local account
    sso_default_role: str
    evaluation: dict  # "source": who set the rules; "rules": class -> {indicator: minimum}, best class first
    support: Support | None  # the State's support of voluntary contributions; None: the plan sets none
    backup_folder: str  # where backups go; a relative path is beside the database file
    backup_daily_at: str  # "HH:MM" the server makes its daily backup; "" = no daily backups
    backup_keep: int  # daily backups kept; older ones are deleted
    server_replicas: int  # Streamlit processes behind the proxy; 0 = one per core, 1 = one process, no proxy
    labour_force: dict  # year -> the province's working-age labour force, when no commune figures exist
    labour_force_source: str  # where those figures come from ("" when there are none)


# What a plan file may leave out, and the value it then takes: each default of the program lives here only.
THRESHOLDS = {"monthly_change_warn_pct": 20.0, "on_track_pct": 98.0, "very_late_pct": 90.0}
DEFAULTS = {
    ("plan", "campaign_month"): 5,
    ("plan", "commune_report_deadline"): "12-15",
    ("plan", "province_report_deadline"): "12-30",
    ("plan", "overrides_file"): "name_overrides.csv",
    ("reporting", "monthly_due_day"): 15,
    ("access", "viewing_requires_login"): False,
    ("access", "idle_minutes"): 30,
    ("uploads", "max_file_mb"): 20,
    ("access", "session_hours"): 12,
    ("access", "sso_allowed_domain"): "",
    ("access", "sso_default_role"): "viewer",
    ("backup", "folder"): "sao-luu",
    ("backup", "daily_at"): "02:00",
    ("backup", "keep"): 14,
    ("server", "replicas"): 0,
}


# The annual evaluation of each commune (analytics.figures.evaluation): the least each class needs, best class first;
# percent, except report_on_time. Until the province sets its own in the plan file, these are the project's
# proposal, and their source says so.
EVALUATION_INDICATORS = ("annual_attainment", "annual_voluntary_attainment", "attainment_2030", "completeness_pct",
                         "report_on_time")
EVALUATION = {
    "source": "Đề xuất của dự án theo dõi, chờ Ủy ban nhân dân tỉnh quyết định",
    "rules": {
        "excellent": {"annual_attainment": 105, "annual_voluntary_attainment": 105, "completeness_pct": 100,
                      "report_on_time": True},
        "good": {"annual_attainment": 100, "annual_voluntary_attainment": 100, "completeness_pct": 90,
                 "report_on_time": True},
        "completed": {"annual_attainment": 100},
    },
}


def _evaluation(raw: dict) -> dict:
    """The plan file's [evaluation] (source and each class's minimums), or the proposal when it has none."""
    given = raw.get("evaluation")
    if given is None:
        return EVALUATION
    rules = {cls: dict(given[cls]) for cls in EVALUATION["rules"]}
    unknown = {key for rule in rules.values() for key in rule} - set(EVALUATION_INDICATORS)
    if unknown:
        raise ValueError(f"[evaluation] không có chỉ số {', '.join(sorted(unknown))}; "
                         f"chỉ dùng được {', '.join(EVALUATION_INDICATORS)}")
    return {"source": str(given["source"]), "rules": rules}


def _labour_force(raw: dict) -> tuple[dict, str]:
    """The plan file's [labour_force]: the province's figure per year and its source, which a figure needs."""
    given = raw.get("labour_force", {})
    figures = {int(year): int(value) for year, value in given.get("figures", {}).items()}
    source = str(given.get("source", "")).strip()
    if figures and not source:
        raise ValueError("[labour_force] có số liệu nhưng thiếu source (nguồn của số liệu)")
    if any(value <= 0 for value in figures.values()):
        raise ValueError("[labour_force] figures phải là số người lớn hơn 0")
    return figures, source


class _LabourForce(TypedDict):
    labour_force: dict
    labour_force_source: str


def _labour_force_fields(raw: dict) -> _LabourForce:
    """``_labour_force`` as the keyword arguments of Settings."""
    figures, source = _labour_force(raw)
    return {"labour_force": figures, "labour_force_source": source}


def plan_path() -> Path:
    return Path(os.environ.get("BHXH_PLAN", DATA_DIR / "plan.toml"))


def reads_snapshots() -> bool:
    """This process is one of the server's replicas: it reads the writer's snapshots and sends it every write
    (``python -m web.stack`` sets BHXH_READ_SNAPSHOTS for each replica)."""
    return os.environ.get("BHXH_READ_SNAPSHOTS") == "1"


def db_path() -> Path:
    """The DuckDB file; one environment variable decides it."""
    return Path(os.environ.get("BHXH_DB", DATA_DIR / "bhxh.duckdb"))


def _optional(raw: dict, table: str, key: str):
    return raw.get(table, {}).get(key, DEFAULTS[(table, key)])


def _role(value: str) -> str:
    if value not in ("viewer", "analyst", "admin"):
        raise ValueError(f"sso_default_role phải là viewer, analyst hoặc admin, không phải «{value}»")
    return value


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> Settings:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        plan = raw["plan"]
        base = path.parent
        return Settings(
            province=plan["province"],
            title=plan["title"],
            issuer=plan.get("issuer", ""),
            resolution=plan.get("resolution", ""),
            target_year=int(plan["target_year"]),
            targets_path=base / plan["targets_file"],
            overrides_path=base / _optional(raw, "plan", "overrides_file"),
            baseline_month=plan["baseline_month"],
            campaign_month=int(_optional(raw, "plan", "campaign_month")),
            commune_report_deadline=_optional(raw, "plan", "commune_report_deadline"),
            province_report_deadline=_optional(raw, "plan", "province_report_deadline"),
            headline=Headline(**plan["headline"]),
            registry_primary=raw["registry"]["primary"],
            fuzzy_accept=float(raw["matching"]["fuzzy_accept"]),
            ambiguity_margin=float(raw["matching"]["ambiguity_margin"]),
            thresholds={k: float(v) for k, v in (THRESHOLDS | raw.get("thresholds", {})).items()},
            monthly_due_day=int(_optional(raw, "reporting", "monthly_due_day")),
            scorecard={k: tuple(v) for k, v in raw.get("scorecard", {}).items()},
            viewing_requires_login=bool(_optional(raw, "access", "viewing_requires_login")),
            idle_minutes=int(_optional(raw, "access", "idle_minutes")),
            upload_max_mb=int(_optional(raw, "uploads", "max_file_mb")),
            session_hours=float(_optional(raw, "access", "session_hours")),
            sso_allowed_domain=str(_optional(raw, "access", "sso_allowed_domain")).strip().lstrip("@").lower(),
            sso_default_role=_role(_optional(raw, "access", "sso_default_role")),
            evaluation=_evaluation(raw),
            support=_support(raw, int(plan["target_year"])),
            backup_folder=str(_optional(raw, "backup", "folder")),
            backup_daily_at=_clock(_optional(raw, "backup", "daily_at")),
            backup_keep=int(_optional(raw, "backup", "keep")),
            server_replicas=int(_optional(raw, "server", "replicas")),
            **_labour_force_fields(raw),
        )
    except FileNotFoundError as exc:
        raise SettingsError(f"Không tìm thấy tệp cấu hình kế hoạch {path}.") from exc
    except (KeyError, TypeError, ValueError, SettingsError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"Tệp cấu hình kế hoạch {path} không hợp lệ: {exc}") from exc


def _clock(text: str) -> str:
    """A time of day as HH:MM, or "" for none."""
    if text and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise ValueError(f"[backup] daily_at phải có dạng GG:PP (ví dụ 02:00) hoặc để trống, không phải «{text}»")
    return text


def load_settings(path: Path | None = None) -> Settings:
    path = Path(path or plan_path())
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _load(path, mtime)


# Settings an administrator may change from the app: (table, key) -> (type, lowest, highest, label).
EDITABLE = {
    ("thresholds", "on_track_pct"): (float, 50, 100, "Ngưỡng đạt tiến độ (%)"),
    ("thresholds", "very_late_pct"): (float, 50, 100, "Ngưỡng rất chậm (%)"),
    ("thresholds", "monthly_change_warn_pct"): (float, 1, 100, "Cảnh báo khi số tháng thay đổi quá (%)"),
    ("reporting", "monthly_due_day"): (int, 1, 28, "Hạn nộp số liệu tháng (ngày của tháng sau)"),
    ("access", "idle_minutes"): (int, 5, 480, "Tự đăng xuất sau (phút không hoạt động)"),
    ("access", "viewing_requires_login"): (bool, None, None, "Phải đăng nhập mới xem được các trang theo dõi"),
    ("backup", "keep"): (int, 1, 365, "Số bản sao lưu hằng ngày được giữ lại"),
}


def _toml_value(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def update_settings(changes: dict, path: Path | None = None) -> list[str]:
    """Rewrite the given keys in the plan file in place, keeping its comments; the changes made, in words.

    Callers authorise and audit (analytics.storage.writes.change_settings).
    """
    path = Path(path or plan_path())
    text = path.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    done = []
    for (table, key), value in changes.items():
        kind, low, high, label = EDITABLE[(table, key)]
        value = kind(value)
        if kind is not bool and not low <= value <= high:
            raise SettingsError(f"{label}: {value} nằm ngoài khoảng {low}–{high}.")
        old = raw.get(table, {}).get(key)
        if old == value:
            continue
        section = re.search(rf"(?ms)^\[{table}\]\s*$(.*?)(?=^\[|\Z)", text)
        line = re.compile(rf"(?m)^({key}\s*=\s*)[^#\n]*?(\s*(#.*)?)$")
        if section is None or not line.search(section.group(1)):
            raise SettingsError(f"Tệp cấu hình không có mục [{table}] {key}.")
        body = line.sub(lambda m, v=value: m.group(1) + _toml_value(v) + m.group(2), section.group(1), count=1)
        text = text[:section.start(1)] + body + text[section.end(1):]
        done.append(f"{label}: {_toml_value(old)} → {_toml_value(value)}")
    if done:
        tomllib.loads(text)  # never write a file that would not load
        path.write_text(text, encoding="utf-8")
    return done

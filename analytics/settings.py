"""Plan settings: which province, which plan, thresholds. One place, read from TOML.

Nothing in code names a province; it all comes from the plan file, so another
province can load its own plan by pointing ``BHXH_PLAN`` at its file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analytics.errors import SettingsError

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


@dataclass(frozen=True)
class Headline:
    participants: int
    voluntary: int
    labour_force_coverage_pct: float
    voluntary_coverage_pct: float


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
    thresholds: dict = field(default_factory=dict)
    monthly_due_day: int = 15
    scorecard: dict = field(default_factory=dict)
    viewing_requires_login: bool = False
    idle_minutes: int = 30


def plan_path() -> Path:
    return Path(os.environ.get("BHXH_PLAN", DATA_DIR / "plan.toml"))


def db_path() -> Path:
    """The DuckDB file; one environment variable decides it."""
    return Path(os.environ.get("BHXH_DB", DATA_DIR / "bhxh.duckdb"))


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
            overrides_path=base / plan.get("overrides_file", "name_overrides.csv"),
            baseline_month=plan["baseline_month"],
            campaign_month=int(plan.get("campaign_month", 5)),
            commune_report_deadline=plan.get("commune_report_deadline", "12-15"),
            province_report_deadline=plan.get("province_report_deadline", "12-30"),
            headline=Headline(**plan["headline"]),
            registry_primary=raw["registry"]["primary"],
            fuzzy_accept=float(raw["matching"]["fuzzy_accept"]),
            ambiguity_margin=float(raw["matching"]["ambiguity_margin"]),
            thresholds=dict(raw.get("thresholds", {})),
            monthly_due_day=int(raw.get("reporting", {}).get("monthly_due_day", 15)),
            scorecard={k: tuple(v) for k, v in raw.get("scorecard", {}).items()},
            viewing_requires_login=bool(raw.get("access", {}).get("viewing_requires_login", False)),
            idle_minutes=int(raw.get("access", {}).get("idle_minutes", 30)),
        )
    except FileNotFoundError as exc:
        raise SettingsError(f"Không tìm thấy tệp cấu hình kế hoạch {path}.") from exc
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"Tệp cấu hình kế hoạch {path} không hợp lệ: {exc}") from exc


def load_settings(path: Path | None = None) -> Settings:
    path = Path(path or plan_path())
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _load(path, mtime)

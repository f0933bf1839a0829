"""The plan's headline goal checked against itself: each count with the percentage of the labour force it is
stated to be implies a labour force (count ÷ percentage); two counts whose implied labour forces differ beyond
what rounding the printed percentages allows cannot both hold for one labour force.

Nothing here picks one figure over the other: the finding shows the arithmetic, a person decides.
"""

from __future__ import annotations

from analytics.settings import Headline
from analytics.text import fmt


def _half_unit(pct: float) -> float:
    """Half of the last printed digit of a percentage: 60 may be anything rounded to 60, i.e. 59.5–60.5."""
    return 0.5 if float(pct).is_integer() else 0.05


def _pairs(h: Headline) -> list[tuple[str, int, float]]:
    """(what, count, stated percentage of the labour force) of each headline figure."""
    return [("người tham gia", h.participants, h.labour_force_coverage_pct),
            ("người tham gia tự nguyện", h.voluntary, h.voluntary_coverage_pct)]


def implied(count: int, pct: float) -> tuple[float, float, float]:
    """The labour force ``count`` at ``pct`` % implies, and its range when ``pct`` was rounded to print."""
    half = _half_unit(pct)
    return count / (pct / 100), count / ((pct + half) / 100), count / ((pct - half) / 100)


def findings(h: Headline) -> list[dict]:
    """One finding per pair of headline figures that cannot both hold for one labour force (kind, subject,
    detail, status), the arithmetic in its detail."""
    out = []
    pairs = _pairs(h)
    for i, (what_a, count_a, pct_a) in enumerate(pairs):
        for what_b, count_b, pct_b in pairs[i + 1:]:
            (a, a_low, a_high), (b, b_low, b_high) = implied(count_a, pct_a), implied(count_b, pct_b)
            if a_low <= b_high and b_low <= a_high:
                continue  # some labour force fits both, once rounding is allowed for
            half_a, half_b = _half_unit(pct_a), _half_unit(pct_b)
            out.append({
                "kind": "headline_inconsistent",
                "subject": f"Mục tiêu chung: {fmt.number(pct_a)} % và {fmt.number(pct_b)} % lực lượng lao động",
                "detail": (
                    f"{fmt.number(count_a)} {what_a} là {fmt.number(pct_a)} % lực lượng lao động thì lực lượng lao "
                    f"động là {fmt.number(count_a)} ÷ {fmt.number(pct_a / 100, 2)} = {fmt.number(a)} người; "
                    f"{fmt.number(count_b)} {what_b} là {fmt.number(pct_b)} % thì lực lượng lao động là "
                    f"{fmt.number(count_b)} ÷ {fmt.number(pct_b / 100, 2)} = {fmt.number(b)} người. Hai con số "
                    f"không thể cùng đúng với một lực lượng lao động (chênh {fmt.number(abs(b - a))} người), kể cả "
                    f"khi các tỷ lệ đã được làm tròn: {fmt.number(pct_a - half_a, 1)}–{fmt.number(pct_a + half_a, 1)} "
                    f"% cho {fmt.number(a_low)}–{fmt.number(a_high)} người, {fmt.number(pct_b - half_b, 1)}–"
                    f"{fmt.number(pct_b + half_b, 1)} % cho {fmt.number(b_low)}–{fmt.number(b_high)} người. "
                    "Không con số nào được chọn thay; cần cơ quan ban hành kế hoạch xác nhận."),
                "status": "open"})
    return out


def against(h: Headline, people: float) -> list[str]:
    """What each headline count is as a share of a known labour force, beside the percentage the plan states."""
    return [f"{fmt.number(count)} {what} ÷ {fmt.number(people)} = {fmt.percent(count / people)} "
            f"(kế hoạch ghi {fmt.number(pct)} %)" for what, count, pct in _pairs(h)]

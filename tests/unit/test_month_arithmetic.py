import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.figures.spans import add_months, from_index, month_index, months_between


def test_month_index_is_months_since_year_zero():
    # 2026 * 12 + (3 - 1) = 24312 + 2
    assert month_index("2026-03") == 24314
    assert from_index(24314) == "2026-03"


def test_distances_cross_year_boundaries():
    assert months_between("2026-12", "2030-12") == 48
    assert months_between("2026-11", "2027-02") == 3
    assert months_between("2027-02", "2026-11") == -3
    assert add_months("2026-11", 3) == "2027-02"
    assert add_months("2027-01", -1) == "2026-12"
    assert add_months("2026-05", 0) == "2026-05"


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-00", "2026-3", "26-03", "2026-03-01", " 2026-03", "２０２６-03", 202603, None]
)
def test_rejects_malformed_periods(bad):
    with pytest.raises(ValueError):
        month_index(bad)


@given(st.integers(1100 * 12, 9900 * 12), st.integers(-600, 600))  # stays within 4-digit years
def test_round_trip_and_addition_agree(index, months):
    period = from_index(index)
    assert month_index(period) == index
    shifted = add_months(period, months)
    assert months_between(period, shifted) == months

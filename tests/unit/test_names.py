import pytest

from analytics.units.names import NameMatcher, fold, normalise, split_prefix

UNITS = [("1", "Xã Tân Tiến"), ("2", "Xã Tiên Tiến"), ("3", "Phường Vũ Phúc"), ("4", "Xã Vũ Phúc"),
         ("5", "Xã Thái Thụy"), ("6", "Xã Thần Khê"), ("7", "Xã Chân Mây – Lăng Cô")]


@pytest.mark.parametrize("written, core", [
    ("Xã Tân Tiến", "tân tiến"),
    ("  XÃ   Tân  Tiến ", "tân tiến"),
    ("phường Vũ Phúc", "vũ phúc"),
    ("P. Vũ Phúc", "vũ phúc"),
    ("Xa Thai Thuy", "thai thuy"),
    ("Xã Thái Thuỵ", normalise("Xã Thái Thụy")),  # old-style tone mark folds to one form
    ("Xã Hoà Bình", normalise("Xã Hòa Bình")),
    ("Xã Chân Mây - Lăng Cô", normalise("Xã Chân Mây – Lăng Cô")),
])
def test_normalise(written, core):
    assert normalise(written) == core


def test_prefix_and_fold():
    assert split_prefix("Phường Trần Hưng Đạo") == ("phường", "trần hưng đạo")
    assert split_prefix("Trần Hưng Đạo") == (None, "trần hưng đạo")
    assert fold("Xã Đông Thụy Anh") == "dong thuy anh"


@pytest.mark.parametrize("written, code, method", [
    ("Xã Tân Tiến", "1", "exact"),
    ("xã tân tiến", "1", "normalised"),
    ("Xã Thái Thuỵ", "5", "normalised"),
    ("phường vũ phúc", "3", "normalised"),
    ("Xã Vũ Phúc", "4", "exact"),
    ("Tân Tiếng", "1", "fuzzy"),
    ("tan tien", "1", "fuzzy_folded"),
    ("Tien Tien", "2", "fuzzy_folded"),
    ("Xa Thai Thuyy", "5", "fuzzy_folded"),
    ("phuong vu phuc", "3", "fuzzy_folded"),
    ("Xã Thân Khê", "6", "fuzzy_folded"),
    ("Xã Chân Mây - Lăng Cô", "7", "normalised"),
])
def test_match_methods(written, code, method):
    m = NameMatcher(UNITS).match(written)
    assert (m.code, m.method) == (code, method)


def test_ambiguous_name_is_not_guessed():
    m = NameMatcher(UNITS).match("Vũ Phúc")
    assert m.code is None and m.ambiguous
    assert set(m.suggestions) == {"Phường Vũ Phúc", "Xã Vũ Phúc"}


def test_unknown_name_suggests_closest():
    m = NameMatcher(UNITS).match("Xã Thái Thịnh Vượng")
    assert m.code is None and not m.ambiguous
    assert m.suggestions[0] == "Xã Thái Thụy"

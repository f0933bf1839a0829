"""The province's units as an upload is checked against them: codes with their aliases, names, confirmations.

Names are matched once per distinct written name, never once per row: a five-year file
names each commune sixty times. A name a person confirmed (analytics.units.communes)
wins over every automatic method; otherwise the ladder of analytics.units.names applies, after
abbreviated prefixes ("P.", "X.", "TT.") have been spelled out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from analytics.intake.values import by_distinct
from analytics.settings import Settings
from analytics.storage import db
from analytics.units import communes
from analytics.units.names import Match, NameMatcher, nfc

SILENT = ("exact", "normalised", "code", "confirmed")  # methods that need nobody's look
_ABBREVIATIONS = ((re.compile(r"^tt\.?\s*", re.I), "Thị trấn "), (re.compile(r"^p\.\s*", re.I), "Phường "),
                  (re.compile(r"^x\.\s*", re.I), "Xã "), (re.compile(r"^ph\.\s*", re.I), "Phường "))


def spelled_out(name: str) -> str:
    """'P. Phố Hiến' -> 'Phường Phố Hiến', 'X.Nghĩa Trụ' -> 'Xã Nghĩa Trụ', 'TT Ân Thi' -> 'Thị trấn Ân Thi'."""
    text = nfc(name)
    for pattern, prefix in _ABBREVIATIONS:
        if pattern.match(text) and pattern.sub("", text, count=1):
            return prefix + pattern.sub("", text, count=1)
    return text


def code_key(value) -> str | None:
    """A code as written, as the registry keeps it: '11953', 11953, 11953.0 and ' 11953 ' are one code."""
    if value is None or value is pd.NA or (isinstance(value, float) and (value != value or not value.is_integer())):
        return None
    text = str(int(value)) if isinstance(value, float) else str(value).strip()
    return text.zfill(5) if text.isdigit() else text


@dataclass
class Units:
    codes: dict[str, str]  # every accepted code (primary or alias) -> primary code
    names: dict[str, str]  # primary code -> official name
    confirmed: dict[str, str]  # written name -> primary code, as people confirmed them
    fuzzy_accept: float = 90
    ambiguity_margin: float = 3

    @classmethod
    def load(cls, con, settings: Settings) -> Units:
        units = db.rows(con, "SELECT code, name FROM communes ORDER BY code")
        return cls(communes.code_map(con), dict(units), communes.confirmed(con), settings.fuzzy_accept,
                   settings.ambiguity_margin)

    @classmethod
    def of(cls, units, aliases: dict[str, str] | None = None, confirmed: dict[str, str] | None = None) -> Units:
        """Units from (code, name) pairs, for reading without a database."""
        names = {str(code): nfc(name) for code, name in units}
        return cls({c: c for c in names} | (aliases or {}), names, confirmed or {})

    @cached_property
    def matcher(self) -> NameMatcher:
        """Built when a file names units by name; a file of codes never needs it."""
        return NameMatcher(self.names.items(), self.fuzzy_accept, self.ambiguity_margin)

    @cached_property
    def aliases(self) -> set[str]:
        return {alias for alias, code in self.codes.items() if alias != code}

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {code: n for n, code in enumerate(self.names)}

    def position(self, code: str) -> int:
        """A primary code's place in the registry (-1 for an unknown one), to key tables by integers."""
        return self._positions.get(code, -1)

    def resolve_codes(self, written: pd.Series) -> pd.Series:
        """Each written code's primary code, missing where the registry has none (computed per distinct value)."""
        return by_distinct(written, lambda value: None if (key := code_key(value)) is None else self.codes.get(key))

    @cached_property
    def _seen(self) -> dict[str, Match]:
        return {}

    def match(self, written: str) -> Match:
        """A confirmed name first, then the matcher on the name with its prefix spelled out; each name once."""
        text = nfc(written)
        if text not in self._seen:
            if text in self.confirmed:
                self._seen[text] = Match(text, self.confirmed[text], "confirmed", 100.0)
            else:
                full = spelled_out(text)
                found = self.matcher.match(full)
                method = "normalised" if found.method == "exact" and full != text else found.method
                self._seen[text] = Match(text, found.code, method, found.score, found.ambiguous, found.suggestions)
        return self._seen[text]

    def matches(self, written: pd.Series) -> dict[str, Match]:
        """Each distinct written name's match."""
        return {name: self.match(name) for name in written.dropna().unique() if str(name).strip()}

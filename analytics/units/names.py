"""Matching the messy unit names people write to official units.

A ladder of methods, each recorded with the match: ``exact`` (same text),
``normalised`` (Unicode NFC, case, tone-mark position, the Xã/Phường prefix,
spacing), ``fuzzy`` (rapidfuzz on the accented form) and ``fuzzy_folded``
(rapidfuzz on the accent-folded form). A name that two units fit about equally
well is ambiguous, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

PREFIX_TYPES = {
    "đặc khu": "đặc khu", "thị trấn": "thị trấn", "phường": "phường", "xã": "xã",
    "dac khu": "đặc khu", "thi tran": "thị trấn", "phuong": "phường", "xa": "xã",
    "tt.": "thị trấn", "p.": "phường", "x.": "xã",
}

# Old-style tone placement (hoà, thuỵ) and new-style (hòa, thụy) are both in use;
# fold each pair to one form before comparing.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_SHIFT = re.compile(f"([oOuU])([{_TONES}])([aAeEyY])(?![a-zA-Z\u00c0-\u1ef9])")


def nfc(text: str) -> str:
    """NFC with spacing collapsed: the form stored and shown."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text))).strip()


def _canonical_tones(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _TONE_SHIFT.sub(r"\1\3\2", decomposed))


def split_prefix(name: str) -> tuple[str | None, str]:
    """('xã', 'tân hưng') from 'Xã  Tân Hưng'; (None, name) when there is no prefix."""
    text = _canonical_tones(nfc(name)).lower()
    for prefix, kind in PREFIX_TYPES.items():
        if text.startswith(prefix) and (prefix.endswith(".") or text[len(prefix):][:1] in (" ", "")):
            return kind, text[len(prefix):].strip()
    return None, text


_PUNCT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-"})


def normalise(name: str) -> str:
    """Lower-case core of a name: no prefix, canonical tones, one kind of dash and quote."""
    return re.sub(r"\s*-\s*", " - ", split_prefix(name)[1].translate(_PUNCT))


def fold(name: str) -> str:
    """Accent-folded core: 'Đông Thụy Anh' -> 'dong thuy anh'."""
    core = normalise(name).replace("đ", "d")
    stripped = "".join(c for c in unicodedata.normalize("NFD", core) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9 ]", "", stripped)


@dataclass(frozen=True)
class Match:
    """How one written name was tied to an official unit (or why it was not)."""

    name: str
    code: str | None
    method: str | None  # exact, normalised, fuzzy, fuzzy_folded; None when unmatched
    score: float
    ambiguous: bool = False
    suggestions: tuple[str, ...] = field(default_factory=tuple)


class NameMatcher:
    """Matches names against official ``(code, name)`` pairs of one province."""

    def __init__(self, units, fuzzy_accept: float = 90, ambiguity_margin: float = 3):
        self.units = [(str(code), nfc(name)) for code, name in units]
        self.fuzzy_accept = fuzzy_accept
        self.margin = ambiguity_margin
        self._by_exact = {}
        self._by_core = {}
        for code, name in self.units:
            self._by_exact.setdefault(name, []).append(code)
            self._by_core.setdefault(normalise(name), []).append((code, name))
        self._names = dict(self.units)
        self._cores = {code: normalise(name) for code, name in self.units}
        self._folded = {code: fold(name) for code, name in self.units}

    def match(self, written: str) -> Match:
        written = str(written)
        exact = self._by_exact.get(written.strip())
        if exact and len(exact) == 1:
            return Match(written, exact[0], "exact", 100.0)
        kind, core = split_prefix(written)
        found = self._by_core.get(core, [])
        if kind and len(found) > 1:
            found = [(c, n) for c, n in found if split_prefix(n)[0] == kind]
        if len(found) == 1:
            return Match(written, found[0][0], "normalised", 100.0)
        if len(found) > 1:
            return Match(written, None, None, 100.0, True, tuple(n for _, n in found))
        return self._fuzzy(written, core, kind) or self._fuzzy(written, fold(written), kind, True) \
            or Match(written, None, None, 0.0, False, self.suggest(written))

    def _fuzzy(self, written: str, query: str, kind: str | None, folded: bool = False) -> Match | None:
        choices = self._folded if folded else self._cores
        if kind:  # a written prefix settles ties between a xã and a phường of one name
            same_kind = {c: v for c, v in choices.items() if split_prefix(self._names[c])[0] == kind}
            choices = same_kind if process.extractOne(query, same_kind, scorer=fuzz.ratio,
                                                      score_cutoff=self.fuzzy_accept) else choices
        best = process.extract(query, choices, scorer=fuzz.ratio, limit=2)
        if not best or best[0][1] < self.fuzzy_accept:
            return None
        if len(best) > 1 and best[0][1] - best[1][1] < self.margin:
            return Match(written, None, None, best[0][1], True,
                         tuple(self._names[b[2]] for b in best))
        code = best[0][2]
        return Match(written, code, "fuzzy_folded" if folded else "fuzzy", round(best[0][1], 1))

    def suggest(self, written: str, limit: int = 3) -> tuple[str, ...]:
        """The closest official names, for a message to the person who wrote ``written``."""
        best = process.extract(fold(written), self._folded, scorer=fuzz.WRatio, limit=limit)
        return tuple(self._names[b[2]] for b in best)

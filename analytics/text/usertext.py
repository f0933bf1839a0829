"""Text that people and files supply (names, file names, notes, messages quoting them): cleaned when it comes
in, shown literally when it goes out.

Streamlit renders Markdown in st.markdown, st.caption, st.info/warning/error/success, in metric, tab and
expander labels and in radio options, with its own additions (``:red[…]``, ``:material/…:``, emoji short
codes, ``$…$`` maths). A name like ``![x](http://…)`` would load an outside image. ``literal`` backslash-escapes
every ASCII punctuation mark, which CommonMark guarantees to show as itself, so no link, image, emphasis,
HTML, directive or maths can form. GitHub's bare-address links are found in the text after that, so an
invisible word joiner goes between ``http``/``https``/``www`` and what follows, and before ``@``: the address
reads the same and is never a link. Tables (st.dataframe), select boxes, st.text and st.code never interpret
their text and need none of this.
"""

from __future__ import annotations

import re
import string
import unicodedata
from pathlib import PurePath

# Directional overrides and isolates can make a file name read backwards (``gpj.exe`` shown as ``exe.jpg``).
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_ADDRESS = re.compile(r"(?i)(https?(?=:)|www(?=\.)|(?=@))")
_JOINER = "\u2060"
QUOTED_CHARS = 50  # the most of a value a message quotes back (a link's value, a file's name)
FILE_NAME_CHARS = 120


def _unwanted(char: str, keep: str) -> bool:
    return char not in keep and (unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI)


def clean(text, *, multiline: bool = False) -> str:
    """``text`` without NUL, control characters, unpaired surrogates or directional overrides; tabs and line
    breaks become spaces unless ``multiline`` keeps them. For names and notes before they are stored."""
    text = "" if text is None else str(text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return "".join(c for c in text if not _unwanted(c, "\n\t"))
    return "".join(" " if c in "\t\n\r" else c for c in text if not _unwanted(c, "\t\n\r"))


def literal(text) -> str:
    """``text`` (cleaned) as Markdown that Streamlit shows character for character."""
    return _PUNCTUATION.sub(r"\\\1", _ADDRESS.sub(r"\1" + _JOINER, clean(text, multiline=True)))


def excerpt(text, limit: int = QUOTED_CHARS) -> str:
    """``text`` (cleaned) cut to ``limit`` characters and "…": what a message quotes of a value of any length
    (a link can carry 100.000 characters). Still to be shown through ``literal``."""
    text = clean(text)
    return text if len(text) <= limit else text[:limit] + "…"


def file_name(name, limit: int = FILE_NAME_CHARS) -> str:
    """An uploaded file's name as the app uses it: cleaned, at most ``limit`` characters, its suffix kept. A
    browser's script or a forged request may send any name, a NUL or 100.000 characters included."""
    name = clean(name).strip()
    if len(name) <= limit:
        return name
    suffix = PurePath(name).suffix
    suffix = suffix if len(suffix) <= 8 else ""
    return name[:limit - len(suffix) - 1] + "…" + suffix

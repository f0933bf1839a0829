"""A problem found in an uploaded file, where a person finds it: file row and column as written, a stable code and
its parameters; the Vietnamese message is worded from the code (analytics.text.messages), as frictionless words
its errors from their type, so tests and callers compare codes, never sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.text import messages

# A column the file lacks: the upload page points to the column mapping.
MISSING_COLUMNS = frozenset(("missing_identity_column", "missing_column", "missing_measure_columns"))


@dataclass(frozen=True)
class Problem:
    row: int | None  # file row as the person sees it (1-based); None = whole file
    column: str | None  # header as written; None = whole row or file
    code: str  # a key of analytics.text.messages.MESSAGES
    params: dict = field(default_factory=dict, hash=False)  # the figures and names the message quotes
    severity: str = "error"  # "error" blocks the upload, "warning" needs confirmation

    @property
    def message(self) -> str:
        return messages.render(self.code, self.params)


class BadValue(ValueError):
    """A value that cannot be read (a cell, a month typed on the form, a whole file), by code and parameters: the
    check that meets it turns it into a Problem at its cell; ``str`` is its Vietnamese message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def __str__(self) -> str:
        return messages.render(self.code, self.params)


def raises(*codes: str | frozenset):
    """Declares the codes a check or reader can give (a code, or a group of codes), as frictionless checks declare
    their errors: ``function.raises``, which the tests compare with what it gives and with the messages table."""
    declared = frozenset(c for group in codes for c in ((group,) if isinstance(group, str) else group))

    def declare(function):
        function.raises = declared
        return function
    return declare


def describe(problem: Problem) -> str:
    """'Dòng 5, cột «Tổng số»: ...' — where a person finds the problem in the file."""
    where = []
    if problem.row is not None:
        where.append(f"Dòng {problem.row}")
    if problem.column:
        where.append(f"cột «{problem.column}»")
    return (", ".join(where) + ": " if where else "") + problem.message

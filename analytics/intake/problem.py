"""A problem found in an uploaded file, where a person finds it: file row and column as written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    row: int | None  # file row as the person sees it (1-based); None = whole file
    column: str | None  # header as written; None = whole row or file
    message: str
    severity: str = "error"  # "error" blocks the upload, "warning" needs confirmation


def describe(problem: Problem) -> str:
    """'Dòng 5, cột «Tổng số»: ...' — where a person finds the problem in the file."""
    where = []
    if problem.row is not None:
        where.append(f"Dòng {problem.row}")
    if problem.column:
        where.append(f"cột «{problem.column}»")
    return (", ".join(where) + ": " if where else "") + problem.message

"""Errors and problem records shared by the evidence readers and writers."""

from __future__ import annotations

from dataclasses import dataclass


class HarError(Exception):
    """A file that cannot be used as a HAR at all (not JSON, no ``log``); one-line message."""


class PhaseSpecError(HarError):
    """A phase given on the command line that does not fit the recording (bad time, index, pattern)."""


class HarLimitError(HarError):
    """A HAR over one of the reading caps (entries, string length, gzip ratio, nesting, values)."""


@dataclass(frozen=True)
class HarProblem:
    """One defect in an otherwise readable HAR; the rest of the file was still read."""

    file: str
    entry: int | None  # HAR entry index (0-based position in log.entries); None for file-level problems
    message: str

    def __str__(self) -> str:
        where = f"entry {self.entry}: " if self.entry is not None else ""
        return f"{self.file}: {where}{self.message}"


def one_line(text: object, limit: int = 160) -> str:
    """A message squeezed onto one line (parser messages carry multi-line excerpts)."""
    raw = str(text).replace("\\n", "\n").strip()
    first = raw.splitlines()[0] if raw else ""
    first = first.removeprefix("b'").removeprefix('b"').strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"

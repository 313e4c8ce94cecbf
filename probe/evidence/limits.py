"""Caps on what one HAR may cost to read, and the command-line options that raise them.

A HAR is untrusted input: a 322 KB gzip can expand to a million entries, one JSON string can hold
hundreds of megabytes, and ``[[[[…`` builds a Python object per byte. Each cap refuses the whole file
with a one-line ``HarLimitError`` (exit code 2) that names the file, the cap and the option. The
defaults leave room for a real 100 MB HAR of 100,000 entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

from ._errors import HarLimitError

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """What one HAR may hold before probe refuses to read it."""

    max_entries: int = 250_000  # 2.5 x a 100 MB session HAR of 100k entries
    max_string_mb: float = 64.0  # one JSON string or number; response bodies over 2 MB are dropped anyway
    max_ratio: float = 200.0  # gzip: expanded bytes per compressed byte (real HARs: 5-40)
    ratio_floor_mb: float = 16.0  # a small gzip may always expand this far, whatever its ratio
    max_depth: int = 256  # containers inside containers (DevTools initiator chains reach ~70)
    max_values: int = 2_000_000  # JSON values in one entry or log member (~150 MB as Python objects)

    @property
    def max_string_bytes(self) -> int:
        """The string cap in bytes."""
        return max(1, int(self.max_string_mb * MB))

    def ratio_limit(self, compressed: int) -> int:
        """How many bytes a gzip file of ``compressed`` bytes may expand to."""
        return max(int(self.max_ratio * compressed), int(self.ratio_floor_mb * MB))


# each cap's name in a refusal, and the option of `probe replay` that raises it
CAPS = {
    "max_entries": ("entry", "--max-entries"),
    "max_string_mb": ("string length", "--max-string-mb"),
    "max_ratio": ("gzip ratio", "--max-ratio"),
    "max_depth": ("nesting", "--max-depth"),
    "max_values": ("values-per-entry", "--max-values"),
}


def refuse(label: str, what: str, cap: str) -> HarLimitError:
    """The one-line refusal for a cap: file, what went over, the cap and its option."""
    name, option = CAPS[cap]
    return HarLimitError(f"{label}: {what} (the {name} cap; raise it with probe replay {option})")


DEFAULT_LIMITS = ReadLimits()
_current: ContextVar[ReadLimits | None] = ContextVar("probe_har_read_limits", default=None)


def current_limits() -> ReadLimits:
    """The caps in force: the defaults, or what ``probe replay`` was given."""
    return _current.get() or DEFAULT_LIMITS


def set_read_limits(limits: ReadLimits) -> Token[ReadLimits | None]:
    """Put caps in force for every HAR read in this context; undo with ``reset_read_limits``."""
    return _current.set(limits)


def reset_read_limits(token: Token[ReadLimits | None]) -> None:
    """Undo ``set_read_limits``."""
    _current.reset(token)


@contextmanager
def read_limits(limits: ReadLimits) -> Iterator[ReadLimits]:
    """Caps in force inside a ``with`` block (the reader, the redactor and the judge all see them)."""
    token = set_read_limits(limits)
    try:
        yield limits
    finally:
        reset_read_limits(token)

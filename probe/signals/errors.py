"""The one failure value every decoder returns instead of raising."""

from __future__ import annotations

from dataclasses import dataclass

_SHOWN = 80  # enough of the input to recognise it in a report, not a whole vendor bitfield


@dataclass(frozen=True)
class DecodeError:
    """Why a consent string could not be decoded; decoders return it, they never raise."""

    kind: str  # "tcf" | "gpp" | "usp" | "usnat"
    value: str
    reason: str

    @property
    def ok(self) -> bool:
        """Always False: lets callers test ``result.ok`` on any decoder result."""
        return False

    def to_json(self) -> dict[str, object]:
        """Compact JSON form."""
        shown = self.value if len(self.value) <= _SHOWN else self.value[: _SHOWN - 1] + "…"
        return {"error": self.reason, "value": shown}

    def __str__(self) -> str:
        return f"cannot decode {self.kind} string: {self.reason}"

"""Phase marks placed on replay: how each was found, its window of doubt, and where its choice came from.

probe's own evidence records the consent click exactly. A foreign HAR does not: its marks are given
by the auditor or inferred from traces the click left, and an inferred click is only known to lie
between an earliest and a latest moment. ``ReadMark`` carries that, so the rules, the checklist and
the reports can tell a recorded fact from a reading of the recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from probe.timeline import PhaseMark

Confidence = Literal["high", "medium", "low"]
ChoiceSource = Literal["recorded", "stated", "stamps"]


@dataclass(frozen=True)
class ReadMark(PhaseMark):
    """A phase mark given on the command line or inferred from a recording.

    ``at`` is the earliest moment the evidence allows; ``latest`` the moment of the first trace the
    decision left. Requests in between may have gone out before or after the click.
    """

    source: Literal["given", "inferred"] = "given"
    latest: float | None = None  # None: exact (given marks)
    earliest_entry: int | None = None  # HAR entry at ``at`` (the first request of the window)
    latest_entry: int | None = None  # HAR entry of the first trace
    confidence: Confidence | None = None
    signals: tuple[str, ...] = ()
    traces: str = ""  # the traces in words, for notes and the timeline picture
    stamp: dict[str, bool] | None = None  # categoryPreferences of the first stamp from ``latest`` on
    choice_source: ChoiceSource | None = None  # set once ``choice`` is
    unknown_why: str | None = None  # why ``choice`` is unknown, when it is

    @property
    def window(self) -> tuple[float, float] | None:
        """(earliest, latest) moments of the click when they differ; None when it is known exactly."""
        if self.latest is None or self.latest <= self.at:
            return None
        return self.at, self.latest


def choice_source(mark: PhaseMark | None) -> ChoiceSource | None:
    """Where a mark's choice came from; None when it has none."""
    if mark is None:
        return None
    if isinstance(mark, ReadMark):
        return mark.choice_source if mark.choice is not None else None
    # probe wrote this mark itself, with the choice it clicked
    return "recorded" if mark.choice or mark.action in ("accept_all", "reject_all") else None


def window_of(mark: PhaseMark | None) -> tuple[float, float] | None:
    """The window of doubt around a mark (inferred marks only)."""
    return mark.window if isinstance(mark, ReadMark) else None


def iso(at: float) -> str:
    """Epoch seconds as an ISO time with milliseconds (``...Z``); plain seconds outside the calendar."""
    try:
        return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return f"{at:.3f} s since 1970-01-01 UTC"

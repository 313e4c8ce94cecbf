"""Plain-language notes on what the analysis could not judge, for Timeline.notes and reports."""

from __future__ import annotations

from probe.rules.context import Context
from probe.timeline import AFTER, REVOKED


def analysis_notes(ctx: Context, phase_free: tuple[str, ...]) -> list[str]:
    """Why parts of a recording went unjudged."""
    notes: list[str] = []
    if not ctx.timeline.has_phases:
        notes.append(
            "no phase information in this recording: only the phase-free rules ran ("
            + ", ".join(phase_free)
            + "); give the consent time to judge the rest"
        )
        return notes
    for phase in (AFTER, REVOKED):
        mark = ctx.timeline.mark(phase)
        if mark is not None and not ctx.expect.at(phase).judgeable:
            notes.append(
                f"the {phase} choice is unknown (phase mark without a choice over the suite's categories): "
                "consent stamps and denied categories in that phase were not judged"
            )
    if ctx.traffic.unparseable:
        indices = ", ".join(str(u.entry) for u in ctx.traffic.unparseable[:10])
        notes.append(
            f"{len(ctx.traffic.unparseable)} unparseable Segment request(s) (HAR entries {indices}): "
            "their events could not be judged for consent stamps"
        )
    if ctx.traffic.events and not ctx.traffic.settings_found and not ctx.suite.segment.destinations:
        notes.append("no Segment settings response was captured and the suite names no destinations")
    return notes

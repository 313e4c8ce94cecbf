"""What the analysis could not judge: the reasons a scenario is inconclusive, and plain-language notes."""

from __future__ import annotations

from probe.findings import Unjudged
from probe.marks import ReadMark
from probe.rules.banner import banner_notes
from probe.rules.base import Rule
from probe.rules.context import Context
from probe.timeline import AFTER, REVOKED

# Rules that compare the recording with the choice in force: without a known choice they stay silent,
# which must not read as a pass.
_CHOICE_RULES = (
    "consent-mismatch",
    "denied-pixel",
    "denied-destination-loaded",
    "tcf-mismatch",
    "gpp-mismatch",
    "server-consent-mismatch",
)
# Rules that need both choices: what the revoke withdrew, and whether that was signalled and deleted.
_REVOCATION_RULES = (
    "event-after-revoke",
    "revoke-not-signalled",
    "revoke-no-deletion",
    "server-event-after-revoke",
)


def unjudged(ctx: Context, rules: tuple[Rule, ...]) -> list[Unjudged]:
    """The rule families that could not run on this recording, each with the reason."""
    every = [r.id for r in rules]
    if not ctx.timeline.entries:
        return [
            Unjudged(
                reason="the recording has no readable entries: no rule had anything to judge", rules=every
            )
        ]
    if not ctx.entries and not ctx.server.entries:
        count = len(ctx.timeline.entries)
        reason = (
            f"the recording holds only the browser's own background requests ({count}): "
            "nothing the site did was judged"
        )
        return [Unjudged(reason=reason, rules=every)]
    if not ctx.timeline.has_phases:
        free = ", ".join(r.id for r in rules if not r.needs_phases)
        reason = (
            f"no phase information in this recording: only the phase-free rules ran ({free}); "
            "say when the visitor decided (--decision-at) and what they chose (--choice) to judge the rest"
        )
        return [Unjudged(reason=reason, rules=[r.id for r in rules if r.needs_phases])]
    found: list[Unjudged] = []
    for phase in (AFTER, REVOKED):
        mark = ctx.timeline.mark(phase)
        if mark is None or ctx.expect.at(phase).judgeable:
            continue
        why = (
            mark.unknown_why
            if isinstance(mark, ReadMark) and mark.unknown_why
            else "phase mark without a choice over the suite's categories"
        )
        wanted = set(_CHOICE_RULES)
        if phase == REVOKED or ctx.timeline.mark(REVOKED) is not None:
            wanted |= set(_REVOCATION_RULES)
        reason = (
            f"the {phase} choice is unknown ({why}): consent stamps and denied categories in that phase "
            "were not judged"
        )
        found.append(Unjudged(reason=reason, phase=phase, rules=[i for i in every if i in wanted]))
    return found


def analysis_notes(ctx: Context, gaps: list[Unjudged]) -> list[str]:
    """Why parts of a recording went unjudged, in words for Timeline.notes and the reports."""
    notes = [gap.reason for gap in gaps] + server_notes(ctx) + banner_notes(ctx)
    if not ctx.timeline.has_phases:
        return notes
    if ctx.traffic.unparseable:
        indices = ", ".join(str(u.entry) for u in ctx.traffic.unparseable[:10])
        notes.append(
            f"{len(ctx.traffic.unparseable)} unparseable Segment request(s) (HAR entries {indices}): "
            "their events could not be judged for consent stamps"
        )
    if ctx.traffic.events and not ctx.traffic.settings_found and not ctx.suite.segment.destinations:
        notes.append("no Segment settings response was captured and the suite names no destinations")
    return notes


def server_notes(ctx: Context) -> list[str]:
    """What of the backend's traffic was not judged as this visitor's, and why."""
    notes = []
    side = ctx.server
    if side.other_visitors:
        count = sum(side.other_visitors.values())
        indices = ", ".join(str(i) for i in sorted(side.other_visitors)[:10])
        notes.append(
            f"{count} server-side event(s) in backend batches (HAR entries {indices}) belong to other "
            "visitors (not in _probe.visitor.events): left out"
        )
    if side.unattributed:
        indices = ", ".join(str(i) for i in side.unattributed[:10])
        notes.append(
            f"{len(side.unattributed)} backend request(s) to Segment (HAR entries {indices}) are not attributed "
            "to this scenario's visitor (no readable _probe.visitor): their events were not judged"
        )
    if side.traffic.unparseable:
        indices = ", ".join(str(u.entry) for u in side.traffic.unparseable[:10])
        notes.append(
            f"{len(side.traffic.unparseable)} unparseable server-side Segment request(s) (HAR entries {indices}): "
            "their events could not be judged for consent stamps"
        )
    return notes

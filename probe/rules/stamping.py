"""Rules on the consent stamp (``context.consent.categoryPreferences``) of events after the decision."""

from __future__ import annotations

from collections.abc import Iterator

from probe.rules.base import Q_STAMPED, Hit, rule
from probe.rules.context import Context
from probe.rules.stamps import by_entry, labels, mismatch_hits, missing_hits
from probe.segment import SegmentEvent
from probe.timeline import AFTER, REVOKED

_DECIDED = (AFTER, REVOKED)


@rule(
    "consent-missing",
    severity="error",
    phases=_DECIDED,
    question=Q_STAMPED,
    reference="Audit: Are consent payloads stamped on every event? / GDPR Art. 7(1) (demonstrable consent)",
    summary="An event after the decision carries no context.consent.categoryPreferences.",
)
def consent_missing(ctx: Context) -> Iterator[Hit]:
    """Each event after the decision (each batch item on its own) must carry categoryPreferences."""

    def describe(events: list[SegmentEvent], total: int, phase: str) -> str:
        scope = "the event" if total == 1 else f"{len(events)} of the {total} events in this batch"
        return (
            f"{scope[0].upper()}{scope[1:]} ({labels(events)}) {'carries' if total == 1 else 'carry'} no "
            "context.consent.categoryPreferences; "
            "Segment cannot enforce consent per destination for them."
        )

    yield from missing_hits(ctx, ctx.traffic.events, lambda e: ctx.event_phase(e) in _DECIDED, describe)


@rule(
    "consent-mismatch",
    severity="error",
    phases=_DECIDED,
    question=Q_STAMPED,
    reference="Audit: Are consent payloads stamped on every event? / GDPR Art. 6(1)(a), 7(1)",
    summary="An event's consent stamp differs from the banner choice (mapped Segment ids only).",
)
def consent_mismatch(ctx: Context) -> Iterator[Hit]:
    """Stamps that grant what the visitor denied (error) or deny what they granted (warning)."""
    for events in by_entry([e for e in ctx.traffic.events if e.stamped]).values():
        phase = ctx.event_phase(events[0])
        if phase not in _DECIDED:
            continue
        expect = ctx.expect.at(phase)
        if not expect.judgeable or not expect.preferences:
            continue
        # after a revocation a stale stamp is a mismatch too: this rule answers "are payloads stamped
        # with the choice?" in every decided phase, whatever event-after-revoke also says
        yield from mismatch_hits(
            ctx, events, expect.preferences, phase, "Consent stamp differs from the banner choice: "
        )


RULES = (consent_missing, consent_mismatch)

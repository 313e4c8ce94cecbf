"""Rules on the consent stamp (``context.consent.categoryPreferences``) of events after the decision."""

from __future__ import annotations

from collections.abc import Iterator

from probe.findings import EvidenceRef, Severity
from probe.rules.base import Q_STAMPED, Hit, rule
from probe.rules.context import Context
from probe.rules.evidence import event_ref
from probe.rules.stamps import short_ids, sort_stamps
from probe.segment import SegmentEvent
from probe.timeline import AFTER, REVOKED

_DECIDED = (AFTER, REVOKED)


def _by_entry(events: list[SegmentEvent]) -> dict[int, list[SegmentEvent]]:
    grouped: dict[int, list[SegmentEvent]] = {}
    for event in events:
        grouped.setdefault(event.entry, []).append(event)
    return grouped


def _label(event: SegmentEvent) -> str:
    return f"{event.type} {event.name!r}" if event.name else str(event.type)


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
    unstamped = [e for e in ctx.traffic.events if ctx.event_phase(e) in _DECIDED and not e.stamped]
    totals = {index: len(events) for index, events in _by_entry(ctx.traffic.events).items()}
    for index, events in _by_entry(unstamped).items():
        phase = ctx.event_phase(events[0])
        total = totals[index]
        labels = ", ".join(_label(e) for e in events[:5])
        scope = "the event" if total == 1 else f"{len(events)} of the {total} events in this batch"
        message = (
            f"{scope[0].upper()}{scope[1:]} ({labels}) {'carries' if total == 1 else 'carry'} no "
            "context.consent.categoryPreferences; "
            "Segment cannot enforce consent per destination for them." + ctx.crossing(events)
        )
        yield Hit(message, [event_ref(e) for e in events[:10]], phase)


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
    for events in _by_entry([e for e in ctx.traffic.events if e.stamped]).values():
        phase = ctx.event_phase(events[0])
        if phase not in _DECIDED:
            continue
        expect = ctx.expect.at(phase)
        if not expect.judgeable or not expect.preferences:
            continue
        expected = expect.preferences
        # after a revocation a stale stamp is a mismatch too: this rule answers "are payloads stamped
        # with the choice?" in every decided phase, whatever event-after-revoke also says
        over, under = sort_stamps(events, expected, ctx.traffic.settings, ctx.expect.required_ids)
        yield from _mismatch_hits(ctx, over, phase, "error", "grants {ids}, which the visitor denied")
        yield from _mismatch_hits(
            ctx,
            under,
            phase,
            "warning",
            "does not grant {ids}, which the visitor accepted (events will be dropped)",
        )


def _mismatch_hits(
    ctx: Context, items: list[tuple[SegmentEvent, set[str]]], phase: str, severity: Severity, wording: str
) -> Iterator[Hit]:
    if not items:
        return
    ids: set[str] = set().union(*(i for _, i in items))
    labels = ", ".join(_label(e) for e, _ in items[:5])
    message = f"Consent stamp differs from the banner choice: the stamp on {labels} " + wording.format(
        ids=short_ids(ids)
    )
    evidence: list[EvidenceRef] = [event_ref(e) for e, _ in items[:10]]
    yield Hit(message + "." + ctx.crossing([e for e, _ in items]), evidence, phase, severity)


RULES = (consent_missing, consent_mismatch)

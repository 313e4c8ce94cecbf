"""Rules on server-side events: the backend must attach the visitor's consent at emission time.

Server-side events do not inherit the browser's consent (the seed guide's third pitfall). They are
judged in every phase: before the decision of an opt-in site nothing optional is granted yet, so a
backend event then must be stamped with only the strictly-necessary categories (a stamp granting more
is ``server-consent-mismatch``, no stamp is ``server-consent-missing``). The backend may legitimately
process an order before the banner is answered; what it must not do is let Segment route it as consented.
"""

from __future__ import annotations

from collections.abc import Iterator

from probe.findings import Severity
from probe.rules.base import Q_SERVER_SIDE, Hit, rule
from probe.rules.context import Context
from probe.rules.evidence import event_ref
from probe.rules.stamps import granted_ids, short_ids, sort_stamps
from probe.segment import SegmentEvent
from probe.timeline import AFTER, BEFORE, PHASES, REVOKED

_PITFALL = "Audit: Do server-side sources carry consent?"
MAX_EVIDENCE = 10


def label(event: SegmentEvent) -> str:
    """``track 'Order Completed'`` style label."""
    return f"{event.type} {event.name!r}" if event.name else str(event.type)


def _labels(events: list[SegmentEvent]) -> str:
    more = f" and {len(events) - 5} more" if len(events) > 5 else ""
    return ", ".join(label(e) for e in events[:5]) + more


def _by_entry(events: list[SegmentEvent]) -> dict[int, list[SegmentEvent]]:
    grouped: dict[int, list[SegmentEvent]] = {}
    for event in events:
        grouped.setdefault(event.entry, []).append(event)
    return grouped


def judged_phase(ctx: Context, phase: str) -> bool:
    """True when server events in ``phase`` must carry the visitor's consent (opt-out: not before a decision)."""
    return phase != BEFORE or ctx.suite.consent_model == "opt-in"


def expected_stamp(ctx: Context, phase: str) -> dict[str, bool] | None:
    """The categoryPreferences a server event must carry in ``phase``; None when that is not known."""
    if phase == BEFORE:
        if ctx.suite.consent_model != "opt-in":
            return None
        # no decision yet: only the strictly-necessary categories are granted
        return ctx.suite.expected_preferences(ctx.suite.resolve("reject_all"))
    expect = ctx.expect.at(phase)
    return expect.preferences if expect.judgeable and expect.preferences else None


def _when(phase: str) -> str:
    return {
        BEFORE: "before the visitor decided",
        AFTER: "after the visitor decided",
        REVOKED: "after the visitor revoked",
    }[phase]


@rule(
    "server-consent-missing",
    severity="error",
    phases=PHASES,  # before-consent on opt-in sites only
    question=Q_SERVER_SIDE,
    reference=f"{_PITFALL} / GDPR Art. 7(1) (demonstrable consent)",
    summary="A server-side event carries no context.consent.categoryPreferences.",
)
def server_consent_missing(ctx: Context) -> Iterator[Hit]:
    """Each server-side event of this visitor (each batch item on its own) must carry categoryPreferences."""
    events = ctx.server.events
    totals = {index: len(group) for index, group in _by_entry(events).items()}
    unstamped = [e for e in events if not e.stamped and judged_phase(ctx, ctx.event_phase(e))]
    for index, group in _by_entry(unstamped).items():
        phase = ctx.event_phase(group[0])
        scope = "a server-side event" if totals[index] == 1 else (
            f"{len(group)} of the visitor's {totals[index]} server-side events in this batch"
        )
        message = (
            f"The backend sent {scope} ({_labels(group)}) {_when(phase)} without "
            "context.consent.categoryPreferences; server-side events do not inherit the browser's consent, "
            "so Segment routes them to every destination whatever the visitor chose." + ctx.crossing(group)
        )
        yield Hit(message, [event_ref(e) for e in group[:MAX_EVIDENCE]], phase)


@rule(
    "server-consent-mismatch",
    severity="error",
    phases=PHASES,  # before-consent on opt-in sites only: nothing optional is granted yet
    question=Q_SERVER_SIDE,
    reference=f"{_PITFALL} / GDPR Art. 6(1)(a), 7(1)",
    summary="A server-side event's stamp differs from the visitor's choice in force when it was sent.",
)
def server_consent_mismatch(ctx: Context) -> Iterator[Hit]:
    """Server stamps that grant what the choice in force denies (error) or deny what it grants (warning)."""
    stamped = [e for e in ctx.server.events if e.stamped]
    for group in _by_entry(stamped).values():
        phase = ctx.event_phase(group[0])
        expected = expected_stamp(ctx, phase)
        if expected is None:
            continue
        over, under = sort_stamps(group, expected, ctx.traffic.settings, ctx.expect.required_ids)
        denied = "which nothing granted yet" if phase == BEFORE else "which the visitor denied"
        yield from _mismatch(ctx, over, phase, "error", f"grants {{ids}}, {denied}")
        yield from _mismatch(
            ctx, under, phase, "warning", "does not grant {ids}, which the visitor accepted (events will be dropped)"
        )


def _mismatch(
    ctx: Context, items: list[tuple[SegmentEvent, set[str]]], phase: str, severity: Severity, wording: str
) -> Iterator[Hit]:
    if not items:
        return
    ids: set[str] = set().union(*(i for _, i in items))
    events = [e for e, _ in items]
    message = (
        f"The backend's consent stamp differs from the visitor's choice in force when it was sent "
        f"({phase}): the stamp on {_labels(events)} " + wording.format(ids=short_ids(ids)) + "."
    )
    yield Hit(message + ctx.crossing(events), [event_ref(e) for e in events[:MAX_EVIDENCE]], phase, severity)


@rule(
    "server-event-after-revoke",
    severity="error",
    phases=(REVOKED,),
    question=Q_SERVER_SIDE,
    reference=f"{_PITFALL} / GDPR Art. 7(3) (withdrawing consent must be as easy as giving it)",
    summary="After a revocation the backend sends events still granting a withdrawn category, or unstamped.",
)
def server_event_after_revoke(ctx: Context) -> Iterator[Hit]:
    """Server events after the revocation that would still reach the withdrawn categories' destinations."""
    revoked = ctx.expect.revoked_ids
    if not revoked:
        return
    late = [e for e in ctx.server.events if ctx.event_phase(e) == REVOKED]
    for group in _by_entry(late).values():
        unstamped = [e for e in group if not e.stamped]
        stale = [(e, ids) for e in group if e.stamped and (ids := granted_ids(e, ctx.traffic.settings) & revoked)]
        if unstamped:
            message = (
                f"After the revocation of {short_ids(sorted(revoked))}, the backend sent {_labels(unstamped)} with no "
                "consent stamp; Segment routes it to the withdrawn categories' destinations too."
            )
            yield Hit(message + ctx.crossing(unstamped), [event_ref(e) for e in unstamped[:MAX_EVIDENCE]], REVOKED)
        if stale:
            still: set[str] = set().union(*(i for _, i in stale))
            events = [e for e, _ in stale]
            message = (
                f"After the revocation, the backend still stamps {_labels(events)} as granting {short_ids(still)}; "
                "Segment keeps routing it to destinations of the withdrawn categories."
            )
            yield Hit(message + ctx.crossing(events), [event_ref(e) for e in events[:MAX_EVIDENCE]], REVOKED)


RULES = (server_consent_missing, server_consent_mismatch, server_event_after_revoke)

"""Rules on server-side events: the backend must attach the visitor's consent at emission time.

Server-side events do not inherit the browser's consent (the seed guide's third pitfall). They are
judged in every phase: before the decision of an opt-in site nothing optional is granted yet, so a
backend event then must be stamped with only the strictly-necessary categories (a stamp granting more
is ``server-consent-mismatch``, no stamp is ``server-consent-missing``). The backend may legitimately
process an order before the banner is answered; what it must not do is let Segment route it as consented.
"""

from __future__ import annotations

from collections.abc import Iterator

from probe.rules.base import Q_SERVER_SIDE, Hit, rule
from probe.rules.context import Context
from probe.rules.evidence import event_ref
from probe.rules.stamps import (
    MAX_EVIDENCE,
    by_entry,
    granted_ids,
    labels,
    mismatch_hits,
    missing_hits,
    short_ids,
)
from probe.segment import SegmentEvent
from probe.timeline import AFTER, BEFORE, PHASES, REVOKED

_PITFALL = "Audit: Do server-side sources carry consent?"


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

    def describe(group: list[SegmentEvent], total: int, phase: str) -> str:
        scope = "a server-side event" if total == 1 else (
            f"{len(group)} of the visitor's {total} server-side events in this batch"
        )
        return (
            f"The backend sent {scope} ({labels(group, count_rest=True)}) {_when(phase)} without "
            "context.consent.categoryPreferences; server-side events do not inherit the browser's consent, "
            "so Segment routes them to every destination whatever the visitor chose."
        )

    yield from missing_hits(ctx, ctx.server.events, lambda e: judged_phase(ctx, ctx.event_phase(e)), describe)


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
    for group in by_entry(stamped).values():
        phase = ctx.event_phase(group[0])
        expected = expected_stamp(ctx, phase)
        if expected is None:
            continue
        yield from mismatch_hits(
            ctx,
            group,
            expected,
            phase,
            f"The backend's consent stamp differs from the visitor's choice in force when it was sent ({phase}): ",
            denied="which nothing granted yet" if phase == BEFORE else "which the visitor denied",
            count_rest=True,
        )


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
    for group in by_entry(late).values():
        unstamped = [e for e in group if not e.stamped]
        stale = [(e, ids) for e in group if e.stamped and (ids := granted_ids(e, ctx.traffic.settings) & revoked)]
        if unstamped:
            message = (
                f"After the revocation of {short_ids(sorted(revoked))}, the backend sent "
                f"{labels(unstamped, count_rest=True)} with no consent stamp; Segment routes it to the withdrawn "
                "categories' destinations too."
            )
            yield Hit(message + ctx.crossing(unstamped), [event_ref(e) for e in unstamped[:MAX_EVIDENCE]], REVOKED)
        if stale:
            still: set[str] = set().union(*(i for _, i in stale))
            events = [e for e, _ in stale]
            message = (
                f"After the revocation, the backend still stamps {labels(events, count_rest=True)} as granting "
                f"{short_ids(still)}; Segment keeps routing it to destinations of the withdrawn categories."
            )
            yield Hit(message + ctx.crossing(events), [event_ref(e) for e in events[:MAX_EVIDENCE]], REVOKED)


RULES = (server_consent_missing, server_consent_mismatch, server_event_after_revoke)

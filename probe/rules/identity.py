"""identity-consent-conflict: one merged identity, two sources, two consents (the seed guide's fourth pitfall).

Segment merges the profiles of every identifier that appears together in one event (``anonymousId``
and ``userId`` of an identify or any call, ``previousId`` and ``userId`` of an alias), across sources.
When the browser and the backend stamp that merged identity differently in the same phase, the merged
profile inherits the most permissive state by default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from probe.findings import EvidenceRef, Severity
from probe.rules.base import Q_SERVER_SIDE, Hit, rule
from probe.rules.context import Context
from probe.rules.evidence import event_ref
from probe.rules.server import expected_stamp
from probe.rules.stamps import granted_ids, label, short_ids
from probe.segment import SegmentEvent
from probe.timeline import PHASES

MAX_EVIDENCE = 10


def identifiers(event: SegmentEvent) -> list[str]:
    """The identifiers an event ties together (an alias's ``previousId`` too)."""
    found = [event.anonymous_id, event.user_id]
    previous = event.payload.get("previousId") if event.type == "alias" else None
    found.append(previous if isinstance(previous, str) and previous else None)
    return [i for i in found if i]


@dataclass
class Merged:
    """Union-find over identifiers: the identities Segment would merge."""

    parent: dict[str, str] = field(default_factory=dict)

    def root(self, ident: str) -> str:
        """The representative of ``ident``'s merged identity."""
        self.parent.setdefault(ident, ident)
        while self.parent[ident] != ident:
            self.parent[ident] = self.parent[self.parent[ident]]  # path halving keeps chains short
            ident = self.parent[ident]
        return ident

    def link(self, ids: list[str]) -> None:
        """Merge the identities of ``ids``."""
        for other in ids[1:]:
            a, b = self.root(ids[0]), self.root(other)
            if a != b:
                self.parent[max(a, b)] = min(a, b)  # the smaller id represents: stable across runs

    def members(self, root: str) -> list[str]:
        """Every identifier merged into ``root``, sorted."""
        return sorted(i for i in self.parent if self.root(i) == root)


def _described(members: list[str], events: list[SegmentEvent]) -> str:
    """The identity by kind and count, never by value: ids change every run and are personal data."""
    known = set(members)
    anonymous = {e.anonymous_id for e in events if e.anonymous_id in known}
    users = {e.user_id for e in events if e.user_id in known}
    kinds = [f"{len(anonymous)} anonymousId(s)" if anonymous else "", f"{len(users)} userId(s)" if users else ""]
    return " and ".join(k for k in kinds if k) or f"{len(members)} id(s)"


@rule(
    "identity-consent-conflict",
    severity="error",
    phases=PHASES,
    question=Q_SERVER_SIDE,
    reference="Audit pitfall: ignoring the cross-source identity merging / GDPR Art. 7(1), 25 (by default)",
    summary="Browser and server-side events of one merged identity carry different consent in one phase.",
)
def identity_consent_conflict(ctx: Context) -> Iterator[Hit]:
    """Per merged identity and phase: server stamps against the browser stamp in force when they were sent."""
    browser = [e for e in ctx.traffic.events if e.stamped and identifiers(e)]
    server = [e for e in ctx.server.events if e.stamped and identifiers(e)]
    if not browser or not server:
        return
    merged = Merged()
    for event in ctx.traffic.events + ctx.server.events:
        if ids := identifiers(event):
            merged.link(ids)
    groups: dict[tuple[str, str], tuple[list[SegmentEvent], list[SegmentEvent]]] = {}
    for side, events in ((0, browser), (1, server)):
        for event in events:
            key = (ctx.event_phase(event), merged.root(identifiers(event)[0]))
            groups.setdefault(key, ([], []))[side].append(event)
    order = {p: i for i, p in enumerate(PHASES)}
    for (phase, root), (seen_b, seen_s) in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        if seen_b and seen_s:
            yield from _conflict(ctx, phase, merged.members(root), seen_b, seen_s)


def _in_force(browser: list[SegmentEvent], event: SegmentEvent) -> SegmentEvent:
    """The browser event whose stamp was current when ``event`` went out (else the phase's first)."""
    earlier = [b for b in browser if (b.started, b.entry) <= (event.started, event.entry)]
    return earlier[-1] if earlier else browser[0]


def _conflict(
    ctx: Context, phase: str, members: list[str], browser: list[SegmentEvent], server: list[SegmentEvent]
) -> Iterator[Hit]:
    settings, required = ctx.traffic.settings, ctx.expect.required_ids
    server_more: set[str] = set()
    browser_more: set[str] = set()
    pairs: list[tuple[SegmentEvent, SegmentEvent]] = []
    for event in server:
        current = _in_force(browser, event)
        mine, theirs = granted_ids(event, settings) - required, granted_ids(current, settings) - required
        if mine != theirs:
            server_more |= mine - theirs
            browser_more |= theirs - mine
            pairs.append((event, current))
    if not pairs:
        return
    who = _described(members, ctx.traffic.events + ctx.server.events)
    parts = []
    if server_more:
        parts.append(f"the server-side stamp grants {short_ids(server_more)}, which the browser's denies")
    if browser_more:
        parts.append(
            f"the browser's stamp grants {short_ids(browser_more)}, which the server-side one denies"
        )
    which = (
        "the server side is more permissive"
        if server_more and not browser_more
        else "the browser is more permissive"
        if browser_more and not server_more
        else "each side is more permissive somewhere"
    )
    server_event, browser_event = pairs[0]
    message = (
        f"One merged identity ({who}) carries different consent from two sources in {phase}: {which} "
        f"({'; '.join(parts)}; server {label(server_event)} against browser {label(browser_event)}). "
        "Segment merges the profiles and by default keeps the most permissive consent."
    )
    expected = expected_stamp(ctx, phase)
    severity: Severity | None = None
    if expected is not None and all(expected.get(i) is True for i in server_more | browser_more):
        # the more permissive side grants only what the visitor chose: the merged profile is still right
        severity = "warning"
        message += " The more permissive side grants only what the visitor chose."
    cited = {e.entry: e for pair in pairs for e in pair}
    evidence: list[EvidenceRef] = [event_ref(e) for _, e in sorted(cited.items())][:MAX_EVIDENCE]
    yield Hit(message, evidence, phase, severity)


RULES = (identity_consent_conflict,)

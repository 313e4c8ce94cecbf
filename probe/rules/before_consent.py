"""Rules for the time before the visitor answered the banner (opt-in sites must stay silent)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from probe.rules.base import Q_FILTERS, Q_SDK_WAITS, Hit, rule
from probe.rules.context import Context
from probe.rules.evidence import entry_ref, event_ref, sighting_ref
from probe.rules.stamps import by_entry, labels
from probe.rules.vendors import loader_and_data_findings, vendor_findings
from probe.segment import (
    INGESTION_KINDS,
    NOT_CAPTURED,
    SDK_KINDS,
    IdentifierSighting,
    SegmentRequest,
    Unparseable,
)
from probe.timeline import BEFORE

_EPRIVACY = "ePrivacy Directive Art. 5(3)"
_Q2 = "Audit: Does the SDK wait for consent?"


def _opt_in(ctx: Context) -> bool:
    # opt-out sites send before a decision by design; only the decision itself is judged there
    return ctx.suite.consent_model == "opt-in"


@rule(
    "segment-before-consent",
    severity="error",
    phases=(BEFORE,),
    question=Q_SDK_WAITS,
    reference=f"{_Q2} / {_EPRIVACY}, GDPR Art. 6(1)(a)",
    summary="A Segment event went over the wire before the consent decision.",
)
def segment_before_consent(ctx: Context) -> Iterator[Hit]:
    """Segment ingestion requests whose wire time falls before the decision."""
    if not _opt_in(ctx):
        return
    events_by_entry = by_entry(ctx.traffic.events)
    broken = {u.entry: u for u in ctx.traffic.unparseable}
    for request in ctx.traffic.of_kind(*INGESTION_KINDS):
        entry = ctx.by_index[request.entry]
        if ctx.phase(entry) != BEFORE:
            continue
        events = events_by_entry.get(request.entry, [])
        if events:
            message = (
                f"Segment received {len(events)} event(s) before the consent decision: "
                f"{labels(events, count_rest=True)}."
                + ctx.crossing(events)
            )
            evidence = [event_ref(e) for e in events[:10]]
        else:
            message = _eventless_message(request, broken.get(request.entry))
            evidence = [entry_ref(entry, broken[request.entry].excerpt if request.entry in broken else None)]
        yield Hit(message, evidence, BEFORE)


def _eventless_message(request: SegmentRequest, broken: Unparseable | None) -> str:
    """Why an early ingestion request shows no events: its body was not captured, or not readable."""
    reason = broken.reason if broken is not None else "no events"
    recognised = (
        f" It counts as Segment ingestion by its path {urlsplit(request.url).path} and {request.recognised}."
        if request.recognised
        else ""
    )
    if reason == NOT_CAPTURED:
        return (
            "A Segment ingestion request was sent before the consent decision (body not captured in the "
            f"recording, so its events cannot be read).{recognised}"
        )
    return f"A Segment ingestion request was sent before the consent decision (body: {reason}).{recognised}"


@rule(
    "sdk-before-consent",
    severity="warning",
    phases=(BEFORE,),
    question=Q_SDK_WAITS,
    reference=f"{_Q2} / GDPR Art. 6(1)(a) (IP address and writeKey sent to Segment)",
    summary="The Segment SDK (loader, settings, bundles, metrics) was fetched before the decision.",
)
def sdk_before_consent(ctx: Context) -> Iterator[Hit]:
    """Loader, settings, lazy bundles, device-mode bundles or metrics before the decision."""
    if not _opt_in(ctx):
        return
    # consent-manager's destination list (/integrations) is excluded: the banner needs it to render
    early = [r for r in ctx.traffic.of_kind(*SDK_KINDS) if ctx.phase(ctx.by_index[r.entry]) == BEFORE]
    if not early:
        return
    kinds = ", ".join(dict.fromkeys(str(r.kind) for r in early))
    message = (
        f"The Segment SDK loaded before the consent decision ({len(early)} request(s): {kinds}); "
        "an opt-in site should not call analytics.load() until the visitor decides."
    )
    yield Hit(message, [entry_ref(ctx.by_index[r.entry]) for r in early[:10]], BEFORE)


@rule(
    "pixel-before-consent",
    severity="error",
    phases=(BEFORE,),
    question=Q_FILTERS,
    reference=f"Audit: Do destination filters honor categories? / {_EPRIVACY}, GDPR Art. 6(1)(a)",
    summary="A downstream vendor was contacted before the decision (a tag or SDK load: warning; data: error).",
)
def pixel_before_consent(ctx: Context) -> Iterator[Hit]:
    """Vendor requests before the decision, except vendors of strictly-necessary categories."""
    if not _opt_in(ctx):
        return
    expect = ctx.expect.at(BEFORE)
    early = [h for h in ctx.vendor_hits if ctx.phase(h.entry) == BEFORE]
    governed = [
        h for h in early if h.cmp_category is not None and expect.cmp_granted(h.cmp_category) is False
    ]
    unmapped = [h for h in early if h.cmp_category is None]
    # a tag or SDK fetched early sends nothing about the visit yet (sdk-before-consent's reasoning):
    # a warning; a pixel, beacon or event endpoint sends data: an error
    yield from loader_and_data_findings(ctx, governed, phase=BEFORE, when="before the consent decision")
    # no CMP category governs these: the suite cannot say they are exempt, so flag them softly
    yield from vendor_findings(
        ctx,
        unmapped,
        phase=BEFORE,
        when="before the consent decision, and no CMP category governs this vendor (map it in suite.vendors)",
        severity="warning",
    )


@rule(
    "identifier-before-consent",
    severity="error",
    phases=(BEFORE,),
    question=Q_SDK_WAITS,
    reference=f"{_Q2} / {_EPRIVACY} (storing an identifier needs prior consent)",
    summary="A Segment identifier (ajs_*) was stored before the decision.",
)
def identifier_before_consent(ctx: Context) -> Iterator[Hit]:
    """ajs_* ids in the before-consent snapshot or in headers of before-consent requests."""
    if not _opt_in(ctx):
        return
    by_name: dict[str, list[IdentifierSighting]] = {}
    for sighting in ctx.identifiers:
        if sighting.phase == BEFORE:
            by_name.setdefault(sighting.name, []).append(sighting)
    for name, sightings in by_name.items():
        sources = ", ".join(dict.fromkeys(s.source for s in sightings))
        message = f"Segment identifier {name} was stored before the consent decision (seen in: {sources})."
        ordered = sorted(sightings, key=lambda s: (s.entry is not None, s.entry or 0))
        yield Hit(message, [sighting_ref(s) for s in ordered[:10]], BEFORE)


RULES = (segment_before_consent, sdk_before_consent, pixel_before_consent, identifier_before_consent)

"""Rules for the change of mind: what must stop, be signalled and be deleted after a revocation."""

from __future__ import annotations

from collections.abc import Iterator

from probe.findings import EvidenceRef
from probe.rules.base import Q_FILTERS, Q_PRIVACY_API, Hit, rule
from probe.rules.context import Context
from probe.rules.deletion import LOOKED_FOR, deletion_calls
from probe.rules.evidence import entry_ref, event_ref, note_ref
from probe.rules.stamps import granted_ids, label, short_ids, stamp_problems
from probe.rules.vendors import loader_and_data_findings
from probe.segment import CONSENT_UPDATED, SegmentEvent
from probe.timeline import AFTER, REVOKED

_ART_7_3 = "GDPR Art. 7(3) (withdrawing consent must be as easy as giving it)"


@rule(
    "event-after-revoke",
    severity="error",
    phases=(REVOKED,),
    question=Q_FILTERS,
    reference=f"Audit: Do destination filters honor categories? / {_ART_7_3}",
    summary="After a revocation an event still grants a revoked category, or a revoked vendor is contacted.",
)
def event_after_revoke(ctx: Context) -> Iterator[Hit]:
    """Stamps granting revoked ids, and vendors of revoked categories, after the revocation."""
    expect = ctx.expect
    if expect.revoked_ids:
        for event in ctx.traffic.events:
            if ctx.event_phase(event) != REVOKED:
                continue
            still = granted_ids(event, ctx.traffic.settings) & expect.revoked_ids
            if still:
                message = (
                    f"After the revocation, {label(event)} is still stamped as granting {short_ids(still)}; "
                    "Segment will keep routing it to destinations of the withdrawn categories."
                    + ctx.crossing([event])
                )
                yield Hit(message, [event_ref(event)], REVOKED)
    if expect.revoked_categories:
        late = [
            h
            for h in ctx.vendor_hits
            if ctx.phase(h.entry) == REVOKED and h.cmp_category in expect.revoked_categories
        ]
        yield from loader_and_data_findings(ctx, late, phase=REVOKED, when="after the visitor withdrew its category")


def _matches_choice(ctx: Context, event: SegmentEvent, expected: dict[str, bool]) -> bool:
    over, under = stamp_problems(event, expected, ctx.traffic.settings, ctx.expect.required_ids)
    return event.stamped and not over and not under


def _legacy_signal(event: SegmentEvent) -> bool:
    # @segment/consent-manager records a change as identify() with these traits, then reloads
    traits = event.payload.get("traits")
    return (
        event.type == "identify"
        and isinstance(traits, dict)
        and ("destinationTrackingPreferences" in traits or "customTrackingPreferences" in traits)
    )


def _segment_stays_loaded(ctx: Context) -> bool:
    if any(ctx.phase(ctx.by_index[r.entry]) == REVOKED for r in ctx.traffic.requests):
        return True
    flowed = any(ctx.event_phase(e) == AFTER for e in ctx.traffic.events)
    new = ctx.expect.at(REVOKED).preferences or {}
    return flowed and any(new.values())


@rule(
    "revoke-not-signalled",
    severity="error",
    phases=(REVOKED,),
    question=Q_PRIVACY_API,
    reference=f"Audit: Does the Privacy API fire on revocation? / {_ART_7_3}",
    summary='No "Segment Consent Preference Updated" event with the new choice after a change.',
)
def revoke_not_signalled(ctx: Context) -> Iterator[Hit]:
    """A change of choice while Segment stays loaded must be sent to Segment as the consent-change event."""
    expect = ctx.expect
    new = expect.at(REVOKED).preferences
    if not expect.changed or new is None or not _segment_stays_loaded(ctx):
        return
    after = [e for e in ctx.traffic.events if ctx.event_phase(e) == REVOKED]
    updates = [e for e in after if e.is_consent_update]
    if any(_matches_choice(ctx, e, new) for e in updates) or any(_legacy_signal(e) for e in after):
        return
    evidence: list[EvidenceRef]
    if updates:
        message = (
            f'"{CONSENT_UPDATED}" was sent after the change but its stamp does not match the new choice '
            f"(expected {new})."
        )
        evidence = [event_ref(e) for e in updates[:10]]
    else:
        message = (
            f'The visitor changed their choice but no "{CONSENT_UPDATED}" event carrying the new choice '
            "was sent while Segment stayed loaded; Segment keeps the old consent for this profile."
        )
        sample = after[:1] or [e for e in ctx.traffic.events if ctx.event_phase(e) == AFTER][-1:]
        evidence = [event_ref(e) for e in sample] or [note_ref(f"expected stamp after the change: {new}")]
    yield Hit(message, evidence, REVOKED)


@rule(
    "revoke-no-deletion",
    severity="error",
    phases=(REVOKED,),
    question=Q_PRIVACY_API,
    reference="Audit: Does the Privacy API fire on revocation? / GDPR Art. 17 (erasure), Art. 21 (objection)",
    summary="Neither the suite's privacy endpoint nor Segment's Privacy API was called after the revocation.",
)
def revoke_no_deletion(ctx: Context) -> Iterator[Hit]:
    """After a revocation the site (browser or backend) must call for deletion or suppression."""
    if not ctx.expect.revoked_categories:
        return
    found = deletion_calls(ctx)
    if not found.judgeable or found.done:
        return
    endpoint = ctx.suite.segment.privacy_endpoint
    revoked = short_ids(set(ctx.expect.revoked_categories))
    skipped = (
        f" {len(found.unattributed)} backend call(s) in after-revoke were not attributed to this visitor and "
        "were not counted."
        if found.unattributed
        else ""
    )
    evidence: list[EvidenceRef]
    if found.only_relayed:
        # the backend said yes to the browser and then told Segment nothing: a local opt-out only
        message = (
            f"The privacy endpoint answered the revocation of {revoked}, but the site's backend, which serves it, "
            f"sent no request to {LOOKED_FOR}; revoking must trigger Segment's deletion or suppression, "
            f"not just a local opt-out.{skipped}"
        )
        evidence = [
            entry_ref(e, f"HTTP {e.status}, served by the site's backend" if e.status else "no answer")
            for e in found.calls[:10]
        ]
        evidence.append(note_ref(f"no request from the backend to {LOOKED_FOR} in after-revoke"))
        evidence += [entry_ref(e, "not attributed to this visitor") for e in found.unattributed[:5]]
    elif found.calls:
        what = "the privacy endpoint" if endpoint and all(endpoint in e.url for e in found.calls) else (
            "the deletion call"
        )
        message = f"{what[0].upper()}{what[1:]} was called after the revocation of {revoked} but failed.{skipped}"
        evidence = [
            entry_ref(e, f"HTTP {e.status}" if e.status is not None else "no answer recorded")
            for e in found.calls[:10]
        ]
    elif endpoint:
        # worded as before the Privacy API counted too: the same finding keeps its fingerprint
        message = (
            f"No request to the privacy endpoint ({endpoint!r}) followed the revocation of {revoked}; "
            f"revoking must trigger Segment's deletion or suppression, not just a local opt-out.{skipped}"
        )
        evidence = [note_ref(f"no request URL containing {endpoint!r} in after-revoke")]
        evidence += [entry_ref(e, "not attributed to this visitor") for e in found.unattributed[:5]]
    else:
        message = (
            f"No request to {LOOKED_FOR} followed the revocation of {revoked}; "
            f"revoking must trigger Segment's deletion or suppression, not just a local opt-out.{skipped}"
        )
        evidence = [note_ref(f"no request to {LOOKED_FOR} in after-revoke")]
        evidence += [entry_ref(e, "not attributed to this visitor") for e in found.unattributed[:5]]
    yield Hit(message, evidence, REVOKED)


RULES = (event_after_revoke, revoke_not_signalled, revoke_no_deletion)

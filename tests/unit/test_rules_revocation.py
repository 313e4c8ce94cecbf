"""event-after-revoke, revoke-not-signalled, revoke-no-deletion."""

from __future__ import annotations

from timeline_factory import (
    ACCEPT_ALL,
    ANALYTICS_ONLY,
    FB_HIT,
    GA4_HIT,
    REJECT_ALL,
    SITE,
    T0,
    Recording,
    Req,
    compliant_accept_all,
    compliant_revoke,
    consent_updated,
    event,
    get,
    golden,
    judge,
    make_suite,
    raw_post,
    rule_ids,
    single,
)

from probe.evidence.har_writer import iso
from probe.timeline import REVOKED

PRIVACY = make_suite(segment={"privacy_endpoint": "/api/privacy/delete"})


def test_compliant_revocation_is_silent() -> None:
    assert rule_ids(compliant_revoke().build()) == set()


def test_event_still_granting_a_revoked_category() -> None:
    timeline = (
        compliant_accept_all()
        .revoke(REJECT_ALL)
        .add(single(consent_updated(REJECT_ALL)), single(event("track", "Late", ACCEPT_ALL)))
        .build()
    )
    # a stale stamp after a revoke answers two questions: not stamped with the choice, and still routed
    mismatch, after_revoke = judge(timeline)
    assert (after_revoke.rule, after_revoke.phase) == ("event-after-revoke", REVOKED)
    assert (mismatch.rule, mismatch.phase, mismatch.severity) == ("consent-mismatch", REVOKED, "error")
    assert "analytics, marketing" in after_revoke.message
    assert after_revoke.evidence[0].entry == mismatch.evidence[0].entry == 12


def test_vendor_of_a_revoked_category_after_revocation() -> None:
    timeline = compliant_revoke().add(get(FB_HIT)).build()
    denied, after_revoke = judge(timeline)
    assert [(f.rule, f.severity, f.phase) for f in (denied, after_revoke)] == [
        ("denied-pixel", "error", REVOKED),
        ("event-after-revoke", "error", REVOKED),
    ]
    assert "Facebook Pixel" in after_revoke.message and "Facebook Pixel" in denied.message


def test_cookieless_ping_after_revocation_is_a_warning() -> None:
    findings = judge(compliant_revoke().add(get(GA4_HIT + "&gcs=G100")).build())
    assert [(f.rule, f.severity) for f in findings] == [
        ("denied-pixel", "warning"),
        ("event-after-revoke", "warning"),
    ]


def test_category_denied_from_the_start_stays_denied_pixel_after_revoke() -> None:
    timeline = (
        Recording()
        .decide(ANALYTICS_ONLY)
        .add(single(event("page", "Home", ANALYTICS_ONLY)))
        .revoke(REJECT_ALL)
        .add(single(consent_updated(REJECT_ALL)), get(FB_HIT))
        .build()
    )
    assert rule_ids(timeline) == {"denied-pixel"}


def test_change_without_the_consent_updated_event() -> None:
    timeline = (
        compliant_accept_all().revoke(REJECT_ALL).add(single(event("track", "Next", REJECT_ALL))).build()
    )
    [finding] = judge(timeline)
    assert (finding.rule, finding.phase) == ("revoke-not-signalled", REVOKED)
    assert "Segment Consent Preference Updated" in finding.message
    assert finding.evidence[0].entry == 11


def test_consent_updated_event_with_the_old_choice() -> None:
    timeline = compliant_accept_all().revoke(REJECT_ALL).add(single(consent_updated(ACCEPT_ALL))).build()
    findings = judge(timeline)
    assert [f.rule for f in findings] == ["consent-mismatch", "event-after-revoke", "revoke-not-signalled"]
    assert "does not match the new choice" in findings[2].message


def test_silence_after_revoke_while_segment_stays_loaded() -> None:
    # events flowed after consent and "necessary" is still granted, so Segment is still running
    timeline = compliant_accept_all().revoke(REJECT_ALL).add(get(f"{SITE}/products")).build()
    assert rule_ids(timeline) == {"revoke-not-signalled"}


def test_segment_gone_after_revoke_needs_no_signal() -> None:
    suite = make_suite(categories={"necessary": {"segment": [], "required": True}})
    timeline = compliant_accept_all().revoke(REJECT_ALL).add(get(f"{SITE}/products")).build()
    assert rule_ids(timeline, suite) == set()


def test_legacy_consent_manager_identify_counts_as_the_signal() -> None:
    legacy = raw_post("https://api.segment.io/v1/i", golden("consent_manager_identify.json"))
    timeline = compliant_accept_all().revoke(REJECT_ALL).add(legacy).build()
    assert rule_ids(timeline) == set()


def test_privacy_endpoint_not_called_after_revocation() -> None:
    [finding] = judge(compliant_revoke().build(), PRIVACY)
    assert (finding.rule, finding.phase) == ("revoke-no-deletion", REVOKED)
    assert "/api/privacy/delete" in finding.message
    assert finding.evidence[0].entry is None


def test_privacy_endpoint_called_after_revocation() -> None:
    call = Req("POST", f"{SITE}/api/privacy/delete", request_body=b'{"userId":"u-42"}', status=202)
    assert rule_ids(compliant_revoke().add(call).build(), PRIVACY) == set()


def test_failed_privacy_call_counts_as_missing() -> None:
    call = Req("POST", f"{SITE}/api/privacy/delete", status=500)
    [finding] = judge(compliant_revoke().add(call).build(), PRIVACY)
    assert finding.rule == "revoke-no-deletion" and "failed" in finding.message
    assert finding.evidence[0].excerpt == "HTTP 500"


def test_no_deletion_needed_without_a_revocation() -> None:
    assert rule_ids(compliant_accept_all().build(), PRIVACY) == set()


def _at(seconds: float) -> str:
    return iso(T0 + seconds)


def test_event_created_before_the_revoke_and_sent_after_it_says_so() -> None:
    # a batch the site held back: created in after-consent, on the wire in after-revoke
    held = event("track", "Held", ACCEPT_ALL, timestamp=_at(1.7))
    timeline = (
        Recording()
        .decide(ACCEPT_ALL, "accept_all")
        .add(single(event("page", "Home", ACCEPT_ALL, timestamp=_at(1.0))))
        .revoke(REJECT_ALL)
        .add(single(consent_updated(REJECT_ALL)), single(held))
        .build()
    )
    findings = {f.rule: f for f in judge(timeline)}
    assert set(findings) == {"consent-mismatch", "event-after-revoke"}
    for finding in findings.values():
        assert "created in after-consent (event timestamp) and sent in after-revoke (wire time)" in (
            finding.message
        )


def test_event_sent_in_the_phase_it_was_created_in_has_no_note() -> None:
    timeline = (
        Recording()
        .decide(ACCEPT_ALL, "accept_all")
        .add(single(event("page", "Home", ACCEPT_ALL, timestamp=_at(1.0))))
        .revoke(REJECT_ALL)
        .add(single(consent_updated(REJECT_ALL)), single(event("track", "Late", ACCEPT_ALL, timestamp=_at(3.4))))
        .build()
    )
    assert {f.rule for f in judge(timeline)} == {"consent-mismatch", "event-after-revoke"}
    assert not any("created in" in f.message for f in judge(timeline))

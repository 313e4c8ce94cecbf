"""event-after-revoke, revoke-not-signalled, revoke-no-deletion."""

from __future__ import annotations

from timeline_factory import (
    ACCEPT_ALL,
    ANALYTICS_ONLY,
    FB_HIT,
    GA4_HIT,
    REJECT_ALL,
    SITE,
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
    [finding] = judge(timeline)
    assert (finding.rule, finding.phase) == ("event-after-revoke", REVOKED)
    assert "analytics, marketing" in finding.message
    assert finding.evidence[0].entry == 12


def test_vendor_of_a_revoked_category_after_revocation() -> None:
    timeline = compliant_revoke().add(get(FB_HIT)).build()
    [finding] = judge(timeline)
    assert (finding.rule, finding.severity) == ("event-after-revoke", "error")
    assert "Facebook Pixel" in finding.message


def test_cookieless_ping_after_revocation_is_a_warning() -> None:
    [finding] = judge(compliant_revoke().add(get(GA4_HIT + "&gcs=G100")).build())
    assert (finding.rule, finding.severity) == ("event-after-revoke", "warning")


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
    assert [f.rule for f in findings] == ["event-after-revoke", "revoke-not-signalled"]
    assert "does not match the new choice" in findings[1].message


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

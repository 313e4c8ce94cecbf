"""consent-missing and consent-mismatch."""

from __future__ import annotations

from timeline_factory import (
    ANALYTICS_ONLY,
    API,
    Recording,
    Req,
    batch,
    consent_updated,
    event,
    golden,
    judge,
    make_suite,
    raw_post,
    rule_ids,
    settings,
    single,
)

from probe.timeline import AFTER


def after_consent(*requests: Req, choice: dict[str, bool] | None = ANALYTICS_ONLY) -> Recording:
    return Recording().decide(choice).add(settings(), *requests)


def test_event_without_stamp_after_consent() -> None:
    [finding] = judge(after_consent(single(event("track", "Product Viewed", None))).build())
    assert (finding.rule, finding.severity, finding.phase) == ("consent-missing", "error", AFTER)
    assert finding.evidence[0].entry == 1
    assert finding.message.startswith("The event (track 'Product Viewed') carries no context.consent.categoryPreferences")


def test_each_batch_item_is_judged_on_its_own() -> None:
    mixed = batch(
        [event("page", "Home", ANALYTICS_ONLY), event("track", "Added", None), event("track", "B", None)]
    )
    [finding] = judge(after_consent(mixed).build())
    assert finding.rule == "consent-missing"
    assert "2 of the 3 events" in finding.message
    assert [(e.excerpt or "")[:8] for e in finding.evidence] == ["batch[1]", "batch[2]"]


def test_stamped_events_are_fine() -> None:
    fine = after_consent(
        single(consent_updated(ANALYTICS_ONLY)), batch([event("page", "Home", ANALYTICS_ONLY)])
    ).build()
    assert rule_ids(fine) == set()


def test_unparseable_events_after_consent_are_noted_not_judged() -> None:
    timeline = after_consent(raw_post(f"{API}/t", golden("malformed.txt"))).build()
    assert rule_ids(timeline) == set()
    assert any("could not be judged" in note for note in timeline.notes)


def test_stamp_granting_a_denied_category_is_an_error() -> None:
    wrong = {"necessary": True, "analytics": True, "marketing": True}
    [finding] = judge(after_consent(single(event("track", "X", wrong))).build())
    assert (finding.rule, finding.severity) == ("consent-mismatch", "error")
    assert "grants marketing" in finding.message


def test_stamp_denying_a_granted_category_is_a_warning() -> None:
    stingy = {"necessary": True, "analytics": False, "marketing": False}
    [finding] = judge(after_consent(single(event("track", "X", stingy))).build())
    assert (finding.rule, finding.severity) == ("consent-mismatch", "warning")
    assert "does not grant analytics" in finding.message


def test_missing_key_for_a_granted_category_that_no_destination_uses_is_fine() -> None:
    # the demo's destinations use analytics and marketing only; "necessary" gates nothing
    prefs = {"analytics": True, "marketing": False, "C0005": True}
    assert rule_ids(after_consent(single(event("track", "X", prefs))).build()) == set()


def test_missing_key_for_a_used_granted_category_is_a_warning() -> None:
    [finding] = judge(after_consent(single(event("track", "X", {"marketing": False}))).build())
    assert (finding.rule, finding.severity) == ("consent-mismatch", "warning")


def test_unknown_choice_is_not_judged() -> None:
    wrong = {"analytics": True, "marketing": True}
    timeline = after_consent(single(event("track", "X", wrong)), choice=None).build()
    assert rule_ids(timeline) == set()
    assert any("choice is unknown" in note for note in timeline.notes)


def test_legacy_consent_manager_destination_preferences_are_read() -> None:
    suite = make_suite(
        categories={
            "analytics": {"segment": ["marketingAndAnalytics"]},
            "marketing": {"segment": ["advertising"]},
        },
        segment={"destinations": {"Facebook Pixel": ["advertising"], "Amplitude": ["marketingAndAnalytics"]}},
    )
    legacy = raw_post(f"{API}/i", golden("consent_manager_identify.json"))
    choice = {"necessary": True, "analytics": True, "marketing": False}
    assert rule_ids(Recording().decide(choice).add(legacy).build(), suite) == set()
    leaky = golden("consent_manager_identify.json").replace(
        b'"Facebook Pixel":false}}', b'"Facebook Pixel":true}}'
    )
    [finding] = judge(Recording().decide(choice).add(raw_post(f"{API}/i", leaky)).build(), suite)
    assert (finding.rule, finding.severity) == ("consent-mismatch", "error")
    assert "grants advertising" in finding.message


def test_without_settings_a_missing_strictly_necessary_key_is_fine() -> None:
    prefs = {"analytics": True, "marketing": False}
    timeline = Recording().decide(ANALYTICS_ONLY).add(single(event("track", "X", prefs))).build()
    assert rule_ids(timeline) == set()
    stingy = Recording().decide(ANALYTICS_ONLY).add(single(event("track", "X", {"marketing": False}))).build()
    [finding] = judge(stingy)
    assert (finding.rule, finding.severity) == ("consent-mismatch", "warning")

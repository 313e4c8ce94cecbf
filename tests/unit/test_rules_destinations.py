"""denied-pixel, denied-destination-loaded, unmapped-destination, warehouse-exempt."""

from __future__ import annotations

from typing import Any

from timeline_factory import (
    AMPLITUDE_BUNDLE,
    ANALYTICS_ONLY,
    BRAZE_BUNDLE,
    FB_HIT,
    GA4_HIT,
    REJECT_ALL,
    Recording,
    Req,
    demo_settings,
    get,
    golden_json,
    judge,
    loader,
    make_suite,
    rule_ids,
    settings,
)

from probe.timeline import AFTER, BEFORE


def analytics_only(*requests: Req) -> Recording:
    return Recording().decide(ANALYTICS_ONLY).add(loader(), settings(), *requests)


def test_denied_vendor_after_the_decision() -> None:
    [finding] = judge(analytics_only(get(FB_HIT)).build())
    assert (finding.rule, finding.severity, finding.phase) == ("denied-pixel", "error", AFTER)
    assert finding.evidence[0].entry == 2


def test_granted_vendor_is_fine() -> None:
    assert rule_ids(analytics_only(get(AMPLITUDE_BUNDLE), get(GA4_HIT + "&gcs=G111")).build()) == set()


def test_suite_vendor_override_changes_the_verdict() -> None:
    suite = make_suite(vendors={"Facebook Pixel": "analytics"})
    assert rule_ids(analytics_only(get(FB_HIT)).build(), suite) == set()


def test_consent_mode_ping_after_rejection() -> None:
    rejected = Recording().decide(REJECT_ALL).add(get(GA4_HIT + "&gcs=G100&gcd=13p3p3p2p5l1"))
    [finding] = judge(rejected.build())
    assert (finding.rule, finding.severity) == ("denied-pixel", "warning")
    assert "cookieless" in finding.message
    tracked = rejected.snapshot(BEFORE, {"_ga": "GA1.1.555.1700000000"})
    [finding] = judge(tracked.build())
    assert (finding.rule, finding.severity) == ("denied-pixel", "error")
    assert "analytics_storage denied" in finding.message


def test_denied_device_mode_bundle() -> None:
    [finding] = judge(analytics_only(get(AMPLITUDE_BUNDLE), get(BRAZE_BUNDLE)).build())
    assert (finding.rule, finding.severity) == ("denied-destination-loaded", "error")
    assert "Braze Web Mode (Actions)" in finding.message
    assert finding.evidence[0].entry == 3


def test_denied_bundle_after_an_opt_out_denial_is_an_error() -> None:
    # opt-out sites may load everything until the visitor objects; after that a denial binds as in opt-in
    [finding] = judge(analytics_only(get(BRAZE_BUNDLE)).build(), make_suite(consent_model="opt-out"))
    assert (finding.rule, finding.severity) == ("denied-destination-loaded", "error")
    assert "After the visitor objected" in finding.message


def test_bundles_before_an_opt_out_decision_are_not_judged() -> None:
    timeline = Recording().add(loader(), get(BRAZE_BUNDLE), get(AMPLITUDE_BUNDLE)).build()
    assert rule_ids(timeline, make_suite(consent_model="opt-out")) == set()


def test_bundle_without_settings_resolves_through_the_catalog() -> None:
    timeline = (
        Recording().decide(ANALYTICS_ONLY).add(loader(), get(BRAZE_BUNDLE), get(AMPLITUDE_BUNDLE)).build()
    )
    [finding] = judge(timeline)
    assert finding.rule == "denied-destination-loaded"
    assert "Braze" in finding.message and "vendor catalog" in finding.message


def _with(**integrations: Any) -> dict[str, Any]:
    doc = demo_settings()
    doc["integrations"].update(integrations)
    return doc


def test_unmapped_destination_in_settings() -> None:
    timeline = Recording().decide(ANALYTICS_ONLY).add(settings(_with(Hotjar={"siteId": "1"}))).build()
    [finding] = judge(timeline)
    assert (finding.rule, finding.severity, finding.phase) == ("unmapped-destination", "error", None)
    assert '"Hotjar"' in finding.message
    assert finding.evidence[0].entry == 0 and "siteId" in (finding.evidence[0].excerpt or "")


def test_unmapped_destination_is_judged_without_phases() -> None:
    timeline = Recording().add(settings(_with(Hotjar={}))).build()
    assert rule_ids(timeline) == {"unmapped-destination"}
    assert any("only the phase-free rules ran" in note for note in timeline.notes)


def test_suite_mapping_fixes_an_unmapped_destination() -> None:
    timeline = Recording().add(settings(_with(Hotjar={}))).build()
    assert rule_ids(timeline, make_suite(segment={"destinations": {"Hotjar": ["analytics"]}})) == set()


def test_has_unmapped_destinations_flag_without_a_listed_one() -> None:
    doc = demo_settings()
    doc["consentSettings"]["hasUnmappedDestinations"] = True
    [finding] = judge(Recording().add(settings(doc)).build())
    assert finding.rule == "unmapped-destination" and "hasUnmappedDestinations" in finding.message


def test_settings_without_consent_settings() -> None:
    timeline = Recording().add(settings(golden_json("settings_no_consent.json"), "CLASSICKEY")).build()
    findings = judge(timeline)
    assert {f.rule for f in findings} == {"unmapped-destination", "warehouse-exempt"}
    assert sorted(f.message.split('"')[1] for f in findings if f.rule == "unmapped-destination") == [
        "Google Analytics",
        "Mixpanel",
    ]


def test_warehouse_mapped_to_nothing_or_only_to_necessary() -> None:
    unmapped = Recording().add(settings(_with(Snowflake={}))).build()
    [finding] = judge(unmapped)
    assert (finding.rule, finding.severity) == ("warehouse-exempt", "warning")
    necessary = make_suite(segment={"destinations": {"BigQuery": ["necessary"]}})
    [finding] = judge(Recording().add(settings()).build(), necessary)
    assert finding.rule == "warehouse-exempt" and "strictly-necessary" in finding.message
    assert finding.evidence[0].entry is None


def test_warehouse_mapped_to_its_real_uses_is_fine() -> None:
    suite = make_suite(
        segment={"destinations": {"BigQuery": ["analytics", "marketing"], "Redshift": ["C0009"]}}
    )
    assert rule_ids(Recording().add(settings()).build(), suite) == set()


GPC = ("sec-gpc", "1")
OPT_OUT = make_suite(consent_model="opt-out")


def test_gpc_on_an_opt_out_site_denies_advertising_bundles_and_pixels() -> None:
    # no banner decision, but GPC is an explicit denial of advertising (marketing) on an opt-out site
    timeline = Recording().add(
        loader(), settings(), get(AMPLITUDE_BUNDLE, GPC), get(BRAZE_BUNDLE, GPC), get(FB_HIT, GPC), phase=BEFORE
    ).build()
    found = [(f.rule, f.phase, [e.url for e in f.evidence]) for f in judge(timeline, OPT_OUT)]
    assert [(rule, phase) for rule, phase, _ in found if rule != "gpc-ignored"] == [
        ("denied-pixel", BEFORE),
        ("denied-destination-loaded", BEFORE),
    ]
    assert {rule: urls for rule, _, urls in found}["denied-destination-loaded"] == [BRAZE_BUNDLE]
    bundle = next(f for f in judge(timeline, OPT_OUT) if f.rule == "denied-destination-loaded")
    assert "Global Privacy Control" in bundle.message


def test_gpc_is_not_a_denial_on_opt_in_sites_nor_where_a_banner_choice_governs() -> None:
    before = Recording().add(get(f"{FB_HIT}&x=1", GPC), phase=BEFORE)
    accepted = before.decide({"necessary": True, "analytics": True, "marketing": True}, "accept_all").add(
        loader(), settings(), get(BRAZE_BUNDLE, GPC), get(FB_HIT, GPC)
    )
    # before the acceptance GPC governs (the early pixel is denied); after it, the visitor's choice does
    found = {(f.rule, f.phase) for f in judge(accepted.build(), OPT_OUT)}
    assert found == {("denied-pixel", BEFORE), ("gpc-ignored", BEFORE)}
    opt_in = Recording().add(loader(), settings(), get(BRAZE_BUNDLE, GPC), phase=AFTER).build()
    assert "denied-destination-loaded" not in rule_ids(opt_in, make_suite())


def test_a_tag_loaded_after_a_denial_is_a_warning_and_its_hit_an_error() -> None:
    timeline = analytics_only(get("https://connect.facebook.net/en_US/fbevents.js"), get(FB_HIT)).build()
    found = sorted((f.rule, f.severity, f.evidence[0].url) for f in judge(timeline))
    assert found == [
        ("denied-pixel", "error", FB_HIT),
        ("denied-pixel", "warning", "https://connect.facebook.net/en_US/fbevents.js"),
    ]

"""tcf-mismatch, gpp-mismatch, gpc-ignored: a violating and a compliant recording for each."""

from __future__ import annotations

from typing import Any

from timeline_factory import (
    ACCEPT_ALL,
    ANALYTICS_ONLY,
    FB_HIT,
    GA4_HIT,
    REJECT_ALL,
    SITE,
    Recording,
    Req,
    event,
    get,
    make_suite,
    single,
)

from probe.findings import Finding
from probe.rules import build_context, run_rules
from probe.rules.signals import RULES
from probe.suite import Category, Suite
from probe.timeline import AFTER, BEFORE, REVOKED, Timeline

TC_ALL = "COv_eg6Ov_eg6AOADBENAaCgAP_AAH_AACiQAVEUQQoAIQAqIoghAAQgAA"  # purposes 1-10 (iabgpp-es)
TC_NONE = "CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA"  # no purposes (iabgpp-es defaults)
TC_1_2 = "COwxsONOwxsONKpAAAENAdCAAMAAAAAAAAAAAAAAAAAA"  # purposes 1, 2 (iabtcf-java)
GPP_NOT_OPTED_OUT = "DBABLA~BVQqAAAAAgA.QA"  # usnat: Sale/Sharing/TargetedAdvertising = 2, Gpc = 0
GPP_OPTED_OUT_GPC = "DBABLA~BVQVAAAAAUA.YA"  # usnat: all three = 1, Gpc = 1
GPP_OPTED_OUT = "DBABLA~BVQVAAAAAUA"  # the same without the GPC subsection
ADS = "https://ads.example"
GPC = ("sec-gpc", "1")


def findings(timeline: Timeline, suite: Suite | None = None) -> list[Finding]:
    """This family's findings (the registry does not list it yet)."""
    return run_rules(build_context(timeline, suite or make_suite()), RULES)


def rule_ids(timeline: Timeline, suite: Suite | None = None) -> set[str]:
    """The ids of this family's rules that fire."""
    return {f.rule for f in findings(timeline, suite)}


def ad_request(consent: str, *headers: tuple[str, str]) -> Req:
    """An ad request carrying a TC string the IAB way."""
    return get(f"{ADS}/px?gdpr=1&gdpr_consent={consent}", *headers)


def decided(choice: dict[str, bool], *requests: Req, action: str = "choose") -> Recording:
    """Page load, the decision, then ``requests``."""
    return Recording().add(get(f"{SITE}/")).decide(choice, action).add(*requests)


def with_page_signals(timeline: Timeline, signals: dict[str, Any]) -> Timeline:
    """The timeline with page signals, as the evidence reader will set them."""
    timeline.page_signals = signals  # type: ignore[attr-defined]
    return timeline


# --- tcf-mismatch -----------------------------------------------------------------------------------


def test_tcf_consent_after_reject_all() -> None:
    [finding] = findings(decided(REJECT_ALL, ad_request(TC_ALL), action="reject_all").build())
    assert (finding.rule, finding.severity, finding.phase) == ("tcf-mismatch", "error", AFTER)
    assert finding.message == (
        "TC string after the consent decision contradicts the banner choice: it consents to purpose(s) "
        '1, 2, 3, 4, 7, 8, 9, 10 although the visitor denied "analytics" (purposes 8, 9, 10), '
        '"marketing" (purposes 2, 3, 4, 7).'
    )
    [evidence] = finding.evidence
    assert (evidence.entry, evidence.url) == (1, f"{ADS}/px?gdpr=1&gdpr_consent={TC_ALL}")
    assert evidence.excerpt == (
        f"TCF purpose consents [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; query gdpr_consent={TC_ALL}"
    )


def test_tcf_nothing_after_reject_all_is_fine() -> None:
    assert rule_ids(decided(REJECT_ALL, ad_request(TC_NONE)).build()) == set()


def test_tcf_no_purpose_after_accept_all() -> None:
    [finding] = findings(decided(ACCEPT_ALL, ad_request(TC_NONE)).build())
    assert finding.message == (
        "TC string after the consent decision contradicts the banner choice: it consents to none of "
        'purposes 8, 9, 10 although the visitor accepted "analytics"; it consents to none of purposes '
        '2, 3, 4, 7 although the visitor accepted "marketing".'
    )


def test_tcf_everything_after_accept_all_is_fine() -> None:
    assert rule_ids(decided(ACCEPT_ALL, ad_request(TC_ALL)).build()) == set()


def test_tcf_partial_choice_both_ways_in_one_finding() -> None:
    [finding] = findings(decided(ANALYTICS_ONLY, ad_request(TC_1_2)).build())
    assert finding.message == (
        "TC string after the consent decision contradicts the banner choice: it consents to purpose(s) 2 "
        'although the visitor denied "marketing" (purposes 2, 3, 4, 7); it consents to none of purposes '
        '8, 9, 10 although the visitor accepted "analytics".'
    )


def test_tcf_string_in_flight_at_the_click_is_not_judged_once_replaced() -> None:
    timeline = (
        decided(ACCEPT_ALL, ad_request(TC_ALL))
        .revoke(REJECT_ALL)
        .add(ad_request(TC_ALL), ad_request(TC_NONE))
        .snapshot(REVOKED, cookies={"euconsent-v2": TC_NONE})
        .build()
    )
    assert rule_ids(timeline) == set()


def test_tcf_string_the_cmp_never_replaced_after_revoke() -> None:
    timeline = (
        decided(ACCEPT_ALL, ad_request(TC_ALL))
        .revoke(REJECT_ALL)
        .add(ad_request(TC_ALL))
        .snapshot(REVOKED, cookies={"euconsent-v2": TC_ALL})
        .build()
    )
    [finding] = findings(timeline)
    assert (finding.rule, finding.phase) == ("tcf-mismatch", REVOKED)
    consents = "TCF purpose consents [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
    assert [(e.entry, e.excerpt) for e in finding.evidence] == [
        (2, f"{consents}; query gdpr_consent={TC_ALL}"),
        (None, f"end of after-revoke: {consents}; storage cookie euconsent-v2={TC_ALL}"),
    ]


def test_tcf_from_the_page_api() -> None:
    api = {"tcf": {"tcString": TC_ALL, "gdprApplies": True}}
    [finding] = findings(with_page_signals(decided(REJECT_ALL).build(), {AFTER: api}))
    assert finding.rule == "tcf-mismatch"
    assert [(e.entry, e.url, e.excerpt) for e in finding.evidence] == [
        (
            None,
            None,
            "end of after-consent: TCF purpose consents [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; "
            f"page __tcfapi getTCData={TC_ALL}",
        )
    ]


def test_tcf_not_judged_where_gdpr_does_not_apply() -> None:
    by_request = decided(REJECT_ALL, get(f"{ADS}/px?gdpr=0&gdpr_consent={TC_ALL}")).build()
    api = {"tcf": {"tcString": TC_ALL, "gdprApplies": False}}
    by_api = with_page_signals(decided(REJECT_ALL).build(), {AFTER: api})
    assert (rule_ids(by_request), rule_ids(by_api)) == (set(), set())


def test_tcf_before_the_decision_and_undecodable_strings_are_not_judged() -> None:
    timeline = (
        Recording()
        .add(ad_request(TC_ALL))
        .decide(REJECT_ALL)
        .add(ad_request("CPbroken"), ad_request("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA"))
        .build()
    )
    assert rule_ids(timeline) == set()


class MappedCategory(Category):
    """Category with the ``tcf_purposes`` field the suite gains with this feature."""

    tcf_purposes: list[int] = []


def test_tcf_suite_mapping_decides_what_is_judged() -> None:
    suite = make_suite(
        categories={
            "analytics": MappedCategory(segment=["analytics"], tcf_purposes=[8]),
            "marketing": MappedCategory(segment=["marketing"], tcf_purposes=[2]),
        }
    )
    timeline = decided(ANALYTICS_ONLY, ad_request(TC_1_2)).build()
    [finding] = findings(timeline, suite)
    assert finding.message == (
        "TC string after the consent decision contradicts the banner choice: it consents to purpose(s) 2 "
        'although the visitor denied "marketing" (purposes 2); it consents to none of purposes 8 '
        'although the visitor accepted "analytics".'
    )


def test_tcf_suite_without_mapped_categories_is_not_judged() -> None:
    suite = make_suite(
        categories={"analytics": {"segment": ["analytics"]}, "marketing": {"segment": ["marketing"]}},
    )
    suite = suite.model_copy(
        update={"categories": {"necessary": suite.categories["necessary"], "misc": Category(segment=["m"])}}
    )
    timeline = decided({"necessary": True, "misc": False}, ad_request(TC_ALL)).build()
    assert rule_ids(timeline, suite) == set()


# --- gpp-mismatch -----------------------------------------------------------------------------------


def test_gpp_usnat_not_opted_out_after_reject() -> None:
    [finding] = findings(decided(REJECT_ALL, get(f"{ADS}/px?gpp={GPP_NOT_OPTED_OUT}&gpp_sid=7")).build())
    assert (finding.rule, finding.severity, finding.phase) == ("gpp-mismatch", "error", AFTER)
    assert finding.message == (
        "GPP string after the consent decision contradicts the banner choice: "
        'usnat SaleOptOut = 2 (did not opt out) although the visitor denied "marketing"; '
        'usnat SharingOptOut = 2 (did not opt out) although the visitor denied "marketing"; '
        'usnat TargetedAdvertisingOptOut = 2 (did not opt out) although the visitor denied "marketing".'
    )
    assert [(e.entry, e.excerpt) for e in finding.evidence] == [
        (
            1,
            "GPP usnat SaleOptOut=2, SharingOptOut=2, TargetedAdvertisingOptOut=2; "
            f"query gpp={GPP_NOT_OPTED_OUT}",
        )
    ]


def test_gpp_usnat_opted_out_after_reject_is_fine() -> None:
    timeline = decided(REJECT_ALL, get(f"{ADS}/px?gpp={GPP_OPTED_OUT_GPC}")).build()
    assert rule_ids(timeline) == set()


def test_gpp_usnat_opted_out_after_accept_all() -> None:
    [finding] = findings(decided(ACCEPT_ALL, get(f"{ADS}/px?gpp={GPP_OPTED_OUT}")).build())
    assert finding.message.startswith(
        "GPP string after the consent decision contradicts the banner choice: "
        'usnat SaleOptOut = 1 (opted out) although the visitor accepted "marketing"; '
    )


def test_gpp_opt_out_after_accept_is_fine_when_gpc_was_on() -> None:
    in_string = decided(ACCEPT_ALL, get(f"{ADS}/px?gpp={GPP_OPTED_OUT_GPC}")).build()
    by_header = decided(ACCEPT_ALL, get(f"{ADS}/px?gpp={GPP_OPTED_OUT}", GPC)).build()
    assert (rule_ids(in_string), rule_ids(by_header)) == (set(), set())


def test_gpp_not_opted_out_after_accept_all_is_fine() -> None:
    assert rule_ids(decided(ACCEPT_ALL, get(f"{ADS}/px?gpp={GPP_NOT_OPTED_OUT}")).build()) == set()


def test_gpp_tcf_and_uspv1_sections_after_reject() -> None:
    gpp = f"DBACNYA~{TC_ALL}~1YNN"
    [finding] = findings(
        decided(REJECT_ALL, get(f"{SITE}/"), action="reject_all").snapshot(AFTER, {"__gpp": gpp}).build()
    )
    assert finding.message == (
        "GPP string after the consent decision contradicts the banner choice: tcfeuv2: it consents to "
        "purpose(s) 1, 2, 3, 4, 7, 8, 9, 10 although the visitor denied "
        '"analytics" (purposes 8, 9, 10), "marketing" (purposes 2, 3, 4, 7); '
        'uspv1 OptOutSale = N (did not opt out) although the visitor denied "marketing".'
    )
    assert [(e.entry, e.excerpt) for e in finding.evidence] == [
        (
            None,
            "end of after-consent: GPP tcfeuv2 purpose consents [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; uspv1 "
            f"OptOutSale=N; storage cookie __gpp={gpp}",
        )
    ]


def test_us_privacy_string_after_reject() -> None:
    timeline = decided(REJECT_ALL, get(f"{ADS}/px?us_privacy=1YNN"), get(f"{ADS}/ok?us_privacy=1YYN")).build()
    [finding] = findings(timeline)
    assert (finding.rule, finding.message) == (
        "gpp-mismatch",
        "US Privacy string after the consent decision contradicts the choice: "
        'OptOutSale = N (did not opt out) although the visitor denied "marketing".',
    )
    assert [e.entry for e in finding.evidence] == [1]


def test_us_privacy_not_applicable_and_malformed_gpp_are_not_judged() -> None:
    timeline = decided(REJECT_ALL, get(f"{ADS}/a?us_privacy=1---"), get(f"{ADS}/b?gpp=DBACNYA~1YNN")).build()
    assert rule_ids(timeline) == set()


# --- gpc-ignored ------------------------------------------------------------------------------------

OPT_OUT = make_suite(consent_model="opt-out")
MARKETING_GRANTED = {"necessary": True, "analytics": True, "marketing": True}
MARKETING_DENIED = {"necessary": True, "analytics": True, "marketing": False}


def test_gpc_ignored_by_segment_stamp_and_pixel() -> None:
    timeline = (
        Recording("gpc")
        .add(
            get(f"{SITE}/", GPC),
            single(event("page", "Home", MARKETING_GRANTED), headers=(GPC,)),
            get(FB_HIT, GPC),
            phase=BEFORE,
        )
        .build()
    )
    found = findings(timeline, OPT_OUT)
    assert [(f.rule, f.phase, [e.entry for e in f.evidence]) for f in found] == [
        ("gpc-ignored", BEFORE, [1]),
        ("gpc-ignored", BEFORE, [2]),
    ]
    assert found[0].message == (
        "1 Segment event(s) grant advertising (marketing) while the browser signalled Global Privacy "
        "Control (Sec-GPC: 1 on 3 request(s), first HAR entry 0); an opt-out site must treat it as an "
        "opt-out of sale and sharing."
    )
    assert found[1].message == (
        'Facebook Pixel (marketing, CMP category "marketing"): 1 request while the browser signalled '
        "Global Privacy Control (Sec-GPC: 1 on 3 request(s), first HAR entry 0)."
    )
    assert found[1].evidence[0].url == FB_HIT


def test_gpc_honoured_is_fine() -> None:
    timeline = (
        Recording("gpc")
        .add(
            get(f"{SITE}/", GPC),
            single(event("page", "Home", MARKETING_DENIED), headers=(GPC,)),
            get(GA4_HIT + "&gcs=G101", GPC),
            phase=BEFORE,
        )
        .build()
    )
    assert rule_ids(timeline, OPT_OUT) == set()


def test_gpc_from_the_page_api_alone() -> None:
    timeline = Recording("gpc").add(get(f"{SITE}/"), get(FB_HIT), phase=BEFORE).build()
    [finding] = findings(with_page_signals(timeline, {BEFORE: {"gpc": True}}), OPT_OUT)
    assert finding.rule == "gpc-ignored"
    assert "(navigator.globalPrivacyControl === true)" in finding.message


def test_gpc_is_not_judged_on_opt_in_sites_or_without_gpc() -> None:
    with_gpc = Recording().add(get(FB_HIT, GPC), phase=BEFORE).build()
    without = (
        Recording().add(get(FB_HIT), single(event("page", "Home", MARKETING_GRANTED)), phase=BEFORE).build()
    )
    assert (rule_ids(with_gpc, make_suite()), rule_ids(without, OPT_OUT)) == (set(), set())


def test_gpc_then_an_explicit_acceptance_governs_its_phase() -> None:
    timeline = (
        Recording("gpc_then_accept")
        .add(get(FB_HIT, GPC))
        .decide(ACCEPT_ALL, "accept_all")
        .add(get(FB_HIT, GPC), single(event("track", "Bought", ACCEPT_ALL), headers=(GPC,)))
        .build()
    )
    found = findings(timeline, OPT_OUT)
    assert [(f.rule, f.phase, [e.entry for e in f.evidence]) for f in found] == [("gpc-ignored", BEFORE, [0])]

"""segment-before-consent, sdk-before-consent, pixel-before-consent, identifier-before-consent."""

from __future__ import annotations

from dataclasses import replace

from timeline_factory import (
    ACCEPT_ALL,
    API,
    CDN,
    FB_HIT,
    GA4_HIT,
    SITE,
    Recording,
    Req,
    batch,
    compliant_accept_all,
    event,
    get,
    golden,
    judge,
    loader,
    make_suite,
    raw_post,
    rule_ids,
    settings,
    single,
)

from probe.timeline import AFTER, BEFORE


def early_segment() -> Recording:
    """Segment loads and sends a page event before the banner is answered."""
    return (
        Recording()
        .add(get(f"{SITE}/"), loader(), settings(), single(event("page", "Home", None)))
        .decide(ACCEPT_ALL, "accept_all")
        .add(single(event("track", "Product Viewed", ACCEPT_ALL)))
    )


def test_compliant_demo_recording_is_silent() -> None:
    assert rule_ids(compliant_accept_all().build()) == set()


def test_segment_event_before_consent() -> None:
    findings = judge(early_segment().build())
    assert {f.rule for f in findings} == {"segment-before-consent", "sdk-before-consent"}
    [event_finding] = [f for f in findings if f.rule == "segment-before-consent"]
    assert event_finding.severity == "error" and event_finding.phase == BEFORE
    assert [e.entry for e in event_finding.evidence] == [3]
    assert '"type":"page"' in (event_finding.evidence[0].excerpt or "")
    [sdk] = [f for f in findings if f.rule == "sdk-before-consent"]
    assert sdk.severity == "warning"
    assert [e.entry for e in sdk.evidence] == [1, 2]


def test_each_early_request_is_one_finding_and_batches_count_their_events() -> None:
    timeline = (
        Recording()
        .add(single(event("page", "Home", None)), batch([event("track", "A"), event("track", "B")]))
        .decide(ACCEPT_ALL)
        .build()
    )
    findings = [f for f in judge(timeline) if f.rule == "segment-before-consent"]
    assert [f.evidence[0].entry for f in findings] == [0, 1]
    assert "2 event(s)" in findings[1].message


def test_event_created_before_consent_but_sent_after_is_fine() -> None:
    buffered = event("track", "Buffered", ACCEPT_ALL, timestamp="2020-01-01T00:00:00Z")
    timeline = Recording().add(get(f"{SITE}/")).decide(ACCEPT_ALL).add(single(buffered)).build()
    assert rule_ids(timeline) == set()


def test_recorded_phase_tag_wins_over_wire_time() -> None:
    timeline = (
        Recording().decide(ACCEPT_ALL).add(single(event("page", "Home", ACCEPT_ALL)), phase=BEFORE).build()
    )
    assert rule_ids(timeline) == {"segment-before-consent"}


def test_opt_out_suites_allow_pre_decision_traffic() -> None:
    timeline = (
        early_segment().add(get(FB_HIT), phase=BEFORE).snapshot(BEFORE, {"ajs_anonymous_id": "a"}).build()
    )
    assert rule_ids(timeline, make_suite(consent_model="opt-out")) == set()


def test_unparseable_event_before_consent_still_counts() -> None:
    timeline = Recording().add(raw_post(f"{API}/t", golden("malformed.txt"))).decide(ACCEPT_ALL).build()
    [finding] = judge(timeline)
    assert finding.rule == "segment-before-consent"
    assert "malformed JSON" in finding.message
    assert any("unparseable" in note for note in timeline.notes)


def test_sdk_loaded_before_consent_without_events() -> None:
    timeline = (
        Recording()
        .add(loader(), settings())
        .decide(ACCEPT_ALL)
        .add(single(event("page", "Home", ACCEPT_ALL)))
    )
    assert rule_ids(timeline.build()) == {"sdk-before-consent"}


def test_consent_manager_destination_list_before_consent_is_allowed() -> None:
    timeline = Recording().add(get(f"{CDN}/v1/projects/DEMOWRITEKEY/integrations")).decide(ACCEPT_ALL).build()
    assert rule_ids(timeline) == set()


def test_pixel_before_consent() -> None:
    timeline = Recording().add(get(f"{SITE}/"), get(FB_HIT), get(FB_HIT)).decide(ACCEPT_ALL).build()
    [finding] = judge(timeline)
    assert (finding.rule, finding.severity, finding.phase) == ("pixel-before-consent", "error", BEFORE)
    assert "Facebook Pixel" in finding.message and "2 requests" in finding.message
    assert [e.entry for e in finding.evidence] == [1, 2]


def test_pixel_of_a_required_category_may_load_before_consent() -> None:
    suite = make_suite(vendors={"Intercom": "necessary"})
    timeline = Recording().add(get("https://widget.intercom.io/widget/abc")).decide(ACCEPT_ALL).build()
    assert rule_ids(timeline, suite) == set()


def test_vendor_no_cmp_category_governs_is_a_warning_before_consent() -> None:
    timeline = Recording().add(get("https://widget.intercom.io/widget/abc")).decide(ACCEPT_ALL).build()
    [finding] = judge(timeline)
    assert (finding.rule, finding.severity) == ("pixel-before-consent", "warning")
    assert "suite.vendors" in finding.message


def test_consent_mode_cookieless_ping_before_consent_is_a_warning() -> None:
    ping = Recording().add(get(GA4_HIT + "&gcs=G100")).decide(ACCEPT_ALL).build()
    [finding] = judge(ping)
    assert (finding.rule, finding.severity) == ("pixel-before-consent", "warning")
    assert "cookieless" in finding.message
    identified = (
        Recording()
        .add(get(GA4_HIT + "&gcs=G100"))
        .snapshot(AFTER, {"_ga": "GA1.1.555.1700000000"})
        .decide(ACCEPT_ALL)
    )
    [finding] = judge(identified.build())
    assert (finding.rule, finding.severity) == ("pixel-before-consent", "error")
    assert "cid=555.1700000000" in finding.message


def test_identifier_in_the_before_consent_snapshot() -> None:
    timeline = (
        Recording()
        .add(get(f"{SITE}/"))
        .snapshot(BEFORE, local={"ajs_anonymous_id": '"0d7f2c1e"'})
        .decide(ACCEPT_ALL)
        .build()
    )
    [finding] = judge(timeline)
    assert (finding.rule, finding.phase) == ("identifier-before-consent", BEFORE)
    assert finding.evidence[0].entry is None
    assert "ajs_anonymous_id" in (finding.evidence[0].excerpt or "")


def test_identifier_in_headers_of_before_consent_requests() -> None:
    timeline = (
        Recording()
        .add(
            get(f"{SITE}/", response_headers=(("set-cookie", "ajs_anonymous_id=abc; Path=/"),)),
            get(f"{SITE}/products", ("cookie", "ajs_anonymous_id=abc")),
        )
        .decide(ACCEPT_ALL)
        .build()
    )
    [finding] = judge(timeline)
    assert finding.rule == "identifier-before-consent"
    assert [e.entry for e in finding.evidence] == [0, 1]


def test_identifiers_after_consent_or_empty_ones_are_fine() -> None:
    timeline = (
        Recording()
        .add(get(f"{SITE}/", response_headers=(("set-cookie", "ajs_user_id=; Max-Age=0"),)))
        .snapshot(BEFORE, {"ajs_user_id": "null"}, {"ajs_user_id": "null"})
        .decide(ACCEPT_ALL)
        .add(get(f"{SITE}/products", ("cookie", "ajs_anonymous_id=abc")))
        .snapshot(AFTER, {"ajs_anonymous_id": "abc"})
        .build()
    )
    assert rule_ids(timeline) == set()


def test_requests_refused_offline_still_count_and_say_so() -> None:
    timeline = Recording().add(get(FB_HIT)).decide(ACCEPT_ALL).build()
    timeline.entries[0] = replace(timeline.entries[0], blocked=True)
    [finding] = judge(timeline)
    assert finding.rule == "pixel-before-consent"
    assert (finding.evidence[0].excerpt or "").startswith("[refused by the offline proxy]")


def preflight(url: str) -> Req:
    """The CORS preflight analytics-next's POST needs (Authorization makes it non-simple)."""
    return Req("OPTIONS", url, (("access-control-request-method", "POST"), ("origin", SITE)), status=204)


def test_request_preflighted_before_the_click_counts_as_before_consent() -> None:
    # The page asked for the POST before the click; the browser sent it only after the preflight's answer.
    timeline = (
        Recording()
        .add(get(f"{SITE}/"), loader(), settings(), preflight(f"{API}/p"))
        .decide(ACCEPT_ALL, "accept_all")
        .add(single(event("page", "Home", ACCEPT_ALL)))
        .build()
    )
    found = [f for f in judge(timeline) if f.rule == "segment-before-consent"]
    assert [(f.phase, [e.entry for e in f.evidence]) for f in found] == [("before-consent", [4])]


def test_request_preflighted_after_the_click_is_fine() -> None:
    timeline = (
        Recording()
        .add(get(f"{SITE}/"))
        .decide(ACCEPT_ALL, "accept_all")
        .add(loader(), settings(), preflight(f"{API}/p"), single(event("page", "Home", ACCEPT_ALL)))
        .build()
    )
    assert rule_ids(timeline) == set()

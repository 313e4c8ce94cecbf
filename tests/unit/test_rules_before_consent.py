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
    consent_updated,
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

from probe.rules.context import PREFLIGHT_LAG, preflights
from probe.timeline import AFTER, BEFORE, Entry


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


# -- loaders (tags, SDKs, containers) and collectors (data) of vendors before the decision ----------------


def test_a_vendor_tag_loaded_before_consent_is_a_warning_and_its_data_an_error() -> None:
    timeline = (
        Recording()
        .add(
            get(f"{SITE}/"),
            get("https://www.googletagmanager.com/gtm.js?id=GTM-AB12"),
            get("https://connect.facebook.net/en_US/fbevents.js"),
            get(FB_HIT),
        )
        .decide(ACCEPT_ALL)
        .build()
    )
    found = [(f.severity, [e.entry for e in f.evidence], f.message) for f in judge(timeline)]
    assert [(severity, entries) for severity, entries, _ in found] == [
        ("warning", [1]),
        ("warning", [2]),
        ("error", [3]),
    ]
    assert found[0][2].startswith(
        'Google Tag Manager (marketing, CMP category "marketing"): 1 request before'
    )
    assert "tag, SDK or container was loaded" in found[0][2]
    assert (
        found[2][2]
        == 'Facebook Pixel (marketing, CMP category "marketing"): 1 request before the consent decision.'
    )


def test_a_loader_of_a_category_the_suite_does_not_map_stays_a_warning() -> None:
    timeline = Recording().add(get("https://widget.intercom.io/widget/abc")).decide(ACCEPT_ALL).build()
    [finding] = judge(timeline)
    assert (finding.rule, finding.severity) == ("pixel-before-consent", "warning")


def test_loaders_after_consent_or_of_required_categories_are_fine() -> None:
    suite = make_suite(vendors={"Google Tag Manager": "necessary"})
    timeline = (
        Recording()
        .add(get("https://www.googletagmanager.com/gtm.js?id=GTM-AB12"))
        .decide(ACCEPT_ALL)
        .add(get("https://connect.facebook.net/en_US/fbevents.js"))
        .build()
    )
    assert rule_ids(timeline, suite) == set()


# -- ingestion requests whose body the recording does not hold -------------------------------------------


def test_segment_request_without_its_body_still_counts_and_says_why() -> None:
    timeline = (
        Recording()
        .add(get(f"{SITE}/"), loader(), Req("POST", f"{SITE}/seg/v1/t", (("content-type", "text/plain"),)))
        .decide(ACCEPT_ALL)
        .build()
    )
    [finding] = [f for f in judge(timeline) if f.rule == "segment-before-consent"]
    assert [e.entry for e in finding.evidence] == [2]
    assert finding.message == (
        "A Segment ingestion request was sent before the consent decision (body not captured in the recording, "
        "so its events cannot be read). It counts as Segment ingestion by its path /seg/v1/t and analytics.js "
        "loaded (entry 1)."
    )


def test_segment_host_request_without_its_body_needs_no_sign() -> None:
    timeline = Recording().add(Req("POST", f"{API}/track")).decide(ACCEPT_ALL).build()
    [finding] = judge(timeline)
    assert finding.rule == "segment-before-consent"
    assert "(body not captured in the recording, so its events cannot be read)." in finding.message
    assert "It counts as" not in finding.message


def test_first_party_http_api_events_before_consent() -> None:
    body = b'{"anonymousId":"a-1","event":"Order Completed","properties":{}}'
    timeline = (
        Recording()
        .add(get(f"{SITE}/"), raw_post(f"{SITE}/v1/track", body, ("content-type", "application/json")))
        .decide(ACCEPT_ALL)
        .build()
    )
    [finding] = judge(timeline)
    assert finding.rule == "segment-before-consent"
    assert (
        finding.message == "Segment received 1 event(s) before the consent decision: track 'Order Completed'."
    )


# -- CORS preflights: which OPTIONS belongs to which request -----------------------------------------------


def _at(entry: Entry, started: float) -> Entry:
    return replace(entry, started=started)


def _options(index: int, started: float, url: str, asked: str | None = "authorization,content-type") -> Entry:
    headers = [("access-control-request-method", "POST"), ("origin", SITE)]
    if asked is not None:
        headers.append(("access-control-request-headers", asked))
    return Entry(index, started, "OPTIONS", url, tuple(headers))


def _post(index: int, started: float, url: str, *headers: tuple[str, str]) -> Entry:
    sent = headers or (("authorization", "Basic RDo="), ("content-type", "text/plain"), ("origin", SITE))
    return Entry(index, started, "POST", url, tuple(sent), b"{}")


def test_a_request_recorded_just_before_its_own_preflight_gets_it() -> None:
    url = f"{API}/t"
    entries = [
        _post(0, 1.998, url),
        _options(1, 2.000, url),
        _post(2, 8.500, url),
        _options(3, 8.502, url),
        _post(4, 9.300, url),  # the preflight cache answered for it: no preflight of its own
    ]
    assert {r: p.index for r, p in preflights(entries).items()} == {0: 1, 2: 3}


def test_a_preflight_long_after_the_request_is_not_its_own() -> None:
    url = f"{API}/t"
    entries = [_options(0, 1.0, url), _post(1, 5.0, url), _options(2, 5.0 + PREFLIGHT_LAG + 0.01, url)]
    assert {r: p.index for r, p in preflights(entries).items()} == {1: 0}


def test_the_slow_preflight_of_a_live_capture_still_pairs() -> None:
    # through probe's proxy the POST's wire time follows the preflight's answer
    url = f"{API}/t"
    entries = [_options(0, 1.0, url), _post(1, 1.4, url), _post(2, 1.45, url)]
    assert {r: p.index for r, p in preflights(entries).items()} == {1: 0}


def test_preflights_pair_by_url_method_and_headers() -> None:
    url = f"{SITE}/api/cart"
    custom = (("x-cart-token", "t"), ("content-type", "application/json"))
    entries = [
        _options(0, 1.0, url, asked="x-cart-token,content-type"),
        _options(1, 1.001, url, asked="authorization"),
        _post(2, 1.002, url, ("authorization", "Bearer z")),
        _post(3, 1.003, url, *custom),
        _post(4, 1.004, f"{SITE}/api/other", *custom),
        Entry(5, 1.005, "PUT", url, custom),
    ]
    assert {r: p.index for r, p in preflights(entries).items()} == {2: 1, 3: 0}


def test_incomplete_header_records_do_not_rule_a_pair_out() -> None:
    url = f"{API}/t"
    without_asked = [_options(0, 1.0, url, asked=None), _post(1, 1.2, url)]
    provisional = [
        _options(0, 1.0, url),
        _post(1, 1.2, url, ("content-type", "text/plain"), ("user-agent", "x")),
    ]
    browser_added = [
        _options(0, 1.0, url, asked="authorization"),
        _post(1, 1.2, url, ("authorization", "Basic RDo="), ("pragma", "no-cache"), ("sec-ch-ua", "x")),
    ]
    for entries in (without_asked, provisional, browser_added):
        assert {r: p.index for r, p in preflights(entries).items()} == {1: 0}


def test_an_after_consent_event_is_not_cited_through_an_older_preflight() -> None:
    url = f"{API}/t"
    early = single(event("track", "Product Viewed", None))
    later = single(consent_updated(ACCEPT_ALL))
    recording = (
        Recording().add(get(f"{SITE}/"), early, preflight(url)).decide(ACCEPT_ALL).add(later, preflight(url))
    )
    timeline = recording.build()
    # DevTools' stamps: each POST 2 ms before its preflight
    for post_index, options_index in ((1, 2), (3, 4)):
        timeline.entries[post_index] = _at(
            timeline.entries[post_index], timeline.entries[options_index].started - 0.002
        )
    found = [f for f in judge(timeline) if f.rule == "segment-before-consent"]
    assert [[e.entry for e in f.evidence] for f in found] == [[1]]

"""unclassified-third-party."""

from __future__ import annotations

from dataclasses import replace

from timeline_factory import ACCEPT_ALL, SITE, Recording, get, judge, make_suite, rule_ids

UNKNOWN = "https://widgets.unknown-vendor.example/w.js"


def test_unknown_third_party_is_reported_as_info() -> None:
    timeline = (
        Recording().add(get(f"{SITE}/"), get(UNKNOWN)).decide(ACCEPT_ALL).add(get(UNKNOWN + "?x=1")).build()
    )
    [finding] = judge(timeline)
    assert (finding.rule, finding.severity) == ("unclassified-third-party", "info")
    assert "widgets.unknown-vendor.example received 2 request(s)" in finding.message
    assert [e.entry for e in finding.evidence] == [1, 2]


def test_known_hosts_are_not_reported() -> None:
    timeline = (
        Recording()
        .add(
            get(f"{SITE}/"),
            get("https://static.shop.test/app.js"),
            get("https://cdn.cookielaw.org/scripttemplates/otSDKStub.js"),
            get("https://update.googleapis.com/service/update2/json"),
            get("https://cdn.segment.com/analytics.js/v1/DEMOWRITEKEY/analytics.min.js"),
        )
        .decide(ACCEPT_ALL)
        .build()
    )
    assert rule_ids(timeline) == {"sdk-before-consent"}


def test_suite_hosts_and_noise_flag_are_respected() -> None:
    timeline = Recording().add(get("https://collect.partner.example/x"), get(UNKNOWN)).build()
    noisy = replace(timeline, entries=[timeline.entries[0], replace(timeline.entries[1], noise=True)])
    assert rule_ids(noisy, make_suite(segment={"hosts": ["collect.partner.example"]})) == set()


def test_runs_without_phase_information() -> None:
    timeline = Recording().add(get(UNKNOWN)).build()
    [finding] = judge(timeline)
    assert finding.rule == "unclassified-third-party" and finding.phase is None
    assert not timeline.has_phases


# -- first party from the recording: the pages visited, else whom the requests name ----------------------

DOCUMENT = (("accept", "text/html,application/xhtml+xml"), ("sec-fetch-dest", "document"))


def _hosts(timeline_findings: list[str]) -> list[str]:
    return [m.split(" received ")[0] for m in timeline_findings]


def test_the_pages_visited_are_the_first_party_whatever_the_suite_guessed() -> None:
    # a foreign HAR judged without --suite: the guessed suite starts at its first entry, a CDN image
    guessed = make_suite(start_url="https://images.cdn-provider.example/hero.jpg", pages=[])
    timeline = (
        Recording()
        .add(
            get("https://images.cdn-provider.example/hero.jpg"),
            get("https://www.real-shop.example/", *DOCUMENT),
            get("https://static.real-shop.example/app.js", ("referer", "https://www.real-shop.example/")),
            get("https://api.real-shop.example/cart", ("origin", "https://www.real-shop.example")),
        )
        .build()
    )
    found = judge(timeline, guessed)
    assert _hosts([f.message for f in found]) == ["images.cdn-provider.example"]


def test_without_documents_the_origin_and_referer_name_the_site() -> None:
    guessed = make_suite(start_url="https://shavar.services.mozilla.com/downloads", pages=[])
    timeline = (
        Recording()
        .add(
            get("https://img.cdn-provider.example/a.jpg", ("referer", "https://www.real-shop.example/p/1")),
            get("https://api.real-shop.example/cart", ("origin", "https://www.real-shop.example")),
            get("https://www.real-shop.example/api/stock", ("referer", "https://www.real-shop.example/p/1")),
        )
        .build()
    )
    assert _hosts([f.message for f in judge(timeline, guessed)]) == ["img.cdn-provider.example"]


def test_a_recording_that_names_no_page_falls_back_to_the_suite() -> None:
    timeline = Recording().add(get("https://static.shop.test/app.js"), get(UNKNOWN)).build()
    assert _hosts([f.message for f in judge(timeline)]) == ["widgets.unknown-vendor.example"]


def test_browser_noise_never_names_the_site() -> None:
    timeline = (
        Recording()
        .add(
            get("https://detectportal.firefox.com/canonical.html", ("accept", "text/html")),
            get("https://www.real-shop.example/", *DOCUMENT),
            get("https://cdn.real-shop.example/a.css"),
        )
        .build()
    )
    assert judge(timeline, make_suite(start_url="https://detectportal.firefox.com/", pages=[])) == []

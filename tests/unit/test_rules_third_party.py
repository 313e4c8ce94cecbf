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

"""Google Consent Mode parameters on GA4 / Ads hits."""

from __future__ import annotations

import pytest
from timeline_factory import GA4_HIT, Recording, get

from probe.rules.consent_mode import ga_client_ids, google_identifier, judge_ping, read_signal
from probe.timeline import AFTER, Entry


def hit(url: str, *headers: tuple[str, str]) -> Entry:
    return Entry(index=0, started=0.0, method="GET", url=url, request_headers=headers)


@pytest.mark.parametrize(
    ("query", "ad", "analytics"),
    [
        ("gcs=G100", False, False),
        ("gcs=G110", True, False),
        ("gcs=G101", False, True),
        ("gcs=G111", True, True),
        ("gcs=G1-0", None, False),
        ("gcd=13p3p3p2p5l1", False, False),
        ("gcd=13r3r3r2r5l1", True, True),
        ("gcd=13v3q3v2v5l1", True, False),
        ("gcd=13l3l3l2l5l1", None, None),
        ("gcd=13r3r3r2r5l1&gcs=G100", False, False),
    ],
)
def test_signal_parsing(query: str, ad: bool | None, analytics: bool | None) -> None:
    signal = read_signal(hit(f"https://region1.google-analytics.com/g/collect?v=2&{query}"))
    assert signal is not None
    assert (signal.storage.get("ad_storage"), signal.storage.get("analytics_storage")) == (ad, analytics)


def test_hits_without_consent_mode() -> None:
    assert read_signal(hit("https://region1.google-analytics.com/g/collect?v=2")) is None
    assert read_signal(hit("https://region1.google-analytics.com/g/collect?gcs=bogus")) is None
    assert judge_ping(hit(GA4_HIT), "analytics_storage", set()) is None
    assert judge_ping(hit(GA4_HIT + "&gcs=G111"), "analytics_storage", set()) is None
    assert judge_ping(hit(GA4_HIT + "&gcs=G100"), None, set()) is None


def test_cookieless_ping_versus_identified_hit() -> None:
    denied = GA4_HIT + "&gcs=G100"
    verdict = judge_ping(hit(denied), "analytics_storage", set())
    assert verdict is not None and verdict.cookieless
    identified = judge_ping(hit(denied), "analytics_storage", {"555.1700000000"})
    assert identified is not None and not identified.cookieless and "cid=555.1700000000" in identified.detail
    with_cookie = judge_ping(hit(denied, ("cookie", "_gcl_au=1.1.99")), "analytics_storage", set())
    assert with_cookie is not None and not with_cookie.cookieless
    assert google_identifier(hit(denied + "&uid=u-1"), set()) == "uid=u-1"


def test_client_ids_from_snapshots_and_headers() -> None:
    timeline = (
        Recording()
        .add(get("https://shop.test/", ("cookie", "_ga=GA1.1.111.222")))
        .snapshot(AFTER, cookies={"_ga": "GA1.2.333.444", "_ga_ABC": "GS1.1.x"})
        .build()
    )
    assert ga_client_ids(timeline, timeline.entries) == {"111.222", "333.444"}

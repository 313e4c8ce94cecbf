"""The vendor catalog (data) and its matcher; first-party hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.catalog import (
    Catalog,
    CatalogError,
    FirstParty,
    Vendor,
    load_catalog,
    parse_catalog,
    registrable_domain,
)

CATALOG = load_catalog()


def test_catalog_has_the_required_vendors_with_valid_categories() -> None:
    names = {v.name for v in CATALOG.vendors}
    assert len(names) >= 25
    for wanted in (
        "Facebook Pixel",
        "Google Analytics",
        "Google Ads",
        "Google DoubleClick Floodlight",
        "TikTok Pixel",
        "Pinterest Tag",
        "LinkedIn Insight Tag",
        "Snap Pixel",
        "Microsoft Bing UET",
        "Reddit Pixel",
        "X (Twitter) Pixel",
        "Quora Pixel",
        "Criteo",
        "Taboola",
        "Outbrain",
        "Hotjar",
        "FullStory",
        "Amplitude",
        "Mixpanel",
        "Heap",
        "Braze",
        "Customer.io",
        "Intercom",
        "HubSpot",
    ):
        assert wanted in names
    assert {v.category for v in CATALOG.vendors} <= {"analytics", "marketing", "functional"}


@pytest.mark.parametrize(
    ("url", "vendor"),
    [
        ("https://connect.facebook.net/en_US/fbevents.js", "Facebook Pixel"),
        ("https://www.facebook.com/tr/?id=1&ev=PageView", "Facebook Pixel"),
        ("https://www.facebook.com/login", None),
        ("https://region1.google-analytics.com/g/collect?v=2&tid=G-1", "Google Analytics"),
        ("https://www.google-analytics.com/collect?v=1&tid=UA-1", "Google Analytics"),
        ("https://www.googletagmanager.com/gtag/js?id=G-DEMO", "Google Analytics"),
        ("https://www.googletagmanager.com/gtag/js?id=AW-123", "Google Ads"),
        ("https://www.googletagmanager.com/gtag/js?id=DC-123", "Google DoubleClick Floodlight"),
        ("https://www.googletagmanager.com/gtm.js?id=GTM-1", "Google Tag Manager"),
        ("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/", "Google Ads"),
        ("https://ad.doubleclick.net/activity;src=1", "Google DoubleClick Floodlight"),
        ("https://stats.g.doubleclick.net/g/collect?v=2", "Google Analytics"),
        ("https://www.google.com/pagead/1p-user-list/1/", "Google Ads"),
        ("https://www.google.com/search?q=x", None),
        ("https://analytics.tiktok.com/i18n/pixel/events.js", "TikTok Pixel"),
        ("https://ct.pinterest.com/v3/?tid=1", "Pinterest Tag"),
        ("https://px.ads.linkedin.com/collect/?pid=1", "LinkedIn Insight Tag"),
        ("https://tr.snapchat.com/p", "Snap Pixel"),
        ("https://bat.bing.com/action/0?ti=1", "Microsoft Bing UET"),
        ("https://alb.reddit.com/rp.gif", "Reddit Pixel"),
        ("https://t.co/i/adsct?txn_id=1", "X (Twitter) Pixel"),
        ("https://t.co/abc", None),
        ("https://q.quora.com/_/ad/1/pixel", "Quora Pixel"),
        ("https://static.criteo.net/js/ld/ld.js", "Criteo"),
        ("https://trc.taboola.com/1/log/3/unip", "Taboola"),
        ("https://tr.outbrain.com/unifiedPixel", "Outbrain"),
        ("https://static.hotjar.com/c/hotjar-1.js", "Hotjar"),
        ("https://edge.fullstory.com/s/fs.js", "FullStory"),
        ("https://api2.amplitude.com/2/httpapi", "Amplitude"),
        ("https://api-js.mixpanel.com/track/", "Mixpanel"),
        ("https://cdn.heapanalytics.com/js/heap-1.js", "Heap"),
        ("https://sdk.iad-01.braze.com/api/v3/data/", "Braze"),
        ("https://track.customer.io/events/v1/track", "Customer.io"),
        ("https://widget.intercom.io/widget/abc", "Intercom"),
        ("https://js.hs-scripts.com/1.js", "HubSpot"),
        ("https://shop.test/", None),
        ("data:image/png;base64,AAAA", None),
    ],
)
def test_urls_match_vendors(url: str, vendor: str | None) -> None:
    found = CATALOG.match(url)
    assert (found.name if found else None) == vendor


def _vendor(catalog: Catalog, name: str) -> Vendor:
    vendor = catalog.vendor(name)
    assert vendor is not None
    return vendor


def test_google_tags_know_their_consent_mode_storage() -> None:
    assert _vendor(CATALOG, "Google Analytics").consent_mode == "analytics_storage"
    assert _vendor(CATALOG, "google ads").consent_mode == "ad_storage"
    assert _vendor(CATALOG, "Facebook Pixel").consent_mode is None
    assert CATALOG.vendor("Nope") is None


def test_segment_destination_names_and_bundle_dirs_resolve_to_vendors() -> None:
    def name(*names: str) -> str | None:
        vendor = CATALOG.for_segment(names)
        return vendor.name if vendor else None

    assert name("Actions Amplitude") == "Amplitude"
    assert name("amplitude-plugins") == "Amplitude"
    assert name("Braze Web Mode (Actions)") == "Braze"
    assert name("google-analytics-4-web") == "Google Analytics"
    assert name("Facebook Pixel") == "Facebook Pixel"
    assert name("some-unknown-dir") is None


def test_infrastructure_and_browser_noise() -> None:
    assert CATALOG.infrastructure_name("cdn.cookielaw.org") == "OneTrust"
    assert CATALOG.infrastructure_name("consent.cookiebot.com") == "Cookiebot"
    assert CATALOG.infrastructure_name("shop.test") is None
    assert CATALOG.is_browser_noise("update.googleapis.com")
    assert not CATALOG.is_browser_noise("www.googleapis.com")


def test_invalid_catalogs_are_refused_with_the_source_named() -> None:
    with pytest.raises(CatalogError, match="custom.yaml"):
        parse_catalog(
            "format: probe-catalog/1\nvendors: [{name: X, category: spying, match: [{host: x}]}]",
            "custom.yaml",
        )
    with pytest.raises(CatalogError):
        parse_catalog(
            "format: probe-catalog/1\n"
            "vendors: [{name: X, category: analytics, match: [{host: x, path: '('}]}]"
        )
    with pytest.raises(CatalogError):
        load_catalog("/nonexistent/vendors.yaml")


def test_a_custom_catalog_file(tmp_path: Path) -> None:
    path = tmp_path / "vendors.yaml"
    path.write_text(
        "format: probe-catalog/1\n"
        "vendors:\n  - {name: Acme, category: functional, match: [{host: acme.test}]}\n"
    )
    custom = load_catalog(path)
    assert custom.match("https://cdn.acme.test/a.js") == _vendor(custom, "Acme")
    assert custom.match("https://acme.test.example/") is None


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("shop.test", "shop.test"),
        ("proxy.shop.test", "shop.test"),
        ("www.shop.example.co.uk", "example.co.uk"),
        ("a.b.c.example.com", "example.com"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("my-app.vercel.app", "my-app.vercel.app"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_first_party_covers_the_registrable_domain_only() -> None:
    first = FirstParty.from_urls(["https://www.shop.test/", "http://127.0.0.1:8080/x"])
    assert "www.shop.test" in first
    assert "static.shop.test" in first
    assert "shop.test" in first
    assert "127.0.0.1" in first
    assert "127.0.0.2" not in first
    assert "notshop.test" not in first
    assert "shop.test.evil.example" not in first

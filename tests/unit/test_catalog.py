"""The vendor catalog (data) and its matcher; first-party hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.catalog import (
    Catalog,
    CatalogError,
    FirstParty,
    Vendor,
    is_page_document,
    load_catalog,
    parse_catalog,
    registrable_domain,
    site_hosts,
)
from probe.timeline import Entry

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


# -- what a request does for its vendor: load its code (loader) or send data (collector) -----------------


@pytest.mark.parametrize(
    ("url", "vendor", "category", "kind"),
    [
        # Google Ads conversions on Google's own hosts, the visitor's country included
        (
            "https://www.google.com/measurement/conversion/?cv=11&tid=AW-1&en=page_view",
            "Google Ads",
            "marketing",
            "collector",
        ),
        ("https://www.google.de/measurement/1p-conversion/?tid=AW-1", "Google Ads", "marketing", "collector"),
        ("https://www.google.co.uk/pagead/1p-conversion/1/", "Google Ads", "marketing", "collector"),
        ("https://www.googleadservices.com/pagead/conversion_async.js", "Google Ads", "marketing", "loader"),
        (
            "https://www.googleadservices.com/pagead/conversion/1/?label=x",
            "Google Ads",
            "marketing",
            "collector",
        ),
        ("https://www.googletagmanager.com/gtag/js?id=AW-1", "Google Ads", "marketing", "loader"),
        # tag containers and Google's other tags
        ("https://www.googletagmanager.com/gtm.js?id=GTM-AB12", "Google Tag Manager", "marketing", "loader"),
        ("https://www.googletagmanager.com/ns.html?id=GTM-AB12", "Google Tag Manager", "marketing", "loader"),
        ("https://www.googletagmanager.com/gtag/js?id=GT-AB12", "Google Tag Manager", "marketing", "loader"),
        (
            "https://www.googletagmanager.com/td?id=GTM-AB12&v=3",
            "Google Tag Manager",
            "marketing",
            "collector",
        ),
        ("https://www.googletagmanager.com/gtag/js?id=G-1", "Google Analytics", "analytics", "loader"),
        ("https://www.google-analytics.com/analytics.js", "Google Analytics", "analytics", "loader"),
        (
            "https://region1.google-analytics.com/g/collect?v=2&tid=G-1",
            "Google Analytics",
            "analytics",
            "collector",
        ),
        (
            "https://www.googletagmanager.com/gtag/js?id=DC-1",
            "Google DoubleClick Floodlight",
            "marketing",
            "loader",
        ),
        # Facebook: the SDK and the pixel's code are loaders, /tr sends the event
        ("https://connect.facebook.net/en_US/sdk.js", "Facebook Pixel", "marketing", "loader"),
        ("https://connect.facebook.net/en_US/fbevents.js", "Facebook Pixel", "marketing", "loader"),
        ("https://connect.facebook.net/signals/config/123?v=2.9", "Facebook Pixel", "marketing", "loader"),
        ("https://www.facebook.com/tr/?id=1&ev=PageView", "Facebook Pixel", "marketing", "collector"),
        # Marketo (new)
        ("https://munchkin.marketo.net/munchkin.js", "Marketo", "marketing", "loader"),
        ("https://munchkin.marketo.net/164/munchkin.js", "Marketo", "marketing", "loader"),
        ("https://app-ab12.marketo.com/js/forms2/js/forms2.min.js", "Marketo", "marketing", "loader"),
        (
            "https://123-abc-456.mktoresp.com/webevents/visitWebPage?_mchId=123-ABC-456",
            "Marketo",
            "marketing",
            "collector",
        ),
        ("https://app-ab12.marketo.com/index.php/leadCapture/save2", "Marketo", "marketing", "collector"),
        # New Relic browser monitoring (new)
        ("https://js-agent.newrelic.com/nr-loader-spa-1.290.0.min.js", "New Relic", "analytics", "loader"),
        ("https://bam.nr-data.net/1/NRJS-abc?a=1&v=1.290.0", "New Relic", "analytics", "collector"),
        ("https://bam-cell.nr-data.net/events/1/NRJS-abc?a=1", "New Relic", "analytics", "collector"),
        # Hotjar
        ("https://static.hotjar.com/c/hotjar-3456789.js?sv=7", "Hotjar", "analytics", "loader"),
        ("https://script.hotjar.com/modules.1a2b3c.js", "Hotjar", "analytics", "loader"),
        ("https://in.hotjar.com/api/v2/client/sites/1/visit-data", "Hotjar", "analytics", "collector"),
        ("https://content.hotjar.io/?site_id=1", "Hotjar", "analytics", "collector"),
        # Microsoft Clarity
        ("https://www.clarity.ms/tag/abcd1234ef", "Microsoft Clarity", "analytics", "loader"),
        ("https://scripts.clarity.ms/0.8.9/clarity.js", "Microsoft Clarity", "analytics", "loader"),
        ("https://y.clarity.ms/collect", "Microsoft Clarity", "analytics", "collector"),
        # LinkedIn Insight
        (
            "https://snap.licdn.com/li.lms-analytics/insight.min.js",
            "LinkedIn Insight Tag",
            "marketing",
            "loader",
        ),
        (
            "https://px.ads.linkedin.com/collect/?pid=1&fmt=js",
            "LinkedIn Insight Tag",
            "marketing",
            "collector",
        ),
        # TikTok
        ("https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=C1", "TikTok Pixel", "marketing", "loader"),
        ("https://analytics.tiktok.com/api/v2/pixel", "TikTok Pixel", "marketing", "collector"),
        # Snap
        ("https://sc-static.net/scevent.min.js", "Snap Pixel", "marketing", "loader"),
        ("https://tr.snapchat.com/p", "Snap Pixel", "marketing", "collector"),
        # Reddit
        ("https://www.redditstatic.com/ads/pixel.js", "Reddit Pixel", "marketing", "loader"),
        ("https://pixel-config.reddit.com/pixels/t2_abc/config", "Reddit Pixel", "marketing", "loader"),
        ("https://alb.reddit.com/rp.gif?id=t2_abc&event=PageVisit", "Reddit Pixel", "marketing", "collector"),
        # Pinterest
        ("https://s.pinimg.com/ct/core.js", "Pinterest Tag", "marketing", "loader"),
        ("https://ct.pinterest.com/v3/?tid=1&event=init", "Pinterest Tag", "marketing", "collector"),
        # Bing UET
        ("https://bat.bing.com/bat.js", "Microsoft Bing UET", "marketing", "loader"),
        ("https://bat.bing.com/p/action/187654321.js", "Microsoft Bing UET", "marketing", "loader"),
        ("https://bat.bing.com/action/0?ti=1&evt=pageLoad", "Microsoft Bing UET", "marketing", "collector"),
        # a few more loaders of vendors already known
        ("https://static.ads-twitter.com/uwt.js", "X (Twitter) Pixel", "marketing", "loader"),
        ("https://static.criteo.net/js/ld/ld.js", "Criteo", "marketing", "loader"),
        ("https://cdn.taboola.com/libtrc/unip/1/tfa.js", "Taboola", "marketing", "loader"),
        ("https://js.hs-scripts.com/1.js", "HubSpot", "marketing", "loader"),
        ("https://track.hubspot.com/__ptq.gif?a=1", "HubSpot", "marketing", "collector"),
        ("https://widget.intercom.io/widget/abc", "Intercom", "functional", "loader"),
        ("https://api-iam.intercom.io/messenger/web/ping", "Intercom", "functional", "collector"),
        ("https://mc.yandex.ru/metrika/tag.js", "Yandex Metrica", "analytics", "loader"),
        ("https://mc.yandex.ru/watch/1?page-url=x", "Yandex Metrica", "analytics", "collector"),
    ],
)
def test_vendor_requests_know_their_category_and_kind(
    url: str, vendor: str, category: str, kind: str
) -> None:
    hit = CATALOG.lookup(url)
    assert hit is not None
    assert (hit.vendor.name, hit.vendor.category, hit.kind) == (vendor, category, kind)
    assert CATALOG.is_loader(url) == (kind == "loader")


def test_unknown_urls_are_neither_loader_nor_collector() -> None:
    assert CATALOG.lookup("https://shop.test/app.js") is None
    assert not CATALOG.is_loader("https://shop.test/app.js")
    assert CATALOG.lookup("https://www.google.com/search?q=x") is None
    assert CATALOG.lookup("https://www.google.de/maps") is None


def test_a_pattern_may_list_hosts_and_defaults_to_collector(tmp_path: Path) -> None:
    custom = parse_catalog(
        "format: probe-catalog/1\n"
        "vendors:\n"
        "  - name: Acme\n"
        "    category: marketing\n"
        "    match:\n"
        "      - {host: [acme.test, acme.example], path: ^/tag\\.js$, kind: loader}\n"
        "      - {host: acme.test}\n"
    )
    assert [(p.host, p.kind) for p in custom.patterns] == [
        ("acme.example", "loader"),
        ("acme.test", "loader"),
        ("acme.test", "collector"),
    ]
    assert custom.is_loader("https://cdn.acme.example/tag.js")
    assert not custom.is_loader("https://px.acme.test/p.gif")
    with pytest.raises(CatalogError):
        parse_catalog(
            "format: probe-catalog/1\nvendors: [{name: X, category: analytics, match: [{host: []}]}]"
        )
    with pytest.raises(CatalogError):
        parse_catalog(
            "format: probe-catalog/1\nvendors: [{name: X, category: analytics, match: [{host: x, kind: beacon}]}]"
        )


@pytest.mark.parametrize(
    "host",
    [
        "shavar.services.mozilla.com",
        "firefox.settings.services.mozilla.com",
        "push.services.mozilla.com",
        "location.services.mozilla.com",
        "incoming.telemetry.mozilla.org",
        "content-signature-2.cdn.mozilla.net",
        "detectportal.firefox.com",
        "aus5.mozilla.org",
        "safebrowsingohttpgateway.googleapis.com",
        "edge.microsoft.com",
    ],
)
def test_chromium_and_firefox_background_hosts_are_noise(host: str) -> None:
    assert CATALOG.is_browser_noise(host)


def test_mozilla_sites_themselves_are_not_noise() -> None:
    assert not CATALOG.is_browser_noise("www.mozilla.org")
    assert not CATALOG.is_browser_noise("developer.mozilla.org")


# -- the site's own hosts, from the recording ------------------------------------------------------------


def _entry(index: int, url: str, *headers: tuple[str, str], resource_type: str | None = None) -> Entry:
    return Entry(index, float(index), "GET", url, tuple(headers), resource_type=resource_type)


@pytest.mark.parametrize(
    ("headers", "resource_type", "page"),
    [
        ((("sec-fetch-dest", "document"),), None, True),
        ((("sec-fetch-dest", "iframe"),), "document", False),  # an embedded frame is not the site
        ((), "document", True),  # DevTools without Sec-Fetch headers
        ((("accept", "text/html,application/xhtml+xml"),), None, True),  # Firefox, mitmproxy
        ((("accept", "*/*"),), None, False),
        ((("accept", "application/json, text/html"),), None, False),
        ((), "script", False),
    ],
)
def test_page_documents(headers: tuple[tuple[str, str], ...], resource_type: str | None, page: bool) -> None:
    assert (
        is_page_document(_entry(0, "https://www.shop.test/", *headers, resource_type=resource_type)) is page
    )


def test_site_hosts_come_from_page_documents_in_visit_order() -> None:
    entries = [
        _entry(0, "https://images.cdn.test/hero.jpg", ("referer", "https://www.shop.test/")),
        _entry(1, "https://www.shop.test/", ("sec-fetch-dest", "document")),
        _entry(2, "https://checkout.shop-pay.test/", ("sec-fetch-dest", "document")),
        _entry(3, "https://www.youtube.test/embed/1", ("sec-fetch-dest", "iframe")),
        _entry(4, "https://www.facebook.com/tr?id=1", ("accept", "text/html")),  # a vendor, whatever it asks
        _entry(5, "https://detectportal.firefox.com/canonical.html", ("accept", "text/html")),
    ]
    assert site_hosts(entries, CATALOG) == ["www.shop.test", "checkout.shop-pay.test"]


def test_without_documents_the_most_named_origin_or_referer_is_the_site() -> None:
    entries = [
        _entry(0, "https://img.cdn.test/a.jpg", ("referer", "https://www.shop.test/p/1")),
        _entry(1, "https://api.shop.test/cart", ("origin", "https://www.shop.test")),
        _entry(2, "https://ct.pinterest.com/v3/", ("referer", "https://www.shop.test/")),
        _entry(3, "https://x.test/", ("referer", "https://widget.chat.test/frame")),
        _entry(4, "https://y.test/", ("referer", "https://www.googletagmanager.com/ns.html")),
        _entry(5, "https://z.test/", ("referer", "https://www.googletagmanager.com/ns.html")),
        _entry(6, "https://z.test/", ("referer", "https://www.googletagmanager.com/ns.html")),
    ]
    assert site_hosts(entries, CATALOG) == ["www.shop.test"]
    assert site_hosts([_entry(0, "https://img.cdn.test/a.jpg")], CATALOG) == []


def test_first_party_from_hosts() -> None:
    first = FirstParty.from_hosts(["WWW.Shop.test", ""])
    assert "img.shop.test" in first and "shop.test" in first
    assert first.hosts == frozenset({"www.shop.test"})

"""Which Segment endpoint a request hit."""

from __future__ import annotations

import pytest
from timeline_factory import golden_json

from probe.segment import ApiHost, Endpoints, Kind
from probe.segment.endpoints import is_ingestion_path

TRACK = golden_json("track_next.json")
DEFAULT = Endpoints.build()
WITH_PROXY = Endpoints.build(["proxy.shop.test/ces/v1", "collect.shop.test"])


@pytest.mark.parametrize(
    ("method", "url", "kind"),
    [
        ("POST", "https://api.segment.io/v1/t", Kind.EVENT),
        ("POST", "https://api.segment.io/v1/p", Kind.EVENT),
        ("POST", "https://api.segment.io/v1/i", Kind.EVENT),
        ("POST", "https://api.segment.io/v1/g", Kind.EVENT),
        ("POST", "https://api.segment.io/v1/a", Kind.EVENT),
        ("POST", "https://api.segment.io/v1/s", Kind.EVENT),
        ("POST", "https://api.segment.io/v1/b", Kind.BATCH),
        ("POST", "https://api.segment.io/v1/batch", Kind.BATCH),
        ("POST", "https://api.segment.io/v1/m", Kind.METRICS),
        ("OPTIONS", "https://api.segment.io/v1/t", Kind.PREFLIGHT),
        ("POST", "https://events.eu1.segmentapis.com/v1/t", Kind.EVENT),
        ("GET", "https://cdn.segment.com/analytics.js/v1/DEMOWRITEKEY/analytics.min.js", Kind.LOADER),
        ("GET", "https://cdn.segment.com/analytics.js/v1/DEMOWRITEKEY/analytics.classic.js", Kind.LOADER),
        ("GET", "https://cdn.segment.com/v1/projects/DEMOWRITEKEY/settings", Kind.SETTINGS),
        ("GET", "https://cdn.segment.com/v1/projects/DEMOWRITEKEY/integrations", Kind.DESTINATION_LIST),
        (
            "GET",
            "https://cdn.segment.com/analytics-next/bundles/ajs-destination.bundle.1a2b.js",
            Kind.SDK_BUNDLE,
        ),
        ("GET", "https://cdn.segment.com/next-integrations/actions/braze/9f3e.js", Kind.DEVICE_MODE),
        (
            "GET",
            "https://cdn.segment.com/next-integrations/integrations/google-analytics/3.6.1/google-analytics.dynamic.js.gz",
            Kind.DEVICE_MODE,
        ),
        ("GET", "https://seg.shop.test/v1/projects/DEMOWRITEKEY/settings", Kind.SETTINGS),
        ("POST", "https://api.segmentapis.com/regulations", Kind.PUBLIC_API),
        ("GET", "https://api.segment.io/v1/t", Kind.OTHER),
        ("GET", "https://shop.test/products", None),
        ("POST", "https://shop.test/api/cart", None),
    ],
)
def test_default_classification(method: str, url: str, kind: Kind | None) -> None:
    assert DEFAULT.classify(method, url) == kind


def test_api_host_from_settings_or_suite_makes_a_proxy_an_ingestion_host() -> None:
    assert WITH_PROXY.classify("POST", "https://proxy.shop.test/ces/v1/t") == Kind.EVENT
    assert WITH_PROXY.classify("POST", "https://proxy.shop.test/ces/v1/b") == Kind.BATCH
    assert WITH_PROXY.classify("OPTIONS", "https://proxy.shop.test/ces/v1/p") == Kind.PREFLIGHT
    # the configured prefix must match; a bare suite host accepts any prefix
    assert WITH_PROXY.classify("POST", "https://proxy.shop.test/other/t") is None
    assert WITH_PROXY.classify("POST", "https://collect.shop.test/t") == Kind.EVENT
    assert WITH_PROXY.classify("GET", "https://collect.shop.test/p") is None


def test_first_party_proxy_is_recognised_by_shape() -> None:
    assert DEFAULT.classify("POST", "https://shop.test/ces/v1/t", TRACK) == Kind.EVENT
    assert DEFAULT.classify("POST", "https://shop.test/ces/v1/batch", {"batch": [TRACK]}) == Kind.BATCH
    assert DEFAULT.classify("POST", "https://shop.test/ces/v1/t", {"type": "track"}) is None
    assert DEFAULT.classify("POST", "https://shop.test/ces/v2/t", TRACK) is None


@pytest.mark.parametrize(
    ("value", "host", "prefix"),
    [
        ("api.segment.io/v1", "api.segment.io", "/v1"),
        ("https://Proxy.Shop.test/ces/v1/", "proxy.shop.test", "/ces/v1"),
        ("collect.shop.test:8443", "collect.shop.test", ""),
    ],
)
def test_api_host_parsing(value: str, host: str, prefix: str) -> None:
    assert ApiHost.parse(value) == ApiHost(host, prefix)


def test_empty_api_host_is_ignored() -> None:
    assert ApiHost.parse("  ") is None
    assert Endpoints.build(["", "  "]) == DEFAULT


# -- a first-party proxy on a path of the site's own origin (https://www.shop.test/ingest/v1/...) --------

INGEST = "https://www.shop.test/ingest/v1/"
LETTERS = [(letter, Kind.EVENT) for letter in "tpigas"] + [("b", Kind.BATCH), ("batch", Kind.BATCH)]


def _payload(kind: Kind) -> dict[str, object]:
    return {"batch": [TRACK]} if kind == Kind.BATCH else TRACK


@pytest.mark.parametrize(
    "hosts",
    [
        ["www.shop.test"],  # a bare suite host: any prefix
        ["www.shop.test/ingest/v1"],  # the exact apiHost, as the settings or the suite give it
        ["https://www.shop.test/ingest/"],  # the sink prefix, copied into segment.hosts
    ],
)
@pytest.mark.parametrize(("letter", "kind"), LETTERS)
def test_path_proxy_is_ingestion_through_suite_hosts_without_a_body(
    hosts: list[str], letter: str, kind: Kind
) -> None:
    endpoints = Endpoints.build(hosts)
    assert endpoints.classify("POST", INGEST + letter) == kind
    assert endpoints.classify("OPTIONS", INGEST + letter) == Kind.PREFLIGHT


@pytest.mark.parametrize(("letter", "kind"), LETTERS)
def test_path_proxy_is_ingestion_by_shape_without_suite_hosts(letter: str, kind: Kind) -> None:
    assert DEFAULT.may_need_body("POST", INGEST + letter)
    assert DEFAULT.classify("POST", INGEST + letter, _payload(kind)) == kind
    assert DEFAULT.classify("POST", INGEST + letter) is None  # no Segment body, no suite host: not Segment


def test_a_suite_host_prefix_matches_whole_path_segments_only() -> None:
    endpoints = Endpoints.build(["https://www.shop.test/ingest/"])
    assert endpoints.classify("POST", "https://www.shop.test/ingestion/v1/t") is None
    assert endpoints.classify("POST", "https://www.shop.test.evil.example/ingest/v1/t") is None


def test_ingestion_path_shape() -> None:
    assert all(is_ingestion_path(f"/ingest/v1/{letter}") for letter, _ in LETTERS)
    assert is_ingestion_path("/ingest/t")  # an apiHost without /v1
    assert not is_ingestion_path("/ingest/v1/track")
    assert not is_ingestion_path("/")

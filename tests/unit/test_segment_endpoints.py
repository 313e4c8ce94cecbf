"""Which Segment endpoint a request hit."""

from __future__ import annotations

import pytest
from timeline_factory import golden_json

from probe.segment import ApiHost, Endpoints, Kind
from probe.segment.endpoints import event_type_for_path, is_ingestion_path, is_regulation, wire_call

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


# -- Segment's HTTP Tracking API and Pixel API ------------------------------------------------------------

HTTP_API = [(name, Kind.EVENT) for name in ("track", "identify", "page", "screen", "group", "alias")] + [
    ("batch", Kind.BATCH),
    ("import", Kind.BATCH),
]


@pytest.mark.parametrize(("call", "kind"), HTTP_API)
def test_http_api_paths_on_segment_hosts_need_no_body(call: str, kind: Kind) -> None:
    for host in ("https://api.segment.io", "https://events.eu1.segmentapis.com"):
        assert DEFAULT.classify("POST", f"{host}/v1/{call}") == kind
        assert DEFAULT.classify("OPTIONS", f"{host}/v1/{call}") == Kind.PREFLIGHT
    assert DEFAULT.classify("GET", f"https://api.segment.io/v1/{call}") == Kind.OTHER


@pytest.mark.parametrize("call", ["track", "identify", "page", "screen", "group", "alias"])
def test_pixel_api_gets_are_events(call: str) -> None:
    assert DEFAULT.classify("GET", f"https://api.segment.io/v1/pixel/{call}?data=e30") == Kind.EVENT
    assert DEFAULT.off_host_kind("GET", f"https://www.shop.test/v1/pixel/{call}") == Kind.EVENT
    assert DEFAULT.may_need_body("GET", f"https://www.shop.test/v1/pixel/{call}")


HTTP_BODIES: dict[str, dict[str, object]] = {
    "track": {"anonymousId": "a-1", "event": "Order Completed", "properties": {"total": 9}},
    "identify": {"userId": "u-1", "traits": {"plan": "pro"}},
    "page": {"anonymousId": "a-1", "name": "Home"},
    "screen": {"anonymousId": "a-1", "properties": {"name": "Gallery"}},
    "group": {"userId": "u-1", "groupId": "g-1"},
    "alias": {"userId": "u-1", "previousId": "a-1"},
    "batch": {"batch": [{"type": "track", "userId": "u-1", "event": "A"}]},
    "import": {"batch": [{"type": "identify", "anonymousId": "a-1", "traits": {}}]},
}


@pytest.mark.parametrize(("call", "kind"), HTTP_API)
def test_http_api_bodies_on_any_host_are_ingestion_by_shape(call: str, kind: Kind) -> None:
    url = f"https://www.shop.test/v1/{call}"
    assert DEFAULT.may_need_body("POST", url)
    assert DEFAULT.off_host_kind("POST", url) == kind
    assert DEFAULT.classify("POST", url, HTTP_BODIES[call]) == kind
    assert DEFAULT.classify("POST", url) is None  # no body and no suite host: the path alone is not enough


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/track", {"event": "x"}),  # no anonymousId or userId: not the HTTP API
        ("/v1/track", {"anonymousId": "a-1"}),  # an id but nothing the call is about
        ("/v1/identify", {"anonymousId": "a-1", "event": "x"}),  # the wrong field for identify
        ("/v1/batch", {"batch": [{"event": "x", "userId": "u"}]}),  # batch items must say their type
        ("/v1/track", ["not", "an", "object"]),
        ("/api/track", HTTP_BODIES["track"]),  # not under /v1
        ("/v2/track", HTTP_BODIES["track"]),
    ],
)
def test_bodies_of_other_shapes_are_not_segment(path: str, body: object) -> None:
    assert DEFAULT.classify("POST", f"https://www.shop.test{path}", body) is None


def test_a_write_key_or_a_known_type_with_an_id_is_the_http_api_shape() -> None:
    assert DEFAULT.classify("POST", "https://relay.test/v1/track", {"anonymousId": "a", "writeKey": "K"})
    assert DEFAULT.classify("POST", "https://relay.test/v1/t", {"userId": 7, "type": "page"})


def test_off_host_kind_needs_v1_and_a_post_or_a_pixel_get() -> None:
    assert DEFAULT.off_host_kind("POST", "https://shop.test/ingest/v1/t") == Kind.EVENT
    assert DEFAULT.off_host_kind("POST", "https://shop.test/ingest/v1/m") == Kind.METRICS
    assert DEFAULT.off_host_kind("POST", "https://shop.test/ingest/t") is None
    assert DEFAULT.off_host_kind("GET", "https://shop.test/v1/track") is None
    assert DEFAULT.off_host_kind("OPTIONS", "https://shop.test/v1/track") is None


@pytest.mark.parametrize(
    ("method", "path", "call", "pixel", "event_type"),
    [
        ("POST", "/v1/t", "t", False, "track"),
        ("POST", "/v1/track", "track", False, "track"),
        ("OPTIONS", "/ces/v1/identify", "identify", False, "identify"),
        ("POST", "/v1/import", "import", False, None),
        ("GET", "/v1/pixel/page", "page", True, "page"),
    ],
)
def test_wire_call(method: str, path: str, call: str, pixel: bool, event_type: str | None) -> None:
    found = wire_call(method, path)
    assert found is not None
    assert (found.call, found.pixel, found.event_type) == (call, pixel, event_type)
    assert event_type_for_path(path) == event_type
    assert wire_call("GET", "/v1/track") is None


def test_the_offline_sink_shape_is_still_analytics_js_letters_only() -> None:
    # probe.capture answers these under a prefix sink; the HTTP API's names are for the analysis only
    assert not is_ingestion_path("/v1/import")
    assert not is_ingestion_path("/v1/pixel/track")


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("POST", "https://api.segmentapis.com/regulations", True),
        ("post", "https://API.segmentapis.com/regulations/", True),
        ("POST", "https://eu1.api.segmentapis.com/regulations/sources/src_1", True),
        ("POST", "https://api.segmentapis.com/regulations/cloudsources/src_1?x=1", True),
        ("POST", "https://platform.segmentapis.com/v1beta/workspaces/shop/regulations", True),
        # reading a regulation's status files nothing
        ("GET", "https://api.segmentapis.com/regulations/1qJkfE1tpwvQcklImGksLN629wn", False),
        ("POST", "https://api.segmentapis.com/regulations/sources/src_1/extra", False),
        ("POST", "https://platform.segmentapis.com/regulations", False),
        ("POST", "https://events.eu1.segmentapis.com/regulations", False),
        # the site's own endpoint of that name is not Segment's Privacy API
        ("POST", "https://shop.test/regulations", False),
        ("POST", "https://shop.test/api/regulations", False),
    ],
)
def test_a_regulation_is_a_post_on_the_privacy_api(method: str, url: str, expected: bool) -> None:
    assert is_regulation(method, url) is expected

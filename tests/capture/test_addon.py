"""The capture addon and its offline routing, driven with mitmproxy's own test helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mitmproxy.flow import Error as flow_error
from mitmproxy.test import taddons, tflow, tutils

from probe.capture import NOISE_CONTEXT, Recorder, Router
from probe.capture.routing import GIF_1X1
from probe.suite import Route


def make_flow(
    url: str,
    *,
    method: str = "GET",
    user: str | None = "ctxA",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tflow.HTTPFlow:
    """An HTTPFlow for ``url`` as the browser would send it through the proxy."""
    flow = tflow.tflow()
    flow.request = tutils.treq()
    flow.request.method = method
    flow.request.url = url
    for key, value in (headers or {}).items():
        flow.request.headers[key] = value
    flow.request.content = body
    if user is not None:
        flow.metadata["proxyauth"] = (user, "probe")
    return flow


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<h1>shop</h1>")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "app.js").write_text("console.log('__KEY__')")
    (tmp_path / "secret.txt").write_text("outside")
    return tmp_path


def run(recorder: Recorder, flow: tflow.HTTPFlow) -> tflow.HTTPFlow:
    with taddons.context(recorder):
        recorder.requestheaders(flow)
        recorder.request(flow)
        if flow.response is not None:
            recorder.response(flow)
    return flow


def test_offline_route_serves_folder_index_and_replacements(site: Path) -> None:
    router = Router([Route(url="https://shop.test/", dir=site, replace={"__KEY__": "WK1"})])
    rec = Recorder(router)
    index = run(rec, make_flow("https://shop.test/"))
    script = run(rec, make_flow("https://shop.test/a/app.js?v=1"))
    missing = run(rec, make_flow("https://shop.test/nope.css"))
    assert (index.response.status_code, index.response.content) == (200, b"<h1>shop</h1>")
    assert script.response.content == b"console.log('WK1')"
    assert script.response.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert missing.response.status_code == 404
    assert [f.metadata["probe"]["served"] for f in rec.flows("ctxA")] == ["local", "local", "local"]


def test_route_cannot_escape_its_folder(site: Path) -> None:
    rec = Recorder(Router([Route(url="https://shop.test/a/", dir=site / "a")]))
    flow = run(rec, make_flow("https://shop.test/a/%2e%2e/secret.txt"))
    assert flow.response.status_code == 502
    assert flow.metadata["probe"]["served"] == "blocked"
    assert flow.metadata["probe"]["reason"] == "the path leaves the route's folder"


def test_glob_route_serves_one_file(site: Path) -> None:
    rec = Recorder(
        Router(
            [
                Route(
                    url="https://cdn.segment.com/analytics.js/v1/*/analytics.min.js",
                    file=site / "a" / "app.js",
                )
            ]
        )
    )
    flow = run(rec, make_flow("https://cdn.segment.com/analytics.js/v1/ANYKEY/analytics.min.js"))
    assert flow.response.status_code == 200
    assert flow.response.headers["access-control-allow-origin"] == "*"


def test_segment_ingestion_is_sunk_with_success_json() -> None:
    rec = Recorder(Router())
    flow = run(
        rec,
        make_flow(
            "https://api.segment.io/v1/t",
            method="POST",
            body=b'{"type":"track"}',
            headers={"origin": "https://shop.test"},
        ),
    )
    assert flow.response.status_code == 200
    assert json.loads(flow.response.content) == {"success": True}
    assert flow.response.headers["access-control-allow-origin"] == "https://shop.test"
    assert flow.metadata["probe"]["served"] == "sink"


def test_preflight_echoes_requested_headers() -> None:
    rec = Recorder(Router())
    flow = run(
        rec,
        make_flow(
            "https://api.segment.io/v1/t",
            method="OPTIONS",
            headers={
                "origin": "https://shop.test",
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization,content-type,x-retry-count",
            },
        ),
    )
    assert flow.response.status_code == 204
    assert flow.response.headers["access-control-allow-headers"] == "authorization,content-type,x-retry-count"
    assert flow.response.headers["access-control-allow-methods"] == "POST"
    assert flow.response.headers["access-control-allow-credentials"] == "true"


def test_pixel_sink_answers_gif_to_images_and_204_to_beacons() -> None:
    rec = Recorder(Router(sinks=["*.facebook.com"]))
    image = run(
        rec,
        make_flow("https://www.facebook.com/tr?id=1&ev=PageView", headers={"accept": "image/avif,image/*"}),
    )
    beacon = run(rec, make_flow("https://www.facebook.com/tr", method="POST", body=b"x"))
    assert (image.response.status_code, image.response.content) == (200, GIF_1X1)
    assert beacon.response.status_code == 204


def test_offline_blocks_everything_else_and_flags_it() -> None:
    rec = Recorder(Router())
    flow = run(rec, make_flow("https://elsewhere.example/x"))
    assert flow.response.status_code == 502
    assert flow.metadata["probe"]["blocked"] is True
    assert flow.metadata["probe"]["served"] == "blocked"


def test_live_mode_forwards_unless_segment_is_sunk() -> None:
    live = Recorder(Router(offline=False))
    forwarded = run(live, make_flow("https://elsewhere.example/x"))
    assert forwarded.response is None
    assert forwarded.metadata["probe"]["served"] == "upstream"
    sunk = Recorder(Router(offline=False, sink_segment=True))
    event = run(sunk, make_flow("https://api.segment.io/v1/p", method="POST", body=b"{}"))
    assert event.response.status_code == 200
    live_segment = run(live, make_flow("https://api.segment.io/v1/p", method="POST", body=b"{}"))
    assert live_segment.response is None


def test_flows_are_tagged_by_proxy_user_and_noise_is_flagged() -> None:
    rec = Recorder(Router())
    run(rec, make_flow("https://shop.test/1", user="ctxA"))
    run(rec, make_flow("https://shop.test/2", user="ctxB"))
    run(rec, make_flow("https://update.googleapis.com/service/update2/json", user=NOISE_CONTEXT))
    run(rec, make_flow("https://accounts.google.com/ListAccounts", user="ctxA"))
    assert [f.request.path for f in rec.flows("ctxA")] == ["/1", "/ListAccounts"]
    assert [f.request.path for f in rec.flows("ctxB")] == ["/2"]
    assert [f.metadata["probe"]["noise"] for f in rec.flows("ctxA")] == [False, True]
    assert rec.flows(NOISE_CONTEXT)[0].metadata["probe"]["noise"] is True


def test_proxy_auth_challenges_are_not_recorded() -> None:
    rec = Recorder(Router())
    flow = make_flow("http://shop.test/", user=None)
    flow.response = tutils.tresp(status_code=407)
    with taddons.context(rec):
        rec.requestheaders(flow)
    assert rec.flows(None) == []


def test_inflight_counts_and_settle() -> None:
    rec = Recorder(Router(offline=False))
    flow = make_flow("https://elsewhere.example/slow")
    with taddons.context(rec):
        rec.requestheaders(flow)
    assert rec.activity("ctxA")[0] == 1
    assert rec.settle("ctxA", quiet=0.05, limit=0.2) is False  # still in flight
    flow.error = flow_error("Connection refused")
    with taddons.context(rec):
        rec.error(flow)
    assert rec.activity("ctxA")[0] == 0
    assert flow.metadata["probe"]["error"] == "Connection refused"
    assert flow.metadata["probe"]["served"] == "error"
    assert rec.settle("ctxA", quiet=0.05, limit=2) is True


def test_marks_and_forget() -> None:
    rec = Recorder(Router())
    first = rec.mark("ctxA", "after-consent", action="accept_all")
    assert rec.marks("ctxA") == [first]
    assert first.info == {"action": "accept_all"}
    run(rec, make_flow("https://shop.test/"))
    rec.forget("ctxA")
    assert rec.flows("ctxA") == [] and rec.marks("ctxA") == []


# -- URL-prefix sinks: a first-party Segment proxy on a path of the site's own origin --------------------

INGEST_SINK = "https://www.shop.test/ingest/"
ORIGIN = {"origin": "https://www.shop.test"}


@pytest.fixture
def shop_router(site: Path) -> Router:
    """The site's own origin served from a folder, with its Segment proxy path sunk."""
    return Router([Route(url="https://www.shop.test/", dir=site)], [INGEST_SINK])


@pytest.mark.parametrize("letter", ["t", "p", "i", "g", "a", "s", "b", "batch"])
def test_prefix_sink_answers_segment_ingestion_and_wins_over_the_broader_dir_route(
    shop_router: Router, letter: str
) -> None:
    rec = Recorder(shop_router)
    flow = run(
        rec,
        make_flow(
            f"https://www.shop.test/ingest/v1/{letter}",
            method="POST",
            body=b'{"type":"track","messageId":"m1"}',
            headers=ORIGIN,
        ),
    )
    assert flow.response.status_code == 200
    assert json.loads(flow.response.content) == {"success": True}
    assert flow.response.headers["content-type"] == "application/json"
    assert flow.response.headers["access-control-allow-origin"] == "https://www.shop.test"
    assert flow.metadata["probe"]["served"] == "sink"
    assert flow.metadata["probe"]["blocked"] is False


def test_prefix_sink_echoes_cors_preflights(shop_router: Router) -> None:
    rec = Recorder(shop_router)
    flow = run(
        rec,
        make_flow(
            "https://www.shop.test/ingest/v1/t",
            method="OPTIONS",
            headers={
                **ORIGIN,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,x-retry-count",
            },
        ),
    )
    assert flow.response.status_code == 204
    assert flow.response.headers["access-control-allow-headers"] == "content-type,x-retry-count"
    assert flow.response.headers["access-control-allow-methods"] == "POST"
    assert flow.metadata["probe"]["served"] == "sink"


def test_prefix_sink_without_v1_still_answers_the_letter_paths() -> None:
    rec = Recorder(Router(sinks=["https://collect.shop.test/seg"]))
    flow = run(rec, make_flow("https://collect.shop.test/seg/t", method="POST", body=b"{}"))
    assert (flow.response.status_code, json.loads(flow.response.content)) == (200, {"success": True})
    other = run(rec, make_flow("https://collect.shop.test/seg/upload", method="POST", body=b"x"))
    assert (other.response.status_code, other.metadata["probe"]["served"]) == (204, "sink")


def test_the_rest_of_the_origin_is_still_served_by_its_route(shop_router: Router) -> None:
    rec = Recorder(shop_router)
    page = run(rec, make_flow("https://www.shop.test/"))
    bare = run(rec, make_flow("https://www.shop.test/ingest", method="POST", body=b"{}"))  # the prefix itself
    assert (page.response.status_code, page.response.content) == (200, b"<h1>shop</h1>")
    assert page.metadata["probe"]["served"] == "local"
    assert bare.metadata["probe"]["served"] == "sink"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.shop.test/ingestion/v1/t",  # not on a path-segment boundary
        "https://www.shop.test/ingest-v1/t",
        "https://www.shop.test/api/ingest/v1/t",  # the prefix elsewhere in the path
        "http://www.shop.test/ingest/v1/t",  # another scheme is another origin
        "https://www.shop.test:8443/ingest/v1/t",  # so is another port
    ],
)
def test_look_alike_paths_on_the_origin_are_not_sunk(shop_router: Router, url: str) -> None:
    rec = Recorder(shop_router)
    flow = run(rec, make_flow(url, method="POST", body=b"{}", headers=ORIGIN))
    served = flow.metadata["probe"]["served"]
    # the site's dir route answers its own origin (404: no such file); other origins are blocked
    assert served in ("local", "blocked") and flow.response.status_code in (404, 502), (url, served)
    assert not flow.response.content.startswith(b'{"success"')


@pytest.mark.parametrize(
    "url",
    [
        "https://www.shop.test.evil.example/ingest/v1/t",  # a look-alike host with the sink host as prefix
        "https://evil.example/www.shop.test/ingest/v1/t",
        "https://shop.test/ingest/v1/t",  # the parent domain is another host
        "https://x.www.shop.test/ingest/v1/t",  # so is a sub-domain
    ],
)
def test_look_alike_hosts_are_blocked(url: str) -> None:
    rec = Recorder(Router(sinks=[INGEST_SINK]))
    flow = run(rec, make_flow(url, method="POST", body=b"{}"))
    assert flow.response.status_code == 502
    assert flow.metadata["probe"]["blocked"] is True


def test_a_route_more_specific_than_the_prefix_sink_still_wins(site: Path) -> None:
    # a file route inside the sunk prefix overrides one URL (a longer literal path than the sink's)
    router = Router(
        [
            Route(url="https://www.shop.test/ingest/v1/settings", file=site / "index.html"),
            Route(url="https://www.shop.test/ingest/v1/*.js", file=site / "a" / "app.js"),
            Route(url="https://www.shop.test/", dir=site),
        ],
        [INGEST_SINK],
    )
    rec = Recorder(router)
    settings = run(rec, make_flow("https://www.shop.test/ingest/v1/settings"))
    script = run(rec, make_flow("https://www.shop.test/ingest/v1/x.js"))
    event = run(rec, make_flow("https://www.shop.test/ingest/v1/t", method="POST", body=b"{}"))
    assert (settings.response.content, settings.metadata["probe"]["served"]) == (b"<h1>shop</h1>", "local")
    assert script.metadata["probe"]["served"] == "local"
    assert event.metadata["probe"]["served"] == "sink"


def test_the_longest_prefix_sink_and_host_sinks_coexist() -> None:
    router = Router(sinks=["https://www.shop.test/", "https://www.shop.test/ingest/", "www.facebook.com"])
    assert router.sinks[0] == "www.facebook.com"
    assert [p.path for p in router.prefix_sinks] == ["/ingest", ""]
    rec = Recorder(router)
    pixel = run(rec, make_flow("https://www.facebook.com/tr", headers={"accept": "image/*"}))
    page = run(rec, make_flow("https://www.shop.test/anything", method="POST", body=b"{}"))
    assert (pixel.response.status_code, pixel.response.content) == (200, GIF_1X1)
    assert (page.response.status_code, page.metadata["probe"]["served"]) == (204, "sink")

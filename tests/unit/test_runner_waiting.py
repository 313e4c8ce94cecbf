"""The runner's waiting: the site's delivery delay from captured settings, and windows from the action."""

from __future__ import annotations

import json
import time

from mitmproxy.test import taddons, tflow, tutils

from probe.capture import Recorder, Router
from probe.runner.waiting import DEFAULT_BATCH_TIMEOUT_MS, Delivery, Waiter, settings_delivery

SETTINGS = "https://cdn.segment.com/v1/projects/WK/settings"


def settings_flow(doc: object, url: str = SETTINGS) -> tflow.HTTPFlow:
    flow = tflow.tflow(resp=True)
    flow.request = tutils.treq()
    flow.request.url = url
    flow.response = tutils.tresp(content=json.dumps(doc).encode())
    return flow


def segment_io(strategy: object) -> dict[str, object]:
    return {"integrations": {"Segment.io": {"apiKey": "WK", "deliveryStrategy": strategy}}}


def test_batching_in_the_settings_sets_the_delay() -> None:
    flows = [settings_flow(segment_io({"strategy": "batching", "config": {"size": 20, "timeout": 1500}}))]
    assert settings_delivery(flows) == Delivery(1500, 20, "settings")
    assert settings_delivery(flows).describe() == "batching timeout 1500 ms, size 20 (from the settings)"


def test_batching_without_config_uses_analytics_next_defaults() -> None:
    assert settings_delivery([settings_flow(segment_io({"strategy": "batching"}))]).delay_ms == (
        DEFAULT_BATCH_TIMEOUT_MS
    )


def test_standard_delivery_garbage_and_other_urls_add_no_delay() -> None:
    flows = [
        settings_flow(segment_io({"strategy": "standard"})),
        settings_flow(segment_io({"strategy": "batching"}), url="https://cdn.segment.com/analytics.js/v1/x"),
    ]
    assert settings_delivery(flows) == Delivery()
    broken = settings_flow({})
    assert broken.response is not None
    broken.response.content = b"\xff not json"
    assert settings_delivery([broken]) == Delivery()
    assert Delivery().describe() == "immediate"


def test_negative_or_wrong_typed_timeout_falls_back_to_the_default() -> None:
    doc = segment_io({"strategy": "batching", "config": {"timeout": -5, "size": "x"}})
    assert settings_delivery([settings_flow(doc)]) == Delivery(DEFAULT_BATCH_TIMEOUT_MS, 10, "settings")


def recorder_with(flows: list[tflow.HTTPFlow], user: str = "ctxA") -> Recorder:
    rec = Recorder(Router())
    with taddons.context(rec):
        for flow in flows:
            flow.metadata["proxyauth"] = (user, "")
            rec.requestheaders(flow)
            rec.response(flow)
    return rec


def test_wait_counts_the_window_from_the_action_not_from_the_last_request() -> None:
    rec = recorder_with([])
    waiter = Waiter(rec, "ctxA", quiet_ms=150, max_ms=2000)
    since = time.time()
    wait = waiter.wait(None, "click #x", since=since)
    assert wait.settled and wait.reason == "quiet window" and wait.window_ms == 150
    assert time.time() - since >= 0.15  # nothing was in flight, yet the window ran from the click


def test_wait_adds_the_settings_delivery_delay_to_the_window() -> None:
    doc = segment_io({"strategy": "batching", "config": {"timeout": 300}})
    rec = recorder_with([settings_flow(doc)])
    wait = Waiter(rec, "ctxA", quiet_ms=100, max_ms=2000).wait(None, "load", since=time.time())
    assert (wait.settled, wait.reason, wait.window_ms) == (True, "delivery delay", 400)
    assert wait.record()["delivery"] == "batching timeout 300 ms, size 10 (from the settings)"


def test_a_request_in_flight_is_waited_for_and_the_gave_up_reason_says_so() -> None:
    rec = Recorder(Router())
    flow = tflow.tflow()
    flow.metadata["proxyauth"] = ("ctxA", "")
    with taddons.context(rec):
        rec.requestheaders(flow)
    wait = Waiter(rec, "ctxA", quiet_ms=50, max_ms=200).wait(None, "load", since=None)
    assert not wait.settled
    assert wait.reason == "quiet window: gave up, traffic did not settle"

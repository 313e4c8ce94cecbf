"""The HAR entries probe adds for failures and WebSockets."""

from __future__ import annotations

from typing import Any

from mitmproxy import flow as mflow
from mitmproxy.test import tflow

from probe.evidence.har_writer import build_har


def entries(*flows: Any) -> list[dict[str, Any]]:
    har = build_har(
        list(flows), [{"phase": "before-consent", "at": 0}], scenario="s", context="c", browser=("c", "1")
    )
    return har["log"]["entries"]


def test_a_failed_upstream_flow_is_never_a_clean_answer() -> None:
    no_answer = tflow.tflow(err=True)
    no_answer.metadata["probe"] = {"context": "c", "served": "upstream"}
    broken_body = tflow.tflow(resp=True)
    broken_body.error = mflow.Error("peer closed connection without sending complete message body")
    broken_body.metadata["probe"] = {"context": "c", "served": "upstream"}
    for entry in entries(no_answer, broken_body):
        assert entry["_probe"]["served"] == "error"
        assert entry["_probe"]["error"] and entry["response"]["_error"] == entry["_probe"]["error"]


def test_a_blocked_flow_keeps_its_reason_and_stays_blocked() -> None:
    blocked = tflow.tflow(resp=True)
    blocked.metadata["probe"] = {
        "context": "c",
        "served": "blocked",
        "blocked": True,
        "reason": "a NUL byte in the path",
    }
    (entry,) = entries(blocked)
    assert (entry["_probe"]["served"], entry["_probe"]["reason"]) == ("blocked", "a NUL byte in the path")
    assert "error" not in entry["_probe"] and "_error" not in entry["response"]


def test_websocket_messages_are_written_like_devtools() -> None:
    ws = tflow.twebsocketflow()
    ws.metadata["probe"] = {"context": "c", "served": "upstream"}
    (entry,) = entries(ws)
    assert entry["_resourceType"] == "websocket"
    messages = entry["_webSocketMessages"]
    assert [m["type"] for m in messages] == [
        "send" if m.from_client else "receive"
        for m in ws.websocket.messages  # type: ignore[union-attr]
    ]
    assert {m["opcode"] for m in messages} <= {1, 2}
    assert all(isinstance(m["data"], str) and isinstance(m["time"], float) for m in messages)

"""A test backend for the demo shop's pages: real segment-analytics-python, real HTTP through probe's proxy.

POST /api/checkout sends the visitor's `Order Completed` (ids and consent from its cookies) through the
proxy; through probe's loopback ingestion endpoint (PROBE_SEGMENT_HOST), one batch holding an event of
the visitor and one of a stranger; then it calls a host that no route or sink answers. GET answers
with the Host header and path it got. BACKEND_MODE=batch sends Order Completed alone, batched by the
library (every 6 s, never flushed); die exits at the first checkout after consent; crash exits at once, silent never listens, spawn starts a child.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import requests
from segment.analytics import Client
from segment.analytics.request import post

MODE = os.environ.get("BACKEND_MODE", "serve")
# batch: the library's own batching (an upload every 6 s, no flush), as a backend that never flushes;
# longer than any of probe's quiet windows and than the steps between a click and the next phase mark
via_proxy = Client("TESTWRITEKEY", upload_interval=6.0) if MODE == "batch" else Client("TESTWRITEKEY", sync_mode=True)


def event(name: str, anonymous_id: str, stamp: dict[str, Any]) -> dict[str, Any]:
    return {"type": "track", "event": name, "anonymousId": anonymous_id, "context": {"consent": stamp},
            "messageId": str(uuid.uuid4()), "timestamp": datetime.now(UTC).isoformat()}


def cookies(header: str | None) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    jar.load(header or "")
    return {name: unquote(morsel.value).strip('"') for name, morsel in jar.items()}


def consent(jar: dict[str, str]) -> dict[str, Any]:
    """The visitor's choice from vanilla-cookieconsent's cookie, as the demo shop stamps it."""
    accepted = json.loads(jar.get("cc_cookie") or "{}").get("categories", [])
    return {"categoryPreferences": {c: c in accepted for c in ("necessary", "analytics", "marketing")}}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        jar = cookies(self.headers.get("cookie"))
        anonymous_id, user_id = jar.get("ajs_anonymous_id"), jar.get("ajs_user_id")
        answer: dict[str, Any] = {"anonymous_id": anonymous_id}
        if self.path == "/api/checkout" and anonymous_id and MODE == "die":
            sys.stderr.write("backend: out of memory\n")
            sys.stderr.flush()
            os._exit(5)
        if self.path == "/api/checkout" and anonymous_id:
            stamp = consent(jar)
            via_proxy.track(anonymous_id=anonymous_id, user_id=user_id, event="Order Completed", context={"consent": stamp})
            if MODE == "batch":
                self.reply(answer)
                return
            # one batch, the library's own wire call through the ingestion endpoint: the visitor's and a stranger's
            post(
                "TESTWRITEKEY",
                host=os.environ["PROBE_SEGMENT_HOST"],
                batch=[event("Shared Batch", anonymous_id, stamp), event("Nobody's", f"stranger-{uuid.uuid4()}", stamp)],
            )
            try:
                answer["elsewhere"] = requests.get("https://elsewhere.example/collect", timeout=10).status_code
            except requests.RequestException as exc:
                answer["elsewhere"] = str(exc)
        self.reply(answer)

    def reply(self, answer: dict[str, Any]) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802
        payload = json.dumps({"host": self.headers.get("host"), "path": self.path}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        sys.stderr.write(format % args + "\n")


def main() -> None:
    if MODE == "crash":
        sys.stderr.write("backend: cannot open the database\n")
        sys.exit(3)
    if MODE == "silent":
        time.sleep(3600)
    if MODE == "spawn":  # a child in the backend's process group: stopping the backend must end it too
        child = subprocess.Popen(["sleep", "600"])
        Path(os.environ["CHILD_PID_FILE"]).write_text(str(child.pid))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()


if __name__ == "__main__":
    main()

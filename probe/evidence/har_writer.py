"""Writing probe's HAR (probe-har/1): mitmproxy's HAR entries plus phases as pages and ``_probe`` extras."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mitmproxy import http
from mitmproxy.addons.savehar import SaveHar

from probe import __version__
from probe.capture.auth import basic_token

HAR_FORMAT = "probe-har/1"
# what an Authorization header carrying the run's own --http-credentials reads in the HAR
MASKED_CREDENTIALS = "Basic <masked: --http-credentials>"


def iso(ts: float) -> str:
    """Epoch seconds as ISO-8601 UTC with milliseconds."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _phase_at(marks: Sequence[tuple[str, float]], ts: float) -> str:
    current = marks[0][0]
    for phase, at in marks:
        if ts >= at:
            current = phase
    return current


def _body(content: bytes | None) -> dict[str, str]:
    """Body text, base64-encoded when it is not UTF-8 (gzip, images) so nothing is mangled."""
    if not content:
        return {"text": ""}
    try:
        return {"text": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(content).decode(), "encoding": "base64"}


def _decodes_to(value: str, secrets: frozenset[bytes]) -> bool:
    """True when a header value is ``Basic <token>`` and the token decodes to one of ``secrets``."""
    token = basic_token(value)
    return token is not None and token in secrets


def _mask_credentials(entry: dict[str, Any], secrets: frozenset[bytes]) -> int:
    """Mask the Authorization headers that carry the run's basic-auth login; how many were masked.

    Only a header that decodes to exactly that ``user:password`` is touched: Segment's own
    ``Basic <writeKey>:`` stays, because the rules read the writeKey from it.
    """
    masked = 0
    for header in entry["request"]["headers"]:
        if header["name"].lower() == "authorization" and _decodes_to(header["value"], secrets):
            header["value"] = MASKED_CREDENTIALS
            masked += 1
    return masked


def _credential_forms(credentials: tuple[str, str]) -> frozenset[bytes]:
    """The bytes a browser may encode ``user:password`` as (UTF-8; Latin-1 by older convention)."""
    text = f"{credentials[0]}:{credentials[1]}"
    forms = {text.encode("utf-8")}
    try:
        forms.add(text.encode("latin-1"))
    except UnicodeEncodeError:
        pass  # not representable in Latin-1: no browser sends it that way
    return frozenset(forms)


def _entry(flow: http.HTTPFlow, saver: SaveHar, seen: set[Any], phase: str) -> dict[str, Any]:
    entry = saver.flow_entry(flow, seen)
    request_body = flow.request.get_content(strict=False) if flow.request.raw_content else None
    if request_body:
        entry["request"]["postData"] = {
            "mimeType": flow.request.headers.get("content-type", ""),
            **_body(request_body),
        }
    entry["pageref"] = phase
    meta = flow.metadata.get("probe", {})
    served = meta.get("served", "upstream")
    error = meta.get("error") or (flow.error.msg if flow.error else None)
    if error and served == "upstream":
        served = "error"  # a reset, a truncated body or a refused certificate is not a clean answer
    entry["_probe"] = {
        "phase": phase,
        "context": meta.get("context"),
        "noise": bool(meta.get("noise")),
        "blocked": bool(meta.get("blocked")),
        "served": served,
    }
    if meta.get("reason"):
        entry["_probe"]["reason"] = meta["reason"]
    if error:
        entry["_probe"]["error"] = error
        entry["response"]["_error"] = error  # where Chrome DevTools and mitmproxy put a failure
    if flow.websocket is not None:
        entry["_resourceType"] = "websocket"
        entry["_webSocketMessages"] = _websocket_messages(flow)
    return entry


def _websocket_messages(flow: http.HTTPFlow) -> list[dict[str, Any]]:
    """A WebSocket's messages the way Chrome DevTools exports them (binary data base64-encoded)."""
    assert flow.websocket is not None
    messages = []
    for message in flow.websocket.messages:
        if message.is_text:
            data = message.content.decode("utf-8", errors="replace")
        else:
            data = base64.b64encode(message.content).decode()
        messages.append(
            {
                "type": "send" if message.from_client else "receive",
                "time": float(message.timestamp),
                "opcode": int(message.type),
                "data": data,
            }
        )
    return messages


def build_har(
    flows: Sequence[http.HTTPFlow],
    phases: Sequence[dict[str, Any]],
    *,
    scenario: str,
    context: str,
    browser: tuple[str, str],
    credentials: tuple[str, str] | None = None,
    server: Sequence[tuple[http.HTTPFlow, dict[str, Any]]] = (),
) -> dict[str, Any]:
    """The HAR of one scenario. ``phases`` are dicts with phase, at, action, choice, storage.

    ``server``: the site backend's requests for this scenario, each with its ``_probe`` extras
    (``visitor``); they sit among the browser's by wire time, marked ``side: "server"``.

    ``credentials`` (``--http-credentials``): Authorization headers carrying them are masked, and
    ``log._probe.http_credentials`` says how many, never what they were.
    """
    ordered = sorted(phases, key=lambda p: p["at"])
    marks = [(p["phase"], p["at"]) for p in ordered]
    saver, seen = SaveHar(), set[Any]()
    extras_of: dict[int, dict[str, Any]] = {id(f): {"side": "server", **extra} for f, extra in server}
    everything = [*flows, *(f for f, _ in server)]
    entries = []
    for f in sorted(everything, key=lambda f: f.request.timestamp_start):
        entry = _entry(f, saver, seen, _phase_at(marks, f.request.timestamp_start))
        entry["_probe"].update(extras_of.get(id(f), {}))
        entries.append(entry)
    masked = 0
    if credentials is not None:
        # here, before anything is written: the manifest then hashes the masked file, and
        # --redact (which works on written files) sees only the mask
        secrets = _credential_forms(credentials)
        masked = sum(_mask_credentials(entry, secrets) for entry in entries)
    pages = [
        {
            "id": p["phase"],
            "title": f"{scenario}: {p['phase']}",
            "startedDateTime": iso(p["at"]),
            "pageTimings": {},
            "_probe": {
                "phase": p["phase"],
                "action": p.get("action"),
                "choice": p.get("choice"),
                "storage": p.get("storage", {"cookies": {}, "localStorage": {}}),
                "signals": p.get("signals", {}),
                "cmp": p.get("cmp"),
                "waits": p.get("waits", []),
                # what probe measured of the banner at this decision (probe.banner): only where it looked
                **({"banner": p["banner"]} if "banner" in p else {}),
            },
        }
        for p in ordered
    ]
    extras: dict[str, Any] = {"format": HAR_FORMAT, "scenario": scenario, "context": context}
    if credentials is not None:
        extras["http_credentials"] = {"masked": masked, "as": MASKED_CREDENTIALS}
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "probe", "version": __version__},
            "browser": {"name": browser[0], "version": browser[1]},
            "pages": pages,
            "entries": entries,
            "_probe": extras,
        }
    }


def write_har(path: Path, har: dict[str, Any]) -> None:
    """Write a HAR as UTF-8 JSON."""
    path.write_text(json.dumps(har, indent=1, ensure_ascii=False), encoding="utf-8")

"""Deletion and suppression calls after a revocation: the suite's privacy endpoint, or Segment's Privacy API.

Segment's Public API creates a regulation with ``POST https://api.segmentapis.com/regulations`` (or
``/regulations/sources/<id>``, ``/regulations/cloudsources/<id>``; EU workspaces on
``eu1.api.segmentapis.com``); the deprecated Config API used
``POST https://platform.segmentapis.com/v1beta/workspaces/<slug>/regulations`` (segment-wire §6).

When the suite's declared backend serves the privacy endpoint (the proxy handed the browser's call to
it: ``_probe.served: "backend"``), the endpoint's answer is the backend's word only: the deletion is the
call the backend then makes, which the proxy records. Such a relayed call counts only alongside one that
did the work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from probe.rules.context import Context
from probe.segment.endpoints import is_regulation
from probe.segment.events import request_body
from probe.timeline import REVOKED, Entry

LOOKED_FOR = (
    "Segment's Privacy API (POST https://api.segmentapis.com/regulations or /regulations/sources/<id>, "
    "also on eu1.api.segmentapis.com)"
)


def is_regulation_request(entry: Entry) -> bool:
    """True for a request creating a deletion or suppression regulation in Segment's Public API."""
    if not is_regulation(entry.method, entry.url):
        return False
    body = request_body(entry)
    if body.ok and isinstance(body.data, dict):
        kind = body.data.get("regulationType", body.data.get("regulation_type"))
        # UNSUPPRESS lifts a suppression: the opposite of what a revocation asks for
        if isinstance(kind, str) and kind.upper() == "UNSUPPRESS":
            return False
    return True


def answered(entry: Entry) -> bool:
    """True when the call was answered without an error status (< 400)."""
    return entry.status is not None and entry.status < 400


@dataclass(frozen=True)
class DeletionCalls:
    """The deletion calls of the revoke phase, and what the recording lets the rule judge."""

    calls: list[Entry]  # this visitor's calls in after-revoke: the browser's, and the backend's attributed
    unattributed: list[Entry]  # backend calls in after-revoke not attributed to this visitor (not counted)
    judgeable: bool  # an endpoint is named, a backend declared or recorded, or the Privacy API seen
    relayed: frozenset[int] = field(default_factory=frozenset)  # browser calls the declared backend served

    @property
    def done(self) -> list[Entry]:
        """The calls answered without an error, when one of them is more than a relay to the backend."""
        ok = [e for e in self.calls if answered(e)]
        return ok if any(e.index not in self.relayed for e in ok) else []

    @property
    def only_relayed(self) -> bool:
        """True when the backend answered the browser's call but made no deletion call of its own."""
        return (
            bool(self.calls)
            and all(e.index in self.relayed for e in self.calls)
            and any(answered(e) for e in self.calls)
        )


def is_deletion_call(ctx: Context, entry: Entry) -> bool:
    """True for a call to the suite's privacy endpoint or a Privacy API regulation."""
    endpoint = ctx.suite.segment.privacy_endpoint
    return bool(endpoint and endpoint in entry.url) or is_regulation_request(entry)


def deletion_calls(ctx: Context) -> DeletionCalls:
    """Deletion calls in after-revoke, from either side of the site."""
    every = sorted([*ctx.entries, *ctx.server.entries], key=lambda e: e.index)
    found = [e for e in every if is_deletion_call(ctx, e)]
    revoked = [e for e in found if ctx.phase(e) == REVOKED]
    calls = [e for e in revoked if not e.server or e.visitor is not None]
    unattributed = [e for e in revoked if e.server and e.visitor is None]
    # A browser recording cannot show a backend's call: with no endpoint named, no backend declared
    # (suite backend:) and nothing server-side recorded, silence is no evidence (the rule stays quiet
    # and the checklist says not tested).
    judgeable = (
        bool(ctx.suite.segment.privacy_endpoint)
        or ctx.suite.backend is not None
        or ctx.server.recorded
        or bool(found)
    )
    # the proxy wrote down which browser requests it handed to the backend (``_probe.served``)
    relayed = frozenset(e.index for e in calls if e.served == "backend")
    return DeletionCalls(calls, unattributed, judgeable, relayed)

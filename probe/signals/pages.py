"""Consent signals the page itself reports: the CMP APIs and navigator.globalPrivacyControl.

The runner reads them at the end of each phase with ``read_page_signals(page)`` and stores the result
in the HAR page of that phase as ``_probe.signals``; the evidence reader turns the pages back into
``{phase: signals}`` with ``signals_from_pages`` for ``Timeline.page_signals``. The stored form is
plain JSON:

    {"tcf": {"tcString", "gdprApplies", "cmpId", "cmpStatus", "eventStatus",
             "purposeConsents": [ids], "purposeLegitimateInterests": [ids], "vendorConsentCount"}
            | {"error": "timeout" | "<message>"},
     "gpp": {"gppString", "gppVersion", "cmpStatus", "signalStatus", "applicableSections",
             "supportedAPIs"} | {"error": ...},
     "usp": {"uspString", "version"} | {"error": ...},
     "gpc": true | false | null}

A key is absent when the page has no such API; ``gpc`` is null when the browser has no
``navigator.globalPrivacyControl``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from probe.evidence.pages import signals_from_pages  # noqa: F401 - re-exported
from probe.timeline import PHASES, Timeline

API_TIMEOUT_MS = 1500  # a loaded CMP answers within milliseconds; a stub that never loads must not stall

# Calls each API through its callback, with a timeout, and returns plain JSON. GPP 1.0 CMPs answer
# 'ping' by return value instead of the callback, so a returned object counts as the answer too.
_SCRIPT = """
async (timeoutMs) => {
  const call = (invoke) => new Promise((resolve) => {
    let done = false;
    const finish = (value) => { if (!done) { done = true; clearTimeout(timer); resolve(value); } };
    const timer = setTimeout(() => finish({error: "timeout"}), timeoutMs);
    try {
      const returned = invoke((data, success) => finish({data, success}));
      if (returned && typeof returned === "object") finish({data: returned, success: true});
    } catch (e) {
      finish({error: String(e && e.message || e)});
    }
  });
  const calls = {};  // started together, so the page waits one timeout at most
  if (typeof window.__tcfapi === "function") calls.tcf = call((cb) => window.__tcfapi("getTCData", 2, cb));
  if (typeof window.__gpp === "function") calls.gpp = call((cb) => window.__gpp("ping", cb));
  if (typeof window.__uspapi === "function") calls.usp = call((cb) => window.__uspapi("getUSPData", 1, cb));
  const plain = (value) => {
    try { return JSON.parse(JSON.stringify(value)); } catch (e) { return {error: "answer is not JSON"}; }
  };
  const out = {};
  for (const [key, pending] of Object.entries(calls)) out[key] = plain(await pending);
  const gpc = navigator.globalPrivacyControl;
  out.gpc = typeof gpc === "boolean" ? gpc : null;
  return out;
}
"""


class ScriptPage(Protocol):
    """The part of Playwright's sync Page this module uses."""

    def evaluate(self, expression: str, arg: Any = ...) -> Any:
        """Run a script in the page."""


def read_page_signals(page: ScriptPage, *, timeout_ms: int = API_TIMEOUT_MS) -> dict[str, Any]:
    """The page's CMP APIs and GPC flag, compacted to plain JSON (absent API -> absent key)."""
    try:
        raw = page.evaluate(_SCRIPT, timeout_ms)
    except Exception as exc:  # noqa: BLE001 - a closed or crashed page must not cost the phase its evidence
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()}
    return compact_page_signals(raw)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _true_ids(value: Any) -> list[int]:
    """``{"1": true, "2": false}`` (TCF API maps) as ``[1]``."""
    if not isinstance(value, Mapping):
        return []
    return sorted(int(k) for k, v in value.items() if v is True and str(k).isdigit())


def _answer(raw: Any) -> tuple[Mapping[str, Any] | None, dict[str, Any] | None]:
    """(data, None) for an answer, (None, {"error": ...}) for a timeout, exception or failed call."""
    if not isinstance(raw, Mapping):
        return None, {"error": "no answer"}
    if "error" in raw:
        return None, {"error": str(raw["error"])}
    data = raw.get("data")
    if raw.get("success") is False or not isinstance(data, Mapping):
        return None, {"error": "the API reported failure"}
    return data, None


def _tcf(raw: Any) -> dict[str, Any]:
    data, error = _answer(raw)
    if data is None:
        return error or {}
    purpose, vendor = _mapping(data.get("purpose")), _mapping(data.get("vendor"))
    return {
        "tcString": data.get("tcString"),
        "gdprApplies": data.get("gdprApplies"),
        "cmpId": data.get("cmpId"),
        "cmpStatus": data.get("cmpStatus"),
        "eventStatus": data.get("eventStatus"),
        "purposeConsents": _true_ids(purpose.get("consents")),
        "purposeLegitimateInterests": _true_ids(purpose.get("legitimateInterests")),
        "vendorConsentCount": len(_true_ids(vendor.get("consents"))),
    }


def _gpp(raw: Any) -> dict[str, Any]:
    data, error = _answer(raw)
    if data is None:
        return error or {}
    keys = ("gppString", "gppVersion", "cmpStatus", "signalStatus", "applicableSections", "supportedAPIs")
    return {k: data.get(k) for k in keys}


def _usp(raw: Any) -> dict[str, Any]:
    data, error = _answer(raw)
    if data is None:
        return error or {}
    return {"uspString": data.get("uspString"), "version": data.get("version")}


def compact_page_signals(raw: Any) -> dict[str, Any]:
    """The script's raw answers reduced to the stored form (the vendor maps alone can be 100 KB)."""
    if not isinstance(raw, Mapping):
        return {"error": "no answer"}
    out: dict[str, Any] = {}
    for key, compact in (("tcf", _tcf), ("gpp", _gpp), ("usp", _usp)):
        if key in raw:
            out[key] = compact(raw[key])
    gpc = raw.get("gpc")
    out["gpc"] = gpc if isinstance(gpc, bool) else None
    return out


def page_signals(timeline: Timeline) -> dict[str, dict[str, Any]]:
    """``Timeline.page_signals`` ({phase: signals}); empty for recordings without them."""
    # read defensively: Timeline gains the field with this feature, and foreign HARs never fill it
    value = getattr(timeline, "page_signals", None)
    if not isinstance(value, Mapping):
        return {}
    return {p: dict(s) for p, s in value.items() if p in PHASES and isinstance(s, Mapping)}

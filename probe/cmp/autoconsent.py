"""The fallback for CMPs probe has no adapter for: DuckDuckGo's autoconsent rules.

The rules and the content script come from PyPI ``duckduckgo-autoconsent-py`` (the package's
version is the bundled ``@duckduckgo/autoconsent`` version). The script runs in the page's main
world; probe plays the extension's background side of its message protocol in Python: the script
posts messages (``init``, ``eval``, ``popupFound``, ``optInResult``, ...) into an inbox on the page,
probe drains it and answers through ``autoconsentReceiveMessage`` (``initResp``, ``evalResp``,
``optIn``, ``optOut``, ``selfTest``).

Autoconsent can only accept or reject all, in the main frame; it has no categories, so a per-category
choice or a revoke raises CmpError. Cosmetic rules (which only hide a banner) are off: hiding is
not an answer. Proof that an action took: the rule reports success, its self-test passes where it
has one (opt-out only), and the page's cookies or localStorage changed.
"""

from __future__ import annotations

import json
import time
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from probe.cmp.base import POLL_MS, ActionHadNoEffect, BannerNotFound, CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import evaluate_steady

_INBOX = """() => {
  window.__probeAutoconsentInbox = [];
  window.autoconsentSendMessage = message => {
    window.__probeAutoconsentInbox.push(JSON.parse(JSON.stringify(message)));
    return Promise.resolve();
  };
}"""
_DRAIN = "() => (window.__probeAutoconsentInbox || []).splice(0)"
_SEND = "message => window.autoconsentReceiveMessage(message)"
_INIT = "([config, rules]) => window.autoconsentReceiveMessage({type: 'initResp', config, rules: {autoconsent: JSON.parse(rules)}})"
_STORAGE = "() => Object.entries(window.localStorage).sort()"


def _package() -> Any:
    try:
        import duckduckgo_autoconsent
    except ImportError as exc:  # pragma: no cover - a dependency of probe
        raise CmpError("autoconsent fallback needs the package duckduckgo-autoconsent-py") from exc
    return duckduckgo_autoconsent


class Autoconsent(CmpAdapter):
    """Accept or reject all on any CMP one of autoconsent's rules knows."""

    name = "autoconsent"

    def __init__(self, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self.cmp: str | None = None  # the rule whose popup is open
        self.detected: list[str] = []
        self._page: Page | None = None

    @property
    def version(self) -> str:
        """The bundled @duckduckgo/autoconsent version."""
        return str(_package().__version__)

    # -- the message protocol -----------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "autoAction": None,  # probe sends optIn/optOut itself, right after on_decide
            "disabledCmps": [],
            "enablePrehide": False,
            "enableCosmeticRules": False,
            "enableGeneratedRules": True,
            "enableHeuristicDetection": False,
            # Keep looking (every 500 ms, then on DOM changes) as long as probe waits: a CMP may come late.
            "detectRetries": max(1, self.timeout_ms // 500),
            "isMainWorld": True,
            "logs": {"lifecycle": False, "rulesteps": False, "evals": False, "errors": False, "messages": False},
        }

    def _handle(self, page: Page, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "init":
            page.evaluate(_INIT, [self._config(), _package().rules_json()])
        elif kind == "eval":
            try:
                result = bool(page.evaluate(message["code"]))
            except PlaywrightError:
                result = False
            page.evaluate(_SEND, {"type": "evalResp", "id": message["id"], "result": result})
        elif kind == "cmpDetected":
            self.detected.append(str(message.get("cmp")))
        elif kind == "popupFound" and self.cmp is None:
            self.cmp = str(message.get("cmp"))

    def _pump(self, page: Page, *done: str, wait_ms: int | None = None) -> dict[str, Any] | None:
        """Answer the script's messages until one of type ``done`` arrives (returned). None when ``wait_ms``
        (default: the timeout; 0: one pass) ran out, or the page navigated away (sites reload right after
        a consent click) and took the script with it."""
        deadline = time.monotonic() + (self.timeout_ms if wait_ms is None else wait_ms) / 1000
        while True:
            try:
                for message in page.evaluate(_DRAIN):
                    self._handle(page, message)
                    if message.get("type") in done:
                        return dict(message)
            except PlaywrightError:
                return None
            if time.monotonic() >= deadline:
                return None
            page.wait_for_timeout(50)

    def _start(self, page: Page) -> None:
        """Run the content script in the page's current document (again after a navigation replaced it)."""
        if self._page is page and self._running(page):
            return
        self._page, self.cmp, self.detected = page, None, []
        page.evaluate(_INBOX)
        page.evaluate(_package().bundle())  # evaluate, not a script tag: a page's CSP cannot refuse it

    @staticmethod
    def _running(page: Page) -> bool:
        try:
            return bool(page.evaluate("() => Array.isArray(window.__probeAutoconsentInbox)"))
        except PlaywrightError:
            return False

    def poll(self, page: Page) -> bool:
        """Start autoconsent if needed and answer its pending messages once; True once a rule found an open popup."""
        try:
            self._start(page)
        except PlaywrightError:
            return False  # mid-navigation: the next poll starts it in the new document
        self._pump(page, "popupFound", wait_ms=0)
        return self.cmp is not None

    def describe(self) -> str:
        """What autoconsent saw, for error messages."""
        if self.cmp:
            return f"autoconsent {self.version} rule {self.cmp!r} found an open popup"
        if self.detected:
            return f"autoconsent {self.version} detected {sorted(set(self.detected))} but no open consent popup"
        return f"autoconsent {self.version}: none of its rules matched"

    # -- the adapter contract -----------------------------------------------------------------------

    def detect(self, page: Page) -> bool:
        return self.poll(page)

    def wait_for_banner(self, page: Page) -> None:
        deadline = time.monotonic() + self.timeout_ms / 1000
        while not self.poll(page):
            if time.monotonic() >= deadline:
                raise BannerNotFound(f"autoconsent: waited {self.timeout_ms} ms for a consent popup one of its "
                                     f"rules knows; none appeared ({self.describe()})")
            page.wait_for_timeout(POLL_MS)

    @staticmethod
    def _send(page: Page, kind: str) -> bool:
        try:
            page.evaluate(_SEND, {"type": kind})
        except PlaywrightError:
            return False  # the page navigated away
        return True

    def _act(self, page: Page, action: str, on_decide: OnDecide) -> None:
        on_decide()
        self._send(page, action)
        # No answer means the page went away mid-action; verify() then judges by the stored consent.
        result = self._pump(page, f"{action}Result")
        if result is not None and not result.get("result"):
            raise CmpError(f"autoconsent rule {self.cmp!r}: {action} failed")
        if result is not None and result.get("scheduleSelfTest") and self._send(page, "selfTest"):
            test = self._pump(page, "selfTestResult")
            if test is not None and not test.get("result"):
                raise ActionHadNoEffect(f"banner action had no effect: autoconsent rule {self.cmp!r} self-test failed")

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        self._act(page, "optIn", on_decide)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        self._act(page, "optOut", on_decide)

    def _unsupported(self) -> CmpError:
        return CmpError(
            f"autoconsent (rule {self.cmp!r}) can only accept or reject all: a per-category choice or a "
            "revoke needs a named adapter or cmp.selectors for this CMP"
        )

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        raise self._unsupported()

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        raise self._unsupported()

    def save(self, page: Page, on_decide: OnDecide) -> None:
        raise self._unsupported()

    def state(self, page: Page) -> dict[str, bool] | None:
        return None  # autoconsent knows no categories

    def stored(self, page: Page) -> str | None:
        cookies = sorted(f"{c['name']}={c['value']}" for c in page.context.cookies())
        return json.dumps([cookies, evaluate_steady(page, _STORAGE)])

"""tarteaucitron.js (AmauriC/tarteaucitron.js, 1.x).

A category is a tarteaucitron service *type* (``analytic``, ``ads``, ``social``, ...), granted when
every service of that type on the page (``tarteaucitron.job``) is; a suite category that names a
service key instead (``gtag``, ``facebookpixel``, ...) stands for that one service. The choice is
read back from tarteaucitron's cookie (``tarteaucitron`` by default): ``!key=true!other=false``.

tarteaucitron stores every Allow/Deny click at once, so a preferences choice is clicked in
``save`` after ``on_decide``: the phase mark sits before the first click that records anything.
It also wires its buttons 500 ms after it shows them, so a click that changed nothing is repeated
(every click used here is idempotent) until it shows, as a visitor would click again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, evaluate_steady

_CONFIG = """() => ({
  cookie: tarteaucitron.parameters.cookieName || 'tarteaucitron',
  services: tarteaucitron.job.map(k => ({key: k, type: (tarteaucitron.services[k] || {}).type || null}))
})"""
ALERT = "#tarteaucitronAlertBig"
PANEL = "#tarteaucitron"
ROOT = "#tarteaucitronRoot"


class Tarteaucitron(CmpAdapter):
    """Alert ``#tarteaucitronAlertBig``; panel ``#tarteaucitron`` with ``#<key>Allowed``/``#<key>Denied``."""

    name = "tarteaucitron"
    api = "window.tarteaucitron && window.tarteaucitron.userInterface && window.tarteaucitron.job"
    api_label = "window.tarteaucitron"

    def __init__(self, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self._config: dict[str, Any] | None = None
        self._pending: dict[str, bool] = {}

    def _learn(self, page: Page) -> dict[str, Any]:
        # Read once while the page is steady: the cookie name and the services do not change.
        if self._config is None:
            self.wait_for_api(page)
            self._config = evaluate_steady(page, _CONFIG)
        return self._config

    def _keys(self, page: Page, category: str) -> list[str]:
        services = self._learn(page)["services"]
        keys = [s["key"] for s in services if category in (s["key"], s["type"])]
        if not keys:
            known = sorted({s["type"] for s in services} | {s["key"] for s in services})
            raise CmpError(f"{self.name}: no service or service type {category!r} on the page (known: {known})")
        return keys

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, ALERT, "the consent alert")
        self._learn(page)

    def _click_until(self, page: Page, selector: str, done: Callable[[], bool]) -> None:
        """Click until ``done`` holds (tarteaucitron ignores clicks until it wired its buttons)."""
        for _ in range(max(1, self.timeout_ms // 600)):
            page.locator(selector).first.click(timeout=self.timeout_ms)
            for _ in range(12):
                try:
                    if done():
                        return
                except PlaywrightError:
                    return  # the page is navigating away: tarteaucitron reloads after a withdrawal
                page.wait_for_timeout(50)
        raise CmpError(f"{self.name}: clicking {selector} had no effect")

    def _answered(self, page: Page, key: str, granted: bool | None = None) -> bool:
        raw = self.stored(page) or ""
        values = ("true", "false") if granted is None else (str(granted).lower(),)
        return any(f"!{key}={v}" in raw for v in values)

    def _all_answered(self, page: Page) -> bool:
        return all(self._answered(page, s["key"]) for s in self._learn(page)["services"])

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        on_decide()
        self._click_until(page, f"{ALERT} #tarteaucitronPersonalize2", lambda: self._all_answered(page))

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        on_decide()
        self._click_until(page, f"{ALERT} #tarteaucitronAllDenied2", lambda: self._all_answered(page))

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        self._learn(page)
        self._pending = {}
        panel_open = page.locator(PANEL).is_visible
        if reopen:
            # The icon is what a visitor clicks; tarteaucitron draws it a while after its API exists.
            self.wait_for_api(page)
            if evaluate_steady(page, "() => tarteaucitron.parameters.showIcon !== false"):
                self.wait_for(page, "#tarteaucitronManager", "the cookie icon")
                self._click_until(page, "#tarteaucitronManager", panel_open)
            else:
                page.evaluate("() => window.tarteaucitron.userInterface.openPanel()")
        else:
            self.wait_for_banner(page)
            self._click_until(page, f"{ALERT} #tarteaucitronCloseAlert", panel_open)
        self.wait_for(page, PANEL, "the services panel")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        for key in self._keys(page, category):
            self._pending[key] = granted

    def save(self, page: Page, on_decide: OnDecide) -> None:
        on_decide()
        for key, granted in self._pending.items():
            self._click_until(page, f"{PANEL} #{key}{'Allowed' if granted else 'Denied'}",
                              partial(self._answered, page, key, granted))
        self._pending = {}
        closer = f"{PANEL} #tarteaucitronSaveButton"
        if not page.locator(closer).filter(visible=True).count():
            closer = f"{PANEL} #tarteaucitronClosePanel"
        self._click_until(page, closer, lambda: not page.locator(PANEL).is_visible())

    def first_layer(self, page: Page) -> FirstLayer | None:
        # "OK, accept all" is there unless highPrivacy without AcceptAllCta (then only "Personalize"),
        # "Deny all cookies" only with DenyAllCta; a missing one is measured as absent.
        return FirstLayer(ALERT, ROOT, f"{ALERT} #tarteaucitronPersonalize2", f"{ALERT} #tarteaucitronAllDenied2")

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # Each service has an Allow/Deny pair; "ticked" is Allow pressed before the visitor answered
        # (a service whose default state is on). Mandatory cookies have no service line, and a service
        # the site declares needConsent: false is exempt, not an optional choice.
        keys = [s["key"] for s in self._learn(page)["services"]]
        pressed = page.evaluate(
            "keys => keys.filter(k => (tarteaucitron.services[k] || {}).needConsent !== false).map(k => {"
            " const b = document.getElementById(k + 'Allowed'); return [k, b ? b.getAttribute('aria-pressed') : null]; })",
            keys)
        return {str(k): v == "true" for k, v in pressed if v is not None}

    def stored(self, page: Page) -> str | None:
        return cookie(page, self._learn(page)["cookie"])

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        granted = {}
        for item in raw.split("!"):
            key, _, value = item.partition("=")
            if key:
                granted[key] = value == "true"
        services = self._learn(page)["services"]
        state = {s["key"]: granted.get(s["key"], False) for s in services}
        for kind in {s["type"] for s in services if s["type"]}:
            state[kind] = all(state[s["key"]] for s in services if s["type"] == kind)
        return state

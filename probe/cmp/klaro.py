"""Klaro (kiprotect/klaro, 0.7).

A category is a Klaro *purpose* (``services[].purposes``): it is granted when every service of that
purpose is. A suite category that is no purpose but a service name stands for that one service.
The choice is read back from Klaro's store (cookie ``klaro`` by default, or localStorage), which
holds URL-encoded JSON of service -> consent.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, evaluate_steady, local_storage, set_checkbox

_CONFIG = """() => {
  const m = window.klaro.getManager();
  return {storage: m.storageMethod, name: m.storageName,
          services: m.config.services.map(s => ({name: s.name, purposes: s.purposes || [],
                                                 required: !!s.required}))};
}"""
NOTICE = ".klaro .cookie-notice:not(.cookie-notice-hidden)"
MODAL = ".klaro .cookie-modal"


class Klaro(CmpAdapter):
    """Notice ``.klaro .cookie-notice``; preferences modal ``.klaro .cookie-modal``."""

    name = "klaro"
    api = "window.klaro && window.klaro.getManager"
    api_label = "window.klaro"

    def __init__(self, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self._config: dict[str, Any] | None = None

    def _learn(self, page: Page) -> dict[str, Any]:
        # Read once while the page is steady; the store location and purposes do not change.
        if self._config is None:
            self.wait_for_api(page)
            self._config = evaluate_steady(page, _CONFIG)
        return self._config

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, f"{NOTICE}, {MODAL} .cm-modal", "the consent notice")
        self._learn(page)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{MODAL} .cm-btn-accept-all, {NOTICE} .cm-btn-success", "the accept-all button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{MODAL} .cm-btn-decline, {NOTICE} .cn-decline", "the decline button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        self._learn(page)
        if reopen:
            self.reopen_from_page(page, '[onclick*="klaro.show"], a[href*="klaro.show"]',
                                  "() => window.klaro.show(undefined, true)")
        else:
            self.wait_for_banner(page)
            if not page.locator(f"{MODAL} .cm-modal").is_visible():
                self.wait_for(page, f"{NOTICE} .cn-learn-more", "the learn-more link").click(timeout=self.timeout_ms)
        self.wait_for(page, f"{MODAL} .cm-modal", "the preferences modal")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        purpose = page.locator(f'{MODAL} input#purpose-item-{category}')
        if purpose.count():
            # A partly granted purpose is unchecked with class half-checked: one click grants it all.
            if not granted and "half-checked" in (purpose.first.get_attribute("class") or ""):
                set_checkbox(page, f"{MODAL} input#purpose-item-{category}", True, self.timeout_ms)
            set_checkbox(page, f"{MODAL} input#purpose-item-{category}", granted, self.timeout_ms)
            return
        service = f"{MODAL} input#service-item-{category}"
        if not page.locator(service).count():
            raise CmpError(f"{self.name}: no purpose or service {category!r} in the preferences modal")
        if not page.locator(f'{MODAL} label[for="service-item-{category}"]').first.is_visible():
            # Grouped by purpose: the service list is folded under its purpose.
            page.locator(f"{MODAL} .cm-purpose:has({service}) .cm-caret a").first.click(timeout=self.timeout_ms)
        set_checkbox(page, service, granted, self.timeout_ms)

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{MODAL} .cm-btn-accept", "the accept-selected button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        if page.locator(f"{MODAL} .cm-modal").is_visible():
            # mustConsent: the modal is the first layer
            return FirstLayer(f"{MODAL} .cm-modal", ".klaro", f"{MODAL} .cm-btn-accept-all",
                              f"{MODAL} .cm-btn-decline", preferences_open=True)
        return FirstLayer(NOTICE, ".klaro", f"{NOTICE} .cm-btn-success", f"{NOTICE} .cn-decline")

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # purposes when grouped by purpose, else services; required ones are disabled
        toggles = page.locator(f"{MODAL} input[id^='purpose-item-']:not([disabled])")
        prefix = "purpose-item-"
        if not toggles.count():
            toggles, prefix = page.locator(f"{MODAL} input[id^='service-item-']:not([disabled])"), "service-item-"
        pairs = toggles.evaluate_all("els => els.map(e => [e.id, e.checked])")
        # the modal's toggle-all switch is no category
        return {str(i).removeprefix(prefix): bool(c) for i, c in pairs if not str(i).endswith("disableAll")}

    def stored(self, page: Page) -> str | None:
        config = self._learn(page)
        if config["storage"] == "localStorage":
            return local_storage(page, config["name"])
        return cookie(page, config["name"])

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            consents: dict[str, bool] = json.loads(unquote(raw))
        except ValueError:
            return None
        services = self._learn(page)["services"]
        granted = {s["name"]: bool(consents.get(s["name"])) or s["required"] for s in services}
        purposes = {p for s in services for p in s["purposes"]}
        state = dict(granted)
        for purpose in purposes:
            state[purpose] = all(granted[s["name"]] for s in services if purpose in s["purposes"])
        return state

"""Usercentrics Browser UI v2 (``UC_UI``, shadow DOM under ``#usercentrics-root``).

A category is a Usercentrics category slug (``essential``, ``functional``, ``marketing`` or a
custom one), granted when every service in it is. Which service belongs to which category comes
from ``UC_UI.getServicesBaseInfo()``, read before the decisive click; the choice itself is read
back from localStorage ``uc_settings`` (service id -> status), which survives a reload, once
``uc_user_interaction`` says the visitor answered. Usercentrics v3 (``__ucCmp``,
``#usercentrics-cmp-ui``) is not covered; ``cmp: auto`` leaves it to autoconsent.
"""

from __future__ import annotations

import json

from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import evaluate_steady, local_storage, set_checkbox

ROOT = "#usercentrics-root"
FIRST = f"{ROOT} [data-testid=uc-container]"
SECOND = f"{ROOT} [data-testid=uc-center-container]"
_SERVICES = "() => window.UC_UI.getServicesBaseInfo().map(s => [s.id, s.categorySlug])"


class Usercentrics(CmpAdapter):
    """First layer ``[data-testid=uc-container]``; second layer ``[data-testid=uc-center-container]``."""

    name = "usercentrics"
    api = "window.UC_UI && window.UC_UI.isInitialized && window.UC_UI.isInitialized()"
    api_label = "window.UC_UI"

    def __init__(self, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self._categories: dict[str, str] | None = None

    def _learn(self, page: Page) -> dict[str, str]:
        # Service -> category, read once while the page is steady (UC_UI is gone mid-reload).
        if self._categories is None:
            self.wait_for_api(page)
            self._categories = dict(evaluate_steady(page, _SERVICES))
        return self._categories

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, FIRST, "the first layer")
        self._learn(page)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{FIRST} [data-testid=uc-accept-all-button]", "the accept-all button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{FIRST} [data-testid=uc-deny-all-button]", "the deny button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        self._learn(page)
        if reopen:
            self.reopen_from_page(page, f'[onclick*="UC_UI.showSecondLayer"], {ROOT} [data-testid=uc-privacy-button]',
                                  "() => window.UC_UI.showSecondLayer()")
        else:
            self.wait_for_banner(page)
            self.wait_for(page, f"{FIRST} [data-testid=uc-more-button]", "the more-information button").click(
                timeout=self.timeout_ms)
        self.wait_for(page, SECOND, "the second layer")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        if not set_checkbox(page, f"{SECOND} [role=switch]#uc-toggle-{category}", granted, self.timeout_ms):
            raise CmpError(f"{self.name}: no toggle for category {category!r} in the second layer")

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{SECOND} [data-testid=uc-save-button]", "the save button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        # the shadow host is what the page hit-tests, so it stands for all of the CMP's markup
        return FirstLayer(FIRST, ROOT, f"{FIRST} [data-testid=uc-accept-all-button]",
                          f"{FIRST} [data-testid=uc-deny-all-button]")

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # one switch per category; the essential one is disabled
        pairs = page.locator(f"{SECOND} [role=switch][id^='uc-toggle-']:not([disabled])").evaluate_all(
            "els => els.map(e => [e.id, e.getAttribute('aria-checked') === 'true'])")
        return {str(i).removeprefix("uc-toggle-"): bool(c) for i, c in pairs}

    def stored(self, page: Page) -> str | None:
        if local_storage(page, "uc_user_interaction") != "true":
            return None  # uc_settings exists from the first page view, before any answer
        return local_storage(page, "uc_settings")

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            statuses = {s["id"]: s.get("status") is True for s in json.loads(raw)["services"]}
        except (ValueError, KeyError, TypeError):
            return None
        categories = self._learn(page)
        state: dict[str, bool] = {}
        for service, category in categories.items():
            state[category] = state.get(category, True) and statuses.get(service, False)
        return state

"""Didomi web SDK.

A category is a Didomi purpose id (IAB ones such as ``cookies`` or ``select_basic_ads``, or a
custom purpose id). The choice is read back from the ``didomi_token`` cookie: base64 of JSON whose
``purposes.enabled`` / ``purposes.disabled`` lists hold the purpose ids.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote

from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie

NOTICE = "#didomi-notice"
POPUP = "#didomi-popup"
OPTION = "button.didomi-components-radio__option"


class Didomi(CmpAdapter):
    """Notice ``#didomi-notice``; purposes popup ``#didomi-popup`` with agree/disagree radio buttons."""

    name = "didomi"
    api = "window.Didomi && window.Didomi.getCurrentUserStatus"
    api_label = "window.Didomi"
    marker = "#didomi-host"

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, NOTICE, "the consent notice")

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{NOTICE} #didomi-notice-agree-button", "the agree button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{NOTICE} #didomi-notice-disagree-button, {NOTICE} .didomi-continue-without-agreeing",
                               "the disagree button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            self.reopen_from_page(page, 'a[href*="Didomi.preferences.show"], [onclick*="Didomi.preferences.show"]',
                                  "() => window.Didomi.preferences.show()")
        else:
            self.wait_for_banner(page)
            self.wait_for(page, f"{NOTICE} #didomi-notice-learn-more-button", "the learn-more button").click(
                timeout=self.timeout_ms)
        self.wait_for(page, POPUP, "the preferences popup")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        side = "agree" if granted else "disagree"
        option = page.locator(f'{POPUP} {OPTION}--{side}[aria-describedby="didomi-purpose-{category}"]')
        if not option.count():
            raise CmpError(f"{self.name}: no purpose {category!r} in the preferences popup")
        option.first.click(timeout=self.timeout_ms)

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{POPUP} .didomi-consent-popup-actions .didomi-components-button--color",
                               "the save button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        # "Continue without agreeing" refuses everything as the disagree button does
        return FirstLayer(NOTICE, "#didomi-host", f"{NOTICE} #didomi-notice-agree-button",
                          f"{NOTICE} #didomi-notice-disagree-button, {NOTICE} .didomi-continue-without-agreeing")

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # one agree/disagree pair per purpose; ticked = agree already pressed when the popup opened
        pairs = page.locator(f"{POPUP} {OPTION}--agree").evaluate_all(
            "els => els.map(e => [e.getAttribute('aria-describedby') || '', e.getAttribute('aria-pressed') === 'true'"
            " || e.classList.contains('didomi-components-radio__option--selected')])")
        return {str(i).removeprefix("didomi-purpose-"): bool(c) for i, c in pairs if i}

    def stored(self, page: Page) -> str | None:
        return cookie(page, "didomi_token")

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            token = json.loads(base64.b64decode(unquote(raw) + "=" * (-len(raw) % 4)))
            purposes = token["purposes"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        state = {str(p): False for p in purposes.get("disabled", [])}
        state.update({str(p): True for p in purposes.get("enabled", [])})
        return state

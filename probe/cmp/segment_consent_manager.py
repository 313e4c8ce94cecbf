"""Segment's legacy open-source consent manager (@segment/consent-manager 5, standalone build).

A category is one of its preference categories: ``functional``, ``marketingAndAnalytics`` and
``advertising``, or the names of a site's ``customCategories``. The choice is read back from its
cookie ``tracking-preferences`` (JSON; the categories are its ``custom`` field).

Its banner has "Allow all"/"Deny all" only when the site sets ``bannerActionsBlock: true``;
without them accept/reject all go through the preferences dialog, answering every category.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from playwright.sync_api import Locator, Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie

COOKIE = "tracking-preferences"
DIALOG = "[data-consent-manager-dialog] section[role=dialog]"
# Its class names are generated (emotion); the banner is the box two divs above #subContentBtn
# (the same element ``_banner`` finds), the site's container its parent (one :has each: they do not nest).
BANNER = "div:has(> div > p > #subContentBtn)"
CONTAINER = "div:has(> div > div > p > #subContentBtn)"


class SegmentConsentManager(CmpAdapter):
    """Banner around ``#subContentBtn``; dialog ``[data-consent-manager-dialog]`` with Yes/No radios."""

    name = "segment-consent-manager"
    api = "window.consentManager && window.consentManager.openConsentManager"
    api_label = "window.consentManager"

    def _banner(self, page: Page) -> Locator:
        return page.locator("#subContentBtn").locator("xpath=ancestor::div[2]")

    def _preferences_button(self, page: Page) -> Locator:
        return self.wait_for(page, "#subContentBtn", "the consent banner's preferences button")

    def wait_for_banner(self, page: Page) -> None:
        self._preferences_button(page)

    def _banner_button(self, page: Page, label: str) -> Locator | None:
        button = self._banner(page).get_by_role("button", name=label, exact=True)
        return button.first if button.count() else None

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        self._everything(page, True, "Allow all", on_decide)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        self._everything(page, False, "Deny all", on_decide)

    def _everything(self, page: Page, granted: bool, label: str, on_decide: OnDecide) -> None:
        button = self._banner_button(page, label)
        if button is not None:
            on_decide()
            button.click(timeout=self.timeout_ms)
            return
        self.open_preferences(page, reopen=False)
        for name in page.locator(f"{DIALOG} input[type=radio][value=true]").evaluate_all(
                "inputs => inputs.map(i => i.name)"):
            self.set_category(page, name, granted)
        self.save(page, on_decide)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            self.reopen_from_page(page, '[onclick*="openConsentManager"]',
                                  "() => window.consentManager.openConsentManager()")
        else:
            self._preferences_button(page).click(timeout=self.timeout_ms)
        self.wait_for(page, DIALOG, "the preferences dialog")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        radio = page.locator(f'{DIALOG} input[type=radio][name="{category}"][value="{str(granted).lower()}"]')
        if not radio.count():
            raise CmpError(f"{self.name}: no category {category!r} in the preferences dialog")
        radio.first.check(timeout=self.timeout_ms)

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{DIALOG} button[type=submit]", "the save button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        # "Allow all" / "Deny all" exist only with bannerActionsBlock: true, and are the labels the
        # adapter clicks; without them the first layer has neither (its close button only dismisses,
        # accepts or denies by the site's closeBehavior, which the page does not show).
        return FirstLayer(BANNER, CONTAINER, f'{BANNER} button:text-is("Allow all")',
                          f'{BANNER} button:text-is("Deny all")')

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # one Yes/No radio pair per category (the essential row has none); ticked = Yes selected
        pairs = page.locator(f"{DIALOG} input[type=radio][value=true]").evaluate_all(
            "els => els.map(e => [e.name, e.checked])")
        return {str(n): bool(c) for n, c in pairs}

    def stored(self, page: Page) -> str | None:
        return cookie(page, COOKIE)

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            custom = json.loads(unquote(raw)).get("custom") or {}
        except (ValueError, AttributeError):
            return None
        return {str(k): v is True for k, v in custom.items()}

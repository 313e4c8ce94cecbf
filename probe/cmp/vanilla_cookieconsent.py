"""vanilla-cookieconsent v3 (orestbida/cookieconsent)."""

from __future__ import annotations

import json
from urllib.parse import unquote

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from probe.cmp.base import BannerNotFound, CmpAdapter, OnDecide

COOKIE = "cc_cookie"


class VanillaCookieConsent(CmpAdapter):
    """Banner ``#cc-main .cm``, preferences ``#cc-main .pm``; buttons carry ``data-role``."""

    name = "vanilla-cookieconsent"

    def detect(self, page: Page) -> bool:
        return bool(page.evaluate("() => !!(window.CookieConsent && window.CookieConsent.run)"))

    def wait_for_banner(self, page: Page) -> None:
        try:
            page.locator("#cc-main .cm").wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout as exc:
            raise BannerNotFound(f"{self.name}: consent banner #cc-main .cm did not appear") from exc

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator('#cc-main .cm [data-role="all"]')
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator('#cc-main .cm [data-role="necessary"]')
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            opener = page.locator('[data-cc="show-preferencesModal"]')
            if opener.count():
                opener.first.click(timeout=self.timeout_ms)
            else:
                page.evaluate("() => window.CookieConsent.showPreferences()")
        else:
            self.wait_for_banner(page)
            page.locator('#cc-main .cm [data-role="show"]').click(timeout=self.timeout_ms)
        try:
            page.locator("#cc-main .pm").wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout as exc:
            raise BannerNotFound(f"{self.name}: preferences modal #cc-main .pm did not open") from exc

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        toggle = page.locator(f'#cc-main .pm input.section__toggle[value="{category}"]')
        if not toggle.count() or toggle.is_disabled() or toggle.is_checked() == granted:
            return  # read-only (necessary) or already as wanted
        # The checkbox is visually hidden; clicking its label is what a visitor does.
        page.locator(f'#cc-main .pm label:has(input.section__toggle[value="{category}"])').first.click(
            timeout=self.timeout_ms
        )

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator('#cc-main .pm [data-role="save"]')
        on_decide()
        button.click(timeout=self.timeout_ms)

    def stored(self, page: Page) -> str | None:
        # The cookie, not the JS API: it survives the reload a site may do right after a change.
        return next((str(c["value"]) for c in page.context.cookies() if c["name"] == COOKIE), None)

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            accepted = set(json.loads(unquote(raw)).get("categories", []))
        except (ValueError, AttributeError):
            return None
        return {c: True for c in accepted}  # a category missing from the cookie was refused

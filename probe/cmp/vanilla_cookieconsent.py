"""vanilla-cookieconsent v3 (orestbida/cookieconsent)."""

from __future__ import annotations

import json
from urllib.parse import unquote

from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, OnDecide
from probe.cmp.page_tools import cookie

COOKIE = "cc_cookie"
BANNER = "#cc-main .cm"
PREFERENCES = "#cc-main .pm"


class VanillaCookieConsent(CmpAdapter):
    """Banner ``#cc-main .cm``, preferences ``#cc-main .pm``; buttons carry ``data-role``."""

    name = "vanilla-cookieconsent"
    # The UMD global exists before the site calls run(); the site's categories only after it.
    api = "window.CookieConsent && window.CookieConsent.getConfig && window.CookieConsent.getConfig('categories')"
    api_label = "window.CookieConsent"

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, BANNER, "the consent banner")

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f'{BANNER} [data-role="all"]', "the accept-all button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f'{BANNER} [data-role="necessary"]', "the reject-all button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            self.reopen_from_page(page, '[data-cc="show-preferencesModal"]',
                                  "() => window.CookieConsent.showPreferences()")
        else:
            self.wait_for_banner(page)
            self.wait_for(page, f'{BANNER} [data-role="show"]', "the preferences button").click(
                timeout=self.timeout_ms)
        self.wait_for(page, PREFERENCES, "the preferences modal")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        toggle = page.locator(f'{PREFERENCES} input.section__toggle[value="{category}"]')
        if not toggle.count() or toggle.is_disabled() or toggle.is_checked() == granted:
            return  # read-only (necessary) or already as wanted
        # The checkbox is visually hidden; clicking its label is what a visitor does.
        page.locator(f'{PREFERENCES} label:has(input.section__toggle[value="{category}"])').first.click(
            timeout=self.timeout_ms
        )

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f'{PREFERENCES} [data-role="save"]', "the save button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        # the library renders only the buttons its configuration gives: a missing one is not there
        return FirstLayer(BANNER, "#cc-main", f'{BANNER} [data-role="all"]', f'{BANNER} [data-role="necessary"]')

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        return dict(page.locator(f"{PREFERENCES} input.section__toggle:not([disabled])").evaluate_all(
            "els => els.map(e => [e.value, e.checked])"))

    def stored(self, page: Page) -> str | None:
        # The cookie, not the JS API: it survives the reload a site may do right after a change.
        return cookie(page, COOKIE)

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            accepted = set(json.loads(unquote(raw)).get("categories", []))
        except (ValueError, AttributeError):
            return None
        return {c: True for c in accepted}  # a category missing from the cookie was refused

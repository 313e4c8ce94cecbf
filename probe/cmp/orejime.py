"""Orejime 3 (boscop-fr/orejime), standard theme.

A category is an Orejime purpose id (``purposes[].id``, nested purposes included). The choice is
read back from Orejime's cookie (``eu-consent`` by default, ``cookie.name`` in its config), which
holds URL-encoded JSON of purpose id -> consent.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from playwright.sync_api import Page

from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, evaluate_steady, set_checkbox, visible_first

BANNER = "[data-testid=orejime-banner]"
MODAL = "[data-testid=orejime-modal]"


class Orejime(CmpAdapter):
    """Banner and modal carry ``data-testid=orejime-*``; purpose toggles ``orejime-purpose-<id>``."""

    name = "orejime"

    def __init__(self, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self._cookie_name: str | None = None

    def detect(self, page: Page) -> bool:
        return bool(page.evaluate("() => !!(window.orejime && window.orejime.manager) || !!window.loadOrejime"))

    def _cookie(self, page: Page) -> str:
        # Learned once while the page is steady; the name does not change.
        if self._cookie_name is None:
            self._cookie_name = str(evaluate_steady(
                page, "() => ((window.orejime && window.orejime.config.cookie) || {}).name || 'eu-consent'"))
        return self._cookie_name

    def wait_for_banner(self, page: Page) -> None:
        visible_first(page, BANNER, f"{self.name}: consent banner", self.timeout_ms)
        self._cookie(page)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator(f"{BANNER} [data-testid=orejime-banner-accept]").first
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator(f"{BANNER} [data-testid=orejime-banner-decline]").first
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        self._cookie(page)
        if reopen:
            opener = page.locator('[onclick*="orejime.prompt"]').filter(visible=True)
            if opener.count():
                opener.first.click(timeout=self.timeout_ms)
            else:
                page.evaluate("() => window.orejime.prompt()")
        else:
            self.wait_for_banner(page)
            page.locator(f"{BANNER} [data-testid=orejime-banner-configure]").first.click(timeout=self.timeout_ms)
        visible_first(page, MODAL, f"{self.name}: preferences modal", self.timeout_ms)

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        if not set_checkbox(page, f"{MODAL} input[data-testid=orejime-purpose-{category}]", granted, self.timeout_ms):
            raise CmpError(f"{self.name}: no purpose {category!r} in the preferences modal")

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator(f"{MODAL} [data-testid=orejime-modal-save]").first
        on_decide()
        button.click(timeout=self.timeout_ms)

    def stored(self, page: Page) -> str | None:
        return cookie(page, self._cookie(page))

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            consents = json.loads(unquote(raw))
        except ValueError:
            return None
        return {str(k): v is True for k, v in consents.items()} if isinstance(consents, dict) else None

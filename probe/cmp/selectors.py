"""The generic adapter: plain selectors from the suite, verified by a consent cookie changing."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from probe.cmp.base import BannerNotFound, CmpAdapter, CmpError, OnDecide
from probe.suite import Selectors


class SelectorsAdapter(CmpAdapter):
    """Clicks what the suite names; a toggle selector flips a category when its state differs."""

    name = "selectors"

    def __init__(self, selectors: Selectors, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self.sel = selectors
        self._granted: dict[str, bool] = {}

    def _need(self, what: str) -> str:
        value = getattr(self.sel, what)
        if not value:
            raise CmpError(f"selectors adapter: the suite gives no cmp.selectors.{what}")
        return str(value)

    def detect(self, page: Page) -> bool:
        return bool(self.sel.banner and page.locator(self.sel.banner).count())

    def wait_for_banner(self, page: Page) -> None:
        try:
            page.locator(self._need("banner")).first.wait_for(state="visible", timeout=self.timeout_ms)
        except CmpError:
            raise
        except PlaywrightTimeout as exc:
            raise BannerNotFound(f"selectors adapter: banner {self.sel.banner!r} did not appear") from exc

    def _click(self, page: Page, what: str) -> None:
        page.locator(self._need(what)).first.click(timeout=self.timeout_ms)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        on_decide()
        self._click(page, "accept_all")

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        on_decide()
        self._click(page, "reject_all")

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if not reopen:
            self.wait_for_banner(page)
        self._click(page, "reopen" if reopen else "open_preferences")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        selector = self.sel.toggles.get(category)
        if selector is None:
            return
        toggle = page.locator(selector).first
        checked = toggle.is_checked() if toggle.evaluate("e => 'checked' in e") else None
        if checked is None or checked != granted:
            toggle.click(timeout=self.timeout_ms)

    def save(self, page: Page, on_decide: OnDecide) -> None:
        on_decide()
        self._click(page, "save")

    def state(self, page: Page) -> dict[str, bool] | None:
        return None  # plain selectors cannot read a CMP's categories

    def stored(self, page: Page) -> str | None:
        name = self.sel.consent_cookie
        if not name:
            raise CmpError("selectors adapter: cmp.selectors.consent_cookie is needed to verify actions")
        return next((str(c["value"]) for c in page.context.cookies() if c["name"] == name), None)

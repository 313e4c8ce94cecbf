"""The consent-banner adapter contract, and the one way every adapter waits for, applies and verifies a choice."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar, TypeVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from probe.banner.measure import FirstLayer

OnDecide = Callable[[], None]
T = TypeVar("T")
POLL_MS = 100  # how often a wait looks again: small against a tag manager's seconds


class CmpError(Exception):
    """A banner could not be driven; the scenario errors with this reason (and a screenshot)."""


class BannerNotFound(CmpError):
    """The banner (or the CMP's JS API) never appeared."""


class ActionHadNoEffect(CmpError):
    """The click happened but the CMP's stored state does not show the choice."""


class CmpAdapter:
    """Drives one CMP. Subclasses fill in the primitive steps; waiting, ``apply`` and ``verify`` are shared.

    ``on_decide`` is called right before the decisive click, so the proxy's phase mark sits at the
    moment the visitor answered, and wire order decides what came before it.

    Sites often load their CMP through a tag manager seconds after the page, so every step waits
    (``wait_for``) for the CMP's JS API (``api``, named ``api_label`` in errors) and its markup.
    """

    name: ClassVar[str] = "base"
    api: ClassVar[str | None] = None  # JS expression, truthy once the CMP is initialised
    api_label: ClassVar[str] = ""
    marker: ClassVar[str | None] = None  # CSS of an element only this CMP adds: detection without its API

    def __init__(self, timeout_ms: int = 8000) -> None:
        self.timeout_ms = timeout_ms
        # banner measuring (probe.banner): once the first layer shows, and once the preferences are
        # open from it, before probe touches a toggle
        self.on_banner: Callable[[Page], None] | None = None
        self.before_toggles: Callable[[Page], None] | None = None

    # -- primitives: override ---------------------------------------------------------------------------

    def detect(self, page: Page) -> bool:
        """True when this CMP is on the page now (no waiting: ``cmp: auto`` polls it)."""
        if self.api is not None and self.api_ready(page):
            return True
        try:
            return self.marker is not None and bool(page.locator(self.marker).count())
        except PlaywrightError:
            return False  # mid-navigation

    def wait_for_banner(self, page: Page) -> None:
        """Wait until the first-layer banner is visible, else raise BannerNotFound."""
        raise NotImplementedError

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        """Click the banner's accept-all button."""
        raise NotImplementedError

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        """Click the banner's reject-all button."""
        raise NotImplementedError

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        """Open the preferences UI, from the banner or (``reopen``) from the page after it closed."""
        raise NotImplementedError

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        """Flip one category toggle in the open preferences UI to ``granted``."""
        raise NotImplementedError

    def save(self, page: Page, on_decide: OnDecide) -> None:
        """Save the preferences UI's choice."""
        raise NotImplementedError

    def state(self, page: Page) -> dict[str, bool] | None:
        """The CMP's stored choice (category -> granted; absent means refused), None when unknown."""
        raise NotImplementedError

    def stored(self, page: Page) -> str | None:
        """The raw stored consent (usually the CMP's cookie value): proof that an action was recorded."""
        raise NotImplementedError

    def first_layer(self, page: Page) -> FirstLayer | None:
        """Where the banner's first layer and its accept / reject controls are; None: not known (not measured)."""
        return None

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        """The open preferences' optional (not read-only) category toggles: id -> ticked; None: not known."""
        return None

    # -- waiting ----------------------------------------------------------------------------------------

    def api_ready(self, page: Page) -> bool:
        """True when the CMP's JS API is there now (False mid-navigation)."""
        if self.api is None:
            return True
        try:
            return bool(
                page.evaluate(f"() => {{ try {{ return !!({self.api}); }} catch (e) {{ return false; }} }}")
            )
        except PlaywrightError:
            return False

    def wait_for(self, page: Page, selector: str | None = None, what: str = "") -> Locator:
        """Wait up to ``timeout_ms`` for the CMP's JS API and (if given) a visible ``selector``; returns
        the first visible match (the page when no selector), else BannerNotFound naming both."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        while True:
            ready = self.api_ready(page)
            shown = selector is None or _visible_count(page, selector) > 0
            if ready and shown:
                return page.locator(selector or ":root").filter(visible=True).first
            if time.monotonic() >= deadline:
                raise BannerNotFound(self.waited_for(selector, what, ready=ready, shown=shown))
            page.wait_for_timeout(POLL_MS)

    def wait_for_api(self, page: Page) -> None:
        """Wait for the CMP's JS API alone (reading its config, or before a site link that calls it)."""
        self.wait_for(page)

    def waited_for(self, selector: str | None, what: str, *, ready: bool, shown: bool) -> str:
        """The one-line reason a wait gave up: what was waited for, and which part never came."""
        target = f"{what} {selector}".strip() if selector else ""
        waited = " and ".join(filter(None, (self.api_label if self.api else "", target)))
        if self.api and selector and not ready and not shown:
            missing = "neither appeared"
        elif self.api and selector:
            missing = f"{self.api_label} did not appear" if not ready else f"{selector} did not appear"
        else:
            missing = "it did not appear"
        return f"{self.name}: waited {self.timeout_ms} ms for {waited}; {missing}"

    def reopen_from_page(self, page: Page, opener: str, call: str) -> None:
        """Reopen the preferences as a visitor does: the site's visible opener once the CMP's API is ready
        (before that a link like ``onclick="klaro.show()"`` does nothing), else the API call ``call``."""
        self.wait_for_api(page)
        link = page.locator(opener).filter(visible=True)
        if link.count():
            link.first.click(timeout=self.timeout_ms)
        else:
            page.evaluate(call)

    # -- shared -----------------------------------------------------------------------------------------

    def apply(
        self,
        page: Page,
        choice: dict[str, bool],
        *,
        action: str,
        via_preferences: bool,
        reopen: bool,
        on_decide: OnDecide,
    ) -> dict[str, bool] | None:
        """Make ``choice`` through the UI and verify the CMP stored it; returns the stored state."""
        try:
            # the CMP may still be loading: what "before" means (its storage) is known once it is there
            if reopen:
                self.wait_for_api(page)
            else:
                self.wait_for_banner(page)
                if self.on_banner is not None:
                    self.on_banner(page)
            before = self._safely(self.stored, page)
            if reopen or via_preferences or action == "choose":
                self.open_preferences(page, reopen=reopen)
                if not reopen and self.before_toggles is not None:
                    self.before_toggles(page)
                for category, granted in choice.items():
                    self.set_category(page, category, granted)
                self.save(page, on_decide)
            elif action == "accept_all":
                self.accept_all(page, on_decide)
            elif action == "reject_all":
                self.reject_all(page, on_decide)
            else:
                raise CmpError(f"unknown banner action {action!r}")
        except PlaywrightError as exc:
            raise CmpError(
                f"{self.name}: banner action {action!r} failed: {str(exc).splitlines()[0]}"
            ) from exc
        return self.verify(page, choice, before)

    def verify(self, page: Page, choice: dict[str, bool], before: str | None) -> dict[str, bool] | None:
        """Poll until the stored consent changed and (where readable) equals the choice.

        Only the categories in ``choice`` are compared: a strictly necessary one is left out of it,
        and a CMP may store nothing for it.
        """
        state: dict[str, bool] | None = None
        stored: str | None = None
        deadline = time.monotonic() + self.timeout_ms / 1000
        while True:
            stored = self._safely(self.stored, page)
            if stored is not None and stored != before:
                try:
                    state = self.state(page)
                except PlaywrightError:
                    state = None  # mid-reload: read again rather than take it as verified
                else:
                    if state is None or all(state.get(c, False) == g for c, g in choice.items()):
                        return state
            if time.monotonic() >= deadline:
                break
            page.wait_for_timeout(50)
        if stored is None or stored == before:
            raise ActionHadNoEffect(f"banner action had no effect: {self.name} stored consent did not change")
        raise ActionHadNoEffect(f"banner action had no effect: {self.name} stored {state}, expected {choice}")

    @staticmethod
    def _safely(read: Callable[[Page], T], page: Page) -> T | None:
        try:
            return read(page)
        except PlaywrightError:
            return None  # mid-navigation (sites reload on a consent change)


def _visible_count(page: Page, selector: str) -> int:
    try:
        return page.locator(selector).filter(visible=True).count()
    except PlaywrightError:
        return 0  # mid-navigation: not there yet

"""The consent-banner adapter contract, and the one way every adapter applies and verifies a choice."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

OnDecide = Callable[[], None]
T = TypeVar("T")


class CmpError(Exception):
    """A banner could not be driven; the scenario errors with this reason (and a screenshot)."""


class BannerNotFound(CmpError):
    """The banner never appeared."""


class ActionHadNoEffect(CmpError):
    """The click happened but the CMP's stored state does not show the choice."""


class CmpAdapter:
    """Drives one CMP. Subclasses fill in the primitive steps; ``apply`` is shared.

    ``on_decide`` is called right before the decisive click, so the proxy's phase mark sits at the
    moment the visitor answered, and wire order decides what came before it.
    """

    name: ClassVar[str] = "base"

    def __init__(self, timeout_ms: int = 8000) -> None:
        self.timeout_ms = timeout_ms

    # -- primitives: override ---------------------------------------------------------------------------

    def detect(self, page: Page) -> bool:
        """True when this CMP is present on the page."""
        raise NotImplementedError

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
        before = self._safely(self.stored, page)
        try:
            if reopen or via_preferences or action == "choose":
                self.open_preferences(page, reopen=reopen)
                for category, granted in choice.items():
                    self.set_category(page, category, granted)
                self.save(page, on_decide)
            elif action == "accept_all":
                self.wait_for_banner(page)
                self.accept_all(page, on_decide)
            elif action == "reject_all":
                self.wait_for_banner(page)
                self.reject_all(page, on_decide)
            else:
                raise CmpError(f"unknown banner action {action!r}")
        except PlaywrightError as exc:
            raise CmpError(
                f"{self.name}: banner action {action!r} failed: {str(exc).splitlines()[0]}"
            ) from exc
        return self.verify(page, choice, before)

    def verify(self, page: Page, choice: dict[str, bool], before: str | None) -> dict[str, bool] | None:
        """Poll until the stored consent changed and (where readable) equals the choice."""
        state: dict[str, bool] | None = None
        stored: str | None = None
        for _ in range(max(1, self.timeout_ms // 50)):
            stored = self._safely(self.stored, page)
            if stored is not None and stored != before:
                try:
                    state = self.state(page)
                except PlaywrightError:
                    page.wait_for_timeout(50)  # mid-reload: read again rather than take it as verified
                    continue
                if state is None or all(state.get(c, False) == g for c, g in choice.items()):
                    return state
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

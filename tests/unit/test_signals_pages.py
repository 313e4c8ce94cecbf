"""Page signals: reading the CMP APIs in a real Chromium, compacting them, storing and reading them back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright
from timeline_factory import Recording

from probe.browser import find_browser, launch_args
from probe.signals import compact_page_signals, page_signals, read_page_signals, signals_from_pages
from probe.timeline import AFTER, BEFORE, REVOKED

TC_STRING = "COv_eg6Ov_eg6AOADBENAaCgAP_AAH_AACiQAVEUQQoAIQAqIoghAAQgAA"

FULL_CMP = f"""<script>
window.__tcfapi = (command, version, callback) => callback({{
  tcString: "{TC_STRING}", gdprApplies: true, cmpId: 10, cmpStatus: "loaded",
  eventStatus: "useractioncomplete", listenerId: null, addEventListener: () => 1,
  purpose: {{consents: {{"1": true, "2": false, "3": true}}, legitimateInterests: {{"2": true}}}},
  vendor: {{consents: {{"1": true, "2": true, "755": false}}}}
}}, true);
window.__gpp = (command, callback) => callback({{
  gppVersion: "1.1", cmpStatus: "loaded", signalStatus: "ready", applicableSections: [7],
  supportedAPIs: ["7:usnat"], gppString: "DBABLA~BVQqAAAAAgA.QA", parsedSections: {{usnat: [{{}}]}}
}}, true);
window.__uspapi = (command, version, callback) => callback({{version: 1, uspString: "1YNN"}}, true);
Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {{get: () => true}});
</script>"""

AWKWARD_CMP = """<script>
window.__tcfapi = () => {};  // a stub whose CMP never loads: the callback never comes
window.__gpp = (command) => ({gppVersion: "1.0", cmpStatus: "stub", gppString: "DBAA"});  // GPP 1.0 returns
window.__uspapi = () => { throw new Error("not ready"); };
</script>"""


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """A headless Chromium whose only way out is a closed local port: set_content needs no network."""
    choice = find_browser(playwright, allow_apt=False)
    options: dict[str, Any] = {
        "headless": True,
        "args": launch_args(None),
        "proxy": {"server": "http://127.0.0.1:9"},
    }
    if choice.executable:
        options["executable_path"] = choice.executable
    launched = playwright.chromium.launch(**options)
    yield launched
    launched.close()


def signals_of(browser: Browser, html: str, **kwargs: Any) -> dict[str, Any]:
    """read_page_signals on a page showing ``html``."""
    page = browser.new_page()
    try:
        page.set_content(html)
        return read_page_signals(page, **kwargs)
    finally:
        page.close()


@pytest.mark.e2e
def test_reads_every_api_in_a_real_page(browser: Browser) -> None:
    assert signals_of(browser, FULL_CMP) == {
        "tcf": {
            "tcString": TC_STRING,
            "gdprApplies": True,
            "cmpId": 10,
            "cmpStatus": "loaded",
            "eventStatus": "useractioncomplete",
            "purposeConsents": [1, 3],
            "purposeLegitimateInterests": [2],
            "vendorConsentCount": 2,
        },
        "gpp": {
            "gppString": "DBABLA~BVQqAAAAAgA.QA",
            "gppVersion": "1.1",
            "cmpStatus": "loaded",
            "signalStatus": "ready",
            "applicableSections": [7],
            "supportedAPIs": ["7:usnat"],
        },
        "usp": {"uspString": "1YNN", "version": 1},
        "gpc": True,
    }


@pytest.mark.e2e
def test_a_page_without_apis_gives_only_gpc(browser: Browser) -> None:
    assert signals_of(browser, "<p>no CMP here</p>") == {"gpc": None}


@pytest.mark.e2e
def test_stubs_time_out_and_errors_are_reported_not_raised(browser: Browser) -> None:
    assert signals_of(browser, AWKWARD_CMP, timeout_ms=200) == {
        "tcf": {"error": "timeout"},
        "gpp": {
            "gppString": "DBAA",
            "gppVersion": "1.0",
            "cmpStatus": "stub",
            "signalStatus": None,
            "applicableSections": None,
            "supportedAPIs": None,
        },
        "usp": {"error": "not ready"},
        "gpc": None,
    }


class ClosedPage:
    """A page whose evaluate fails the way Playwright does when the target closed."""

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        raise RuntimeError("Target page, context or browser has been closed\nCall log: ...")


def test_a_failing_page_gives_an_error_entry() -> None:
    assert read_page_signals(ClosedPage()) == {
        "error": "RuntimeError: Target page, context or browser has been closed"
    }


def test_compacting_keeps_the_stored_form_small() -> None:
    raw = {
        "tcf": {"success": False, "data": {"tcString": "x"}},
        "gpp": {"data": "not an object", "success": True},
        "usp": {"error": "timeout"},
        "gpc": "yes",
        "extra": {"ignored": True},
    }
    assert compact_page_signals(raw) == {
        "tcf": {"error": "the API reported failure"},
        "gpp": {"error": "the API reported failure"},
        "usp": {"error": "timeout"},
        "gpc": None,
    }
    assert compact_page_signals(None) == {"error": "no answer"}


def test_signals_round_trip_through_har_pages() -> None:
    pages = [
        {"id": BEFORE, "_probe": {"phase": BEFORE, "signals": {"gpc": True}}},
        {"id": AFTER, "_probe": {"phase": AFTER, "storage": {}}},  # a page written before this feature
        {"id": REVOKED, "_probe": {"signals": {"tcf": {"error": "timeout"}, "gpc": None}}},
        {"id": "page_1", "_probe": {"signals": {"gpc": True}}},  # a foreign HAR's page
        "not a page",
    ]
    assert signals_from_pages(pages) == {
        BEFORE: {"gpc": True},
        REVOKED: {"tcf": {"error": "timeout"}, "gpc": None},
    }
    assert signals_from_pages({"pages": "wrong shape"}) == {}


def test_page_signals_reads_the_timeline_field_defensively() -> None:
    timeline = Recording().build()
    assert page_signals(timeline) == {}
    signals = {AFTER: {"gpc": True}, "elsewhere": {"gpc": True}, REVOKED: "bad"}
    timeline.page_signals = signals  # type: ignore[attr-defined]
    assert page_signals(timeline) == {AFTER: {"gpc": True}}

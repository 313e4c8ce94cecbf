"""Bad input: each gives a one-line cause, and the evidence captured so far is still written."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from probe.runner import Runner
from probe.suite import Suite
from tests.conftest import SITES, read_har

pytestmark = pytest.mark.e2e


def broken_suite(page: str, **extra: Any) -> Suite:
    data: dict[str, Any] = {
        "name": "broken",
        "start_url": f"https://broken.test/{page}",
        "categories": {"necessary": {"required": True}, "analytics": {"segment": ["analytics"]}},
        "offline": {"routes": [{"url": "https://broken.test/", "dir": str(SITES / "broken")}]},
        "scenarios": ["accept_all"],
    }
    data.update(extra)
    return Suite.model_validate(data)


def assert_evidence_kept(out: Path) -> dict[str, Any]:
    names = {p.name for p in out.iterdir()}
    assert {"evidence.har", "manifest.json", "suite.json"} <= names
    return read_har(out)


def test_missing_banner_errors_with_screenshot(site_runner, tmp_path: Path) -> None:
    suite = broken_suite("no-banner.html", cmp={"adapter": "vanilla-cookieconsent", "timeout_ms": 1500})
    run = site_runner(suite, "accept_all", tmp_path / "s")
    assert run.error == (
        "vanilla-cookieconsent: waited 1500 ms for window.CookieConsent and the consent banner #cc-main .cm; "
        "neither appeared"
    )
    assert (tmp_path / "s" / "error.png").stat().st_size > 0
    har = assert_evidence_kept(tmp_path / "s")
    assert [e["request"]["url"] for e in har["log"]["entries"]][0] == "https://broken.test/no-banner.html"
    assert har["log"]["_probe"]["error"] == run.error


def test_banner_action_without_effect_errors(site_runner, tmp_path: Path) -> None:
    suite = broken_suite(
        "dead-banner.html",
        cmp={
            "adapter": "selectors",
            "timeout_ms": 1500,
            "selectors": {
                "banner": "#banner",
                "accept_all": "#accept",
                "reject_all": "#reject",
                "consent_cookie": "consent",
            },
        },
    )
    run = site_runner(suite, "accept_all", tmp_path / "s")
    assert run.error == "banner action had no effect: selectors stored consent did not change"
    assert (tmp_path / "s" / "error.png").is_file()
    assert_evidence_kept(tmp_path / "s")


def test_unreachable_site_errors_naming_the_url(site_runner, tmp_path: Path) -> None:
    suite = broken_suite("no-banner.html", start_url="https://down.test/", pages=["https://down.test/"])
    run = site_runner(suite, "accept_all", tmp_path / "s")
    assert run.error == (
        "site unreachable: https://down.test/ answered HTTP 502 "
        "(blocked by offline mode: add a route or sink)"
    )
    har = assert_evidence_kept(tmp_path / "s")
    pages = [
        (e["request"]["url"], e["_probe"]["blocked"])
        for e in har["log"]["entries"]
        if "favicon" not in e["request"]["url"]
    ]
    assert pages == [("https://down.test/", True)]


def test_browser_that_dies_mid_scenario(playwright: Playwright, tmp_path: Path) -> None:
    suite = broken_suite("no-banner.html", cmp={"adapter": "vanilla-cookieconsent", "timeout_ms": 1500})
    with Runner(playwright, suite) as runner:

        def kill_browser_after_first_phase(line: str) -> None:
            if "before-consent:" in line:
                _kill_processes_using(runner.proxy.server)

        runner.progress = kill_browser_after_first_phase
        run = runner.run_scenario(suite.scenario("accept_all"), tmp_path / "s")
    assert run.error is not None and run.error.startswith("browser died: ")
    har = assert_evidence_kept(tmp_path / "s")
    assert [e["request"]["url"] for e in har["log"]["entries"] if "favicon" not in e["request"]["url"]] == [
        "https://broken.test/no-banner.html"
    ]


def _kill_processes_using(proxy_server: str) -> None:
    """SIGKILL every browser process launched with this proxy (the test's own Chromium only)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if f"--proxy-server={proxy_server}" in cmdline:
            os.kill(int(pid), signal.SIGKILL)

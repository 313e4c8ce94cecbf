"""--probe-connect: the plugin's scenarios run in a Playwright browser server's browser, not a launched one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from probe.browser import endpoint_host
from tests.remote_browser import browser_server

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo" / "suite.yaml"

pytestmark = pytest.mark.e2e
pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def server(playwright: Playwright) -> Iterator[str]:
    with browser_server(playwright) as endpoint:
        yield endpoint


def test_probe_connect_runs_a_suite_scenario_in_the_server_browser(
    pytester: pytest.Pytester, server: str
) -> None:
    out = pytester.path / "evidence"
    result = pytester.runpytest_subprocess(
        "--probe-suite",
        str(DEMO),
        "-k",
        "accept_all",
        "--probe-connect",
        server,
        "--probe-out",
        str(out),
        "--probe-artifacts",
        "on",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, deselected=3)
    (kept,) = list(out.iterdir())
    log = json.loads((kept / "evidence.har").read_text(encoding="utf-8"))["log"]
    # the evidence says the browser was the server's, so the pass was not a launched browser's
    assert log["_probe"]["browser_server"]["endpoint_host"] == endpoint_host(server)
    assert [page["id"] for page in log["pages"]] == ["before-consent", "after-consent"]


def test_probe_connect_to_nothing_is_one_error_naming_the_server(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--probe-suite",
        str(DEMO),
        "-k",
        "no_decision",
        "--probe-connect",
        "ws://127.0.0.1:1/",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=1, deselected=3)
    # the Runner refuses to start, naming the server and Playwright's reason
    result.stdout.fnmatch_lines(
        [
            "E * probe.browser.BrowserUnreachable: cannot connect to the browser server at 127.0.0.1:1: *ECONNREFUSED*"
        ]
    )

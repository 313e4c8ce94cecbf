"""Remote browsers: probe against a Playwright browser server it did not launch.

The server (tests/remote_browser.py) runs in its own process on loopback with none of probe's launch
flags: no certificate pin, ``navigator.webdriver`` true. Everything probe needs is set per context, and
a remote run must judge the demo exactly as a local run does.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from probe.browser import context_options, endpoint_host
from probe.capture import NOISE_CONTEXT, Upstream
from probe.netaddr import free_port
from probe.runner import Runner
from probe.suite import Suite
from tests.capture.servers import basic, exchange, status_of
from tests.conftest import ROOT, read_har
from tests.remote_browser import browser_server

pytestmark = pytest.mark.e2e

LEAKY = ROOT / "tests" / "sites" / "plugin" / "leaky.yaml"
OFFLINE_TLS = (
    "ignore_https_errors per context (no certificate pin on a browser probe did not launch); "
    "offline: nothing goes upstream"
)


@pytest.fixture(scope="module")
def server(playwright: Playwright) -> Iterator[str]:
    with browser_server(playwright) as endpoint:
        yield endpoint


def _probe(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    # a run starts its own Playwright: a process of its own, as a user would run it
    return subprocess.run(
        [sys.executable, "-m", "probe", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=900,  # a hang guard only: the machine may be busy
        check=False,
        cwd=cwd,
    )


def _side_by_side(
    *runs: tuple[object, ...], cwd: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Several probe runs at once (separate processes: the remote and the local run do not share)."""
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = [pool.submit(_probe, *args, cwd=cwd) for args in runs]
    return [future.result() for future in futures]


def _verdicts(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What a report decided per scenario, without what differs between any two visits (times, entries)."""
    cited: dict[str, list[tuple[str, str]]] = {s["name"]: [] for s in report["scenarios"]}
    for item in report["checklist"]:
        for scenario in sorted({ref["scenario"] for ref in item["evidence"] if ref.get("scenario")}):
            cited[scenario].append((item["id"], item["answer"]))
    return {
        s["name"]: {
            "status": s["status"],
            "error": s["error"],
            "findings": sorted(f["fingerprint"] for f in s["findings"]),
            "unjudged": s["unjudged"],
            "marks": [(m["phase"], m["source"], m["choice"], m["choice_source"]) for m in s["marks"]],
            "signals": s["signals"],
            "checklist": cited[s["name"]],
        }
        for s in report["scenarios"]
    }


def _report(run_dir: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    return report


def test_remote_demo_run_equals_a_local_one(server: str, tmp_path: Path) -> None:
    remote, local = _side_by_side(
        ("demo", "--connect", server, "--run-dir", tmp_path / "remote"),
        ("demo", "--run-dir", tmp_path / "local"),
        cwd=tmp_path,
    )
    assert remote.returncode == 0, remote.stderr
    assert local.returncode == 0, local.stderr
    remote_report, local_report = _report(tmp_path / "remote"), _report(tmp_path / "local")

    verdicts = _verdicts(remote_report)
    assert verdicts == _verdicts(local_report)
    assert [(c["id"], c["answer"]) for c in remote_report["checklist"]] == [
        (c["id"], c["answer"]) for c in local_report["checklist"]
    ]
    # not vacuous: every scenario passed having made its decisions through the banner, which the
    # remote browser would have hidden without the per-context webdriver fix
    accept_all = {"necessary": True, "analytics": True, "marketing": True}
    reject_analytics = {"necessary": True, "analytics": False, "marketing": True}
    revoked = {"necessary": True, "analytics": False, "marketing": False}
    assert {name: (v["status"], v["marks"]) for name, v in verdicts.items()} == {
        "no_decision": ("pass", []),
        "accept_all": ("pass", [("after-consent", "recorded", accept_all, "recorded")]),
        "reject_analytics": ("pass", [("after-consent", "recorded", reject_analytics, "recorded")]),
        "revoke": (
            "pass",
            [
                ("after-consent", "recorded", accept_all, "recorded"),
                ("after-revoke", "recorded", revoked, "recorded"),
            ],
        ),
    }
    assert [(c["id"], c["answer"]) for c in remote_report["checklist"]][:4] == [
        ("destination-categorization", "yes"),
        ("sdk-waits", "yes"),
        ("consent-stamped", "yes"),
        ("filters-honor-categories", "yes"),
    ]
    # the remote evidence says what was remote; the local one does not claim it
    for name in verdicts:
        assert read_har(tmp_path / "remote" / name)["log"]["_probe"]["browser_server"] == {
            "endpoint_host": endpoint_host(server),
            "tls": OFFLINE_TLS,
            "webdriver": "navigator.webdriver hidden per context (init script)",
        }
        assert "browser_server" not in read_har(tmp_path / "local" / name)["log"]["_probe"]


def test_remote_run_of_a_violating_suite_finds_what_a_local_run_finds(server: str, tmp_path: Path) -> None:
    remote, local = _side_by_side(
        ("run", LEAKY, "--connect", server, "--run-dir", tmp_path / "remote"),
        ("run", LEAKY, "--run-dir", tmp_path / "local"),
        cwd=tmp_path,
    )
    assert remote.returncode == 1, remote.stderr
    assert local.returncode == 1, local.stderr
    verdicts = _verdicts(_report(tmp_path / "remote"))
    assert verdicts == _verdicts(_report(tmp_path / "local"))
    assert verdicts["no_decision"]["status"] == "fail"
    assert verdicts["no_decision"]["findings"], (
        "the leaky shop has findings: the comparison is not of empty lists"
    )


def test_webdriver_is_true_on_the_server_and_hidden_in_probe_contexts(
    playwright: Playwright, server: str, demo_suite: Suite
) -> None:
    with Runner(playwright, demo_suite, connect=server) as runner:
        # the server's own default: a CMP with hideFromBots sees a bot and shows no banner
        bare = runner.browser.new_context(**context_options(runner.proxy.server, "bare", remote=True))
        try:
            page = bare.new_page()
            page.goto(demo_suite.start_url)
            assert page.evaluate("navigator.webdriver") is True
            # CookieConsent.run() has run (and returned: a bot is detected before its first await)
            assert page.evaluate("window._ccRun === true && document.querySelector('#cc-main') === null")
        finally:
            bare.close()
        # the same browser, a context made the way probe makes them: the banner shows
        context = runner.new_context("probe-made")
        try:
            page = context.new_page()
            page.goto(demo_suite.start_url)
            assert page.evaluate("navigator.webdriver") is False
            page.locator("#cc-main .cm").wait_for(state="visible")
        finally:
            context.close()


@pytest.mark.parametrize(
    ("live", "insecure", "upstream"),
    [
        (False, False, "offline: nothing goes upstream"),
        (True, False, "the proxy verifies upstream certificates"),
        (True, True, "the proxy does not verify upstream certificates (--upstream-insecure)"),
    ],
)
def test_browser_server_evidence_says_who_checks_certificates(
    playwright: Playwright, server: str, demo_suite: Suite, live: bool, insecure: bool, upstream: str
) -> None:
    with Runner(
        playwright, demo_suite, connect=server, live=live, upstream=Upstream(insecure=insecure)
    ) as runner:
        evidence = runner.browser_server_evidence()
    assert evidence == {
        "endpoint_host": endpoint_host(server),
        "tls": "ignore_https_errors per context (no certificate pin on a browser probe did not launch); "
        + upstream,
        "webdriver": "navigator.webdriver hidden per context (init script)",
    }
    # the endpoint's path is the server's token: only host:port is kept
    assert evidence["endpoint_host"] == server.removeprefix("ws://").split("/", 1)[0]


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        ("ws://127.0.0.1:3000/f3d26e04b488f5304fe56a61c8bf57ba", "127.0.0.1:3000"),
        ("ws://grid.internal/playwright?token=secret", "grid.internal:80"),
        ("wss://user:secret@grid.internal/ws", "grid.internal:443"),
        ("ws://[::1]:3000/x", "[::1]:3000"),
        ("ws://grid.internal:port/x", "<unparsable endpoint>"),
        ("ws:///x", "<unparsable endpoint>"),
    ],
)
def test_endpoint_host_keeps_host_and_port_only(endpoint: str, host: str) -> None:
    assert endpoint_host(endpoint) == host


def test_proxy_listen_is_where_the_proxy_listens_and_strangers_get_407(
    playwright: Playwright, server: str, demo_suite: Suite, tmp_path: Path
) -> None:
    port = free_port()
    with Runner(playwright, demo_suite, connect=server, proxy_listen=("127.0.0.1", port)) as runner:
        assert (runner.proxy.port, runner.proxy.server) == (port, f"http://127.0.0.1:{port}")
        run = runner.run_scenario(demo_suite.scenario("no_decision"), tmp_path / "no_decision")
        assert (run.error, run.phases) == (None, ["before-consent"])
        har = read_har(tmp_path / "no_decision")
        # the server's browser reached the proxy there: the page came through it, under the context
        assert har["log"]["entries"][0]["request"]["url"] == "https://shop.test/"
        assert {e["_probe"]["context"] for e in har["log"]["entries"]} == {har["log"]["_probe"]["context"]}
        assert har["log"]["_probe"]["browser_server"]["endpoint_host"] == endpoint_host(server)

        user = har["log"]["_probe"]["context"]
        # a sink of the demo suite: offline, the proxy answers it itself (204) for whoever may ask
        request = "GET http://www.facebook.com/tr HTTP/1.1\r\nHost: www.facebook.com\r\n{login}\r\n"
        for login in ("", f"Proxy-Authorization: {basic(user, 'guessed')}\r\n"):
            reply = exchange(port, request.format(login=login).encode())
            assert status_of(reply) == 407, reply[:200]
        for who in (user, NOISE_CONTEXT, None):
            assert runner.proxy.recorder.flows(who) == [], who  # type: ignore[arg-type]
        # the control: the same request with a login the run issued is served
        issued = f"Proxy-Authorization: {basic('control', runner.proxy.gate.issue('control'))}\r\n"
        assert status_of(exchange(port, request.format(login=issued).encode())) == 204


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (
            ("--proxy-listen", "0.0.0.0:0"),
            "probe: --proxy-listen: 0.0.0.0 is not an address a browser can connect to",
        ),
        (
            ("--proxy-listen", "nonsense"),
            "probe: --proxy-listen: wants HOST:PORT (PORT 0 for a free one), not 'nonsense'",
        ),
        (
            ("--connect", "http://x"),
            "probe: --connect wants a Playwright browser server's ws:// or wss:// endpoint",
        ),
        (
            ("--connect", "ws://127.0.0.1:1/"),
            "probe: cannot connect to the browser server at 127.0.0.1:1: BrowserType.connect: WebSocket error: "
            "connect ECONNREFUSED 127.0.0.1:1",
        ),
    ],
)
def test_bad_values_exit_2_with_one_line(args: tuple[str, ...], cause: str, tmp_path: Path) -> None:
    result = _probe("demo", *args, "--run-dir", tmp_path / "run", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(cause), line


def test_a_wrong_token_is_refused_without_showing_it(server: str, tmp_path: Path) -> None:
    wrong = server.rsplit("/", 1)[0] + "/not-the-servers-token"
    result = _probe("demo", "--connect", wrong, "--run-dir", tmp_path / "run", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line == (
        f"probe: cannot connect to the browser server at {endpoint_host(server)}: BrowserType.connect: "
        f"WebSocket error: {endpoint_host(server)} 400 Bad Request"
    )


def test_a_proxy_listen_address_that_cannot_be_had_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cases = {
            f"127.0.0.1:{port}": "Address already in use",
            "192.0.2.1:0": "Cannot assign requested address",  # TEST-NET-1: no interface of this machine
        }
        for value, why in cases.items():
            result = _probe("demo", "--proxy-listen", value, "--run-dir", tmp_path / why[:4], cwd=tmp_path)
            assert (result.returncode, result.stderr) == (
                2,
                f"probe: --proxy-listen {value}: cannot listen there ({why})\n",
            )

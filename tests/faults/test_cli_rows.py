"""Two rows of the fault list through the real command line: a page throwing hostile requests at the
offline proxy, and a stranger using the proxy during a run. Each asserts the exit code, what was kept,
and that `probe verify` passes on it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Playwright

from probe.runner import Runner
from probe.suite import Suite
from tests.capture.servers import CountingUpstream, ResettingUpstream, basic, exchange, status_of

pytestmark = pytest.mark.e2e
PROBE = [sys.executable, "-m", "probe"]

HOSTILE_PAGE = """<!doctype html><title>hostile</title><h1>hostile</h1>
<script>
  (async function () {
    const up = %d;
    const hostile = [
      ['/x%%00y', {}], ['/..%%2f..%%2fsecret.txt', {}], ['/', {method: 'PROPFIND'}],
      [`http://localhost:${up}/`, {mode: 'no-cors'}], [`https://127.0.0.1:${up}/x%%00y`, {mode: 'no-cors'}],
      ['https://shop.test.attacker.example/', {mode: 'no-cors'}],
    ];
    for (const [url, init] of hostile) { try { await fetch(url, init); } catch (e) {} }
  })();
</script>"""


@pytest.fixture
def upstream() -> Iterator[CountingUpstream]:
    server = CountingUpstream()
    yield server
    server.close()


def verify(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, "verify", str(folder)], capture_output=True, text=True, timeout=60)


def test_hostile_page_through_probe_run(upstream: CountingUpstream, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(HOSTILE_PAGE % upstream.port, encoding="utf-8")
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "hostile",
                # the site's own origin is the real local server: a forwarded request would reach it
                "start_url": f"http://127.0.0.1:{upstream.port}/index.html",
                "categories": {"necessary": {"required": True}},
                "offline": {"routes": [{"url": f"http://127.0.0.1:{upstream.port}/", "dir": str(site)}]},
                "scenarios": ["no_decision"],
                "settle_ms": 300,
            }
        ),
        encoding="utf-8",
    )
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [*PROBE, "run", str(suite), "--run-dir", str(run_dir)], capture_output=True, text=True, timeout=180
    )
    # nothing the page did is a consent violation: exit 0, and the report's path is the last line
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str((run_dir / "report.json").resolve())
    assert upstream.connections == 0
    har = json.loads((run_dir / "no_decision" / "evidence.har").read_text(encoding="utf-8"))
    own = ("/index.html", "/favicon.ico")  # the page itself, and the browser's icon request (a local 404)
    hostile = [e for e in har["log"]["entries"] if not e["request"]["url"].endswith(own)]
    assert len(hostile) >= 5
    assert {e["_probe"]["served"] for e in hostile} == {"blocked"}
    checked = verify(run_dir / "no_decision")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_stranger_using_the_proxy_during_a_run_is_refused_and_not_recorded(
    playwright: Playwright, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>shop</title><h1>shop</h1>", encoding="utf-8")
    suite = Suite.model_validate(
        {
            "name": "stranger",
            "start_url": "https://shop.test/index.html",
            "categories": {"necessary": {"required": True}},
            "offline": {"routes": [{"url": "https://shop.test/", "dir": str(site)}]},
            "scenarios": ["no_decision"],
            "settle_ms": 300,
        }
    )
    answers: list[int] = []

    def stranger(server: str) -> None:
        port = int(server.rsplit(":", 1)[-1])
        # the scenario's own user name with a guessed password, and no credentials at all
        for auth in (f"Proxy-Authorization: {basic('no_decision', 'guess')}\r\n", ""):
            raw = f"GET http://shop.test/index.html HTTP/1.1\r\nHost: shop.test\r\n{auth}\r\n".encode()
            answers.append(status_of(exchange(port, raw)))

    with Runner(playwright, suite) as runner:
        thread = threading.Thread(target=stranger, args=(runner.proxy.server,))
        thread.start()
        run = runner.run_scenario(suite.scenarios[0], tmp_path / "no_decision")
        thread.join(10)
    assert run.error is None
    assert answers == [407, 407]
    har = json.loads((run.evidence_dir / "evidence.har").read_text(encoding="utf-8"))
    urls = {e["request"]["url"] for e in har["log"]["entries"]}
    # only the page's own requests; the stranger asked for http://shop.test/index.html
    assert urls <= {"https://shop.test/index.html", "https://shop.test/favicon.ico"}
    assert "https://shop.test/index.html" in urls
    checked = verify(run.evidence_dir)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_upstream_that_resets_mid_body_stops_a_live_run_with_its_cause(tmp_path: Path) -> None:
    upstream = ResettingUpstream()
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "reset",
                "start_url": "http://staging.test/",
                "categories": {"necessary": {"required": True}},
                "scenarios": ["no_decision"],
                "settle_ms": 200,
            }
        ),
        encoding="utf-8",
    )
    run_dir = tmp_path / "run"
    try:
        done = subprocess.run(
            [*PROBE, "run", str(suite), "--live", "--run-dir", str(run_dir),
             "--upstream-resolve", f"staging.test=127.0.0.1:{upstream.port}"],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    finally:
        upstream.close()
    assert done.returncode == 2
    # the scenario's error is its one-line cause (the progress line), the run goes on to its reports
    [cause] = [line for line in done.stderr.splitlines() if "· ERROR " in line]
    assert "no_decision · ERROR site unreachable: http://staging.test/ answered HTTP 502" in cause
    assert "(upstream error: " in cause and "offline" not in cause
    har = json.loads((run_dir / "no_decision" / "evidence.har").read_text(encoding="utf-8"))
    page = har["log"]["entries"][0]
    assert page["_probe"]["served"] == "error" and page["response"]["_error"]
    checked = verify(run_dir / "no_decision")
    assert checked.returncode == 0, checked.stdout + checked.stderr

"""The demo shop as a staging site, run end to end by the CLI in live mode, judged like the offline demo.

A local HTTPS server with its own CA serves every host the demo's pages touch (the shop behind HTTP
basic auth, the Segment CDN, the vendor hosts the offline demo sinks). ``probe run --live
--sink-segment`` reaches it only through ``--resolve``, trusts it only through ``--upstream-ca`` and
logs in only through ``--http-credentials``; the suite has no offline block, so nothing is answered
from routes. The verdicts must be the offline demo's, and the login must be nowhere in the run folder.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from probe.capture.addon import CLIENT_SIDE
from probe.capture.routing import SEGMENT_INGEST_HOSTS
from probe.evidence.har_writer import MASKED_CREDENTIALS
from probe.evidence.manifest import verify
from probe.fingerprint import with_fingerprints
from probe.judge import build_report, judge_bundle
from probe.runner import ScenarioRun
from probe.suite import Suite
from tests.capture.servers import StagingServer, basic
from tests.conftest import read_har, segment_events
from tests.faults.conftest import movable_demo

pytestmark = pytest.mark.e2e

SITE_HOST = "shop.test"
USER, PASSWORD = "auditor", "Stg-7f3c9e-pass"  # a password no page, file or id could hold by chance
SCENARIOS = ["no_decision", "accept_all", "reject_analytics", "revoke"]
PHASES = {
    "no_decision": ["before-consent"],
    "accept_all": ["before-consent", "after-consent"],
    "reject_analytics": ["before-consent", "after-consent"],
    "revoke": ["before-consent", "after-consent", "after-revoke"],
}


@dataclass
class StagingRun:
    """What the live CLI run left behind, and the server it ran against."""

    run_dir: Path
    done: subprocess.CompletedProcess[str]
    server: StagingServer
    resolve: dict[str, str]  # host -> address:port, as given to --resolve
    backend: list[str]  # the suite's backend prefixes: the proxy hands them to the backend probe starts


def staging_hosts(demo: Suite) -> list[str]:
    """Every host the demo's pages load: its routes' hosts, then the vendor hosts it sinks offline."""
    assert demo.offline is not None
    hosts = list(dict.fromkeys(urlsplit(r.url).hostname or "" for r in demo.offline.routes))
    # a sink pattern (*.example) or URL prefix could not be given to --resolve: say so, do not skip it
    assert all("*" not in s and "://" not in s for s in demo.offline.sinks), demo.offline.sinks
    return [*hosts, *(s for s in demo.offline.sinks if s not in hosts)]


@pytest.fixture(scope="module")
def staging_run(
    demo_suite: Suite, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[StagingRun]:
    """One ``probe run --live`` of all four demo scenarios against the staging server.

    The offline demo run (``demo_run``) is made while the CLI runs, so the two share the wall time.
    """
    assert demo_suite.offline is not None
    folder = tmp_path_factory.mktemp("staging-cli")
    hosts = staging_hosts(demo_suite)
    assert hosts[:2] == [SITE_HOST, "cdn.segment.com"], hosts
    server = StagingServer(
        folder,
        demo_suite.offline.routes,
        hosts=hosts,
        protected=SITE_HOST,
        credentials=f"{USER}:{PASSWORD}",
        sinks=demo_suite.offline.sinks,
    )
    data = movable_demo()
    del data["offline"]  # no routes and no sinks: every request the site makes goes upstream
    data["name"] = "staging-shop"
    assert data["scenarios"] == SCENARIOS
    suite_file = folder / "staging.yaml"
    suite_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    resolve = {host: f"127.0.0.1:{server.port}" for host in hosts}
    run_dir = folder / "run"
    args = [sys.executable, "-m", "probe", "run", str(suite_file), "--live", "--sink-segment"]
    args += ["--upstream-ca", str(server.ca), "--http-credentials", f"{USER}:{PASSWORD}"]
    args += [arg for host, target in resolve.items() for arg in ("--resolve", f"{host}:{target}")]
    args += ["--run-dir", str(run_dir)]
    out, err = folder / "stdout.txt", folder / "stderr.txt"  # files: a full pipe would stall the run
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(args, stdout=stdout, stderr=stderr, text=True)
    try:
        request.getfixturevalue("demo_run")
        process.wait(timeout=300)
        said = (out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"))
        done = subprocess.CompletedProcess(args, process.returncode, *said)
        yield StagingRun(run_dir, done, server, resolve, data.get("backend", {}).get("forward", []))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        server.close()


@pytest.fixture(scope="module")
def offline_report(demo_run: dict[str, ScenarioRun]) -> dict[str, Any]:
    """The offline demo's report.json model, judged the way the CLI judges a run."""
    judged = [judge_bundle(demo_run[name].evidence_dir) for name in SCENARIOS]
    return with_fingerprints(build_report(judged, "demo-shop")).model_dump(mode="json")


def live_report(run: StagingRun) -> dict[str, Any]:
    """The live run's report.json."""
    report: dict[str, Any] = json.loads((run.run_dir / "report.json").read_text(encoding="utf-8"))
    return report


def hosts_by_phase(har: dict[str, Any]) -> dict[str, set[str]]:
    """The hosts a scenario's pages sent requests to, per phase."""
    found: dict[str, set[str]] = {}
    for entry in har["log"]["entries"]:
        found.setdefault(entry["pageref"], set()).add(urlsplit(entry["request"]["url"]).hostname or "")
    return found


def event_kinds(har: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(phase, type, event or page name) of every Segment event a scenario sent."""
    kinds = set()
    for page in har["log"]["pages"]:
        for event in segment_events(har, page["id"]):
            kinds.add((page["id"], event.get("type", ""), event.get("event") or event.get("name") or ""))
    return kinds


def test_the_live_run_exits_0_and_its_evidence_verifies(staging_run: StagingRun) -> None:
    done = staging_run.done
    assert done.returncode == 0, done.stderr + done.stdout
    assert done.stdout.splitlines()[-1] == str((staging_run.run_dir / "report.json").resolve())
    assert "upstream error" not in done.stderr and "WARNING" not in done.stderr, done.stderr
    for name in SCENARIOS:
        # the manifest hashes the HAR as written, with the login masked
        verified = verify(staging_run.run_dir / name)
        assert verified.exit_code == 0, verified.lines()


def test_every_scenario_judges_as_in_the_offline_demo(
    staging_run: StagingRun, offline_report: dict[str, Any]
) -> None:
    live = live_report(staging_run)
    assert [s["name"] for s in live["scenarios"]] == SCENARIOS
    offline = {s["name"]: s for s in offline_report["scenarios"]}
    for scenario in live["scenarios"]:
        twin = offline[scenario["name"]]
        assert scenario["status"] == twin["status"], scenario["name"]
        assert sorted(f["fingerprint"] for f in scenario["findings"]) == sorted(
            f["fingerprint"] for f in twin["findings"]
        ), scenario["name"]
        assert [m["phase"] for m in scenario["marks"]] == [m["phase"] for m in twin["marks"]]
    answers = {c["id"]: c["answer"] for c in live["checklist"]}
    assert answers == {c["id"]: c["answer"] for c in offline_report["checklist"]}
    assert "yes" in answers.values()  # the checklist judged something, not only "not-tested"


def test_the_same_phases_events_and_hosts_as_offline(
    staging_run: StagingRun, demo_run: dict[str, ScenarioRun]
) -> None:
    for name in SCENARIOS:
        live, offline = read_har(staging_run.run_dir / name), read_har(demo_run[name].evidence_dir)
        assert [p["id"] for p in live["log"]["pages"]] == PHASES[name]
        assert [p["id"] for p in offline["log"]["pages"]] == PHASES[name]
        assert event_kinds(live) == event_kinds(offline), name
        assert hosts_by_phase(live) == hosts_by_phase(offline), name
        # the decisions really happened: Segment events after them, none before, none undecided
        phases = {phase for phase, _, _ in event_kinds(live)}
        assert phases == set(PHASES[name][1:]), (name, event_kinds(live))
    accepted = {kind for _, kind, _ in event_kinds(read_har(staging_run.run_dir / "accept_all"))}
    assert {"page", "track"} <= accepted, accepted


def test_the_evidence_records_live_mode_and_the_staging_trust(staging_run: StagingRun) -> None:
    for name in SCENARIOS:
        extras = read_har(staging_run.run_dir / name)["log"]["_probe"]
        assert extras["mode"] == "live"
        upstream = extras["upstream"]
        assert upstream["tls_verify"] is True
        assert [ca["subject"] for ca in upstream["extra_ca"]] == ["CN=probe test staging CA"]
        assert upstream["resolve"] == staging_run.resolve
        assert "error" not in extras
        suite = json.loads((staging_run.run_dir / name / "suite.json").read_text(encoding="utf-8"))
        assert suite["offline"] is None  # no route could have answered for the site


def test_no_request_went_anywhere_but_the_staging_server(staging_run: StagingRun) -> None:
    touched: set[str] = set()  # mapped hosts the pages sent requests to
    answered: set[str] = set()  # mapped hosts whose answer came back
    for name in SCENARIOS:
        for entry in read_har(staging_run.run_dir / name)["log"]["entries"]:
            url, served = entry["request"]["url"], entry["_probe"]["served"]
            host = urlsplit(url).hostname or ""
            if host in SEGMENT_INGEST_HOSTS:
                assert served == "sink", (name, url, served)  # --sink-segment: never a real workspace
                continue
            if served == "backend":  # the site's own backend, which probe started on loopback
                assert any(url.startswith(prefix) for prefix in staging_run.backend), (name, url)
                assert "error" not in entry["_probe"], (name, url, entry["_probe"]["error"])
                continue
            # a host the pages touch that --resolve does not map would have gone to the real internet
            assert host in staging_run.resolve, f"{name}: {url} went to an unmapped host ({served})"
            touched.add(host)
            error = entry["_probe"].get("error")
            if error is None:
                assert served == "upstream", (name, url, served)
                answered.add(host)
            else:
                # only the browser may give up a request (a closing page cancels a pixel); an upstream
                # that failed would be staging refusing, or a request that left for somewhere else
                assert any(mark in error.lower() for mark in CLIENT_SIDE), (name, url, error)
    assert touched == set(staging_run.resolve)  # every staging host was used, and only those
    assert answered <= {host for host, _, _ in staging_run.server.seen} <= touched


def test_the_login_was_needed_sent_and_masked(staging_run: StagingRun, demo_suite: Suite) -> None:
    seen = staging_run.server.seen
    # the shop asked for the login (a fresh context does not know it yet), then answered with it
    assert [s for s in seen if s[0] == SITE_HOST and s[2] == 401], "the shop never asked for the login"
    assert any(s[0] == SITE_HOST and s[1] == "GET /" and s[2] == 200 for s in seen), seen
    write_key = basic(demo_suite.segment.write_key or "", "")  # analytics.js: Basic <writeKey>:
    segment_auth = 0
    for name in SCENARIOS:
        har = read_har(staging_run.run_dir / name)
        masked = 0
        for entry in har["log"]["entries"]:
            auth = [h["value"] for h in entry["request"]["headers"] if h["name"].lower() == "authorization"]
            host = urlsplit(entry["request"]["url"]).hostname
            if host == SITE_HOST and entry["response"]["status"] == 200:
                assert auth == [MASKED_CREDENTIALS], (name, entry["request"]["url"])
            masked += auth.count(MASKED_CREDENTIALS)
            if host != SITE_HOST:
                assert MASKED_CREDENTIALS not in auth  # the login goes to the shop only
            if host in SEGMENT_INGEST_HOSTS and auth:
                assert auth == [write_key], (name, entry["request"]["url"])  # untouched: rules read it
                segment_auth += 1
        assert masked > 0
        assert har["log"]["_probe"]["http_credentials"] == {"masked": masked, "as": MASKED_CREDENTIALS}
    assert segment_auth > 0


def test_the_password_is_nowhere_in_the_run_folder_or_the_output(staging_run: StagingRun) -> None:
    forms = [
        PASSWORD.encode(),
        base64.b64encode(f"{USER}:{PASSWORD}".encode()),  # what the Authorization header carried
        base64.b64encode(PASSWORD.encode()),
    ]
    files = [p for p in staging_run.run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"report.json", "report.html", "evidence.har", "suite.json"}
    for path in files:
        data = path.read_bytes()
        assert not [f for f in forms if f in data], f"the login is in {path}"
    output = (staging_run.done.stdout + staging_run.done.stderr).encode()
    assert not [f for f in forms if f in output], "the login is in the console output"

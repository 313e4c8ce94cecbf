"""probe workspace from a writeKey (a local CDN, a closed port), from evidence (folder, run folder, HAR),
and probe diff / --baseline between two workspace reports."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from probe.suite import load_suite

HERE = Path(__file__).resolve().parent
SETTINGS = HERE / "settings"
SUITE = HERE / "suite.yaml"
ROOT = HERE.parents[1]
DEMO_SETTINGS = ROOT / "scenarios" / "demo" / "cdn" / "settings.json"
DEMO_SUITE = ROOT / "scenarios" / "demo" / "suite.yaml"
DEMO_NAMES = ["Actions Amplitude", "BigQuery", "Pinterest Conversions API"]


def probe(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def report_of(run: Path) -> dict[str, Any]:
    return json.loads((run / "report.json").read_text(encoding="utf-8"))


def names(run: Path) -> list[str]:
    return [d["name"] for d in report_of(run)["workspace"]["destinations"]]


# -- a writeKey, fetched live --------------------------------------------------------------------


class _Cdn(BaseHTTPRequestHandler):
    """The settings endpoint of a CDN: the demo's settings for DEMOWRITEKEY, 404 for any other key."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/v1/projects/DEMOWRITEKEY/settings":
            body = DEMO_SETTINGS.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/v1/projects/BROKENKEY/settings":
            body = b"<html>maintenance</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def cdn() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Cdn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_write_key_is_fetched_from_the_cdn(cdn: str, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = probe("workspace", "DEMOWRITEKEY", "--cdn", cdn, "--suite", DEMO_SUITE, "--run-dir", run)
    assert result.exit_code == 0
    inventory = report_of(run)["workspace"]
    url = f"{cdn}/v1/projects/DEMOWRITEKEY/settings"
    assert (inventory["source"], inventory["source_kind"], names(run)) == (url, "write-key", DEMO_NAMES)
    assert (run / "settings.json").read_bytes() == DEMO_SETTINGS.read_bytes()


def test_an_unknown_write_key_is_exit_2_naming_the_answer(cdn: str) -> None:
    result = probe("workspace", "NOSUCHKEY", "--cdn", cdn)
    url = f"{cdn}/v1/projects/NOSUCHKEY/settings"
    assert (result.exit_code, result.stderr) == (
        2,
        f"probe: writeKey NOSUCHKEY: {url} answered HTTP 404 (no source has this writeKey?)\n",
    )


def test_a_cdn_answer_that_is_not_settings_is_exit_2(cdn: str) -> None:
    result = probe("workspace", "BROKENKEY", "--cdn", cdn)
    url = f"{cdn}/v1/projects/BROKENKEY/settings"
    assert (result.exit_code, result.stderr) == (
        2,
        f"probe: {url}: not JSON (Expecting value at line 1 column 1)\n",
    )


def test_a_write_key_with_no_network_is_exit_2_with_the_cause() -> None:
    with socket.socket() as sock:  # a port nothing listens on: the connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = probe("workspace", "DEMOWRITEKEY", "--cdn", f"http://127.0.0.1:{port}")
    url = f"http://127.0.0.1:{port}/v1/projects/DEMOWRITEKEY/settings"
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"probe: writeKey DEMOWRITEKEY: cannot fetch {url}: connection refused\n",
    )


def test_a_host_that_does_not_resolve_is_named_as_such() -> None:
    result = probe("workspace", "DEMOWRITEKEY", "--cdn", "http://cdn.probe-test.invalid")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "probe: writeKey DEMOWRITEKEY: cannot fetch http://cdn.probe-test.invalid/v1/projects/DEMOWRITEKEY"
        "/settings: the host name does not resolve ("
    )
    assert result.stderr.endswith("): no network, or no DNS\n")


# -- evidence: a HAR, an evidence folder, a run folder --------------------------------------------


def _entry(url: str, body: str, started: str, mime: str = "application/json") -> dict[str, Any]:
    return {
        "startedDateTime": started,
        "time": 10,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [], "queryString": []},
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "content-type", "value": mime}],
            "content": {"size": len(body), "mimeType": mime, "text": body},
        },
        "cache": {},
        "timings": {"send": 0, "wait": 10, "receive": 0},
    }


def write_har(path: Path, *settings: Path) -> Path:
    """A HAR of a page load: the document, then one settings response per file given."""
    settings_url = "https://cdn.segment.com/v1/projects/DEMOWRITEKEY/settings"
    entries = [_entry("https://shop.test/", "<html></html>", "2026-11-30T09:00:00.000Z", "text/html")]
    entries += [
        _entry(settings_url, s.read_text(encoding="utf-8"), f"2026-11-30T09:00:0{i + 1}.000Z")
        for i, s in enumerate(settings)
    ]
    har = {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(har), encoding="utf-8")
    return path


def test_an_evidence_folder_is_judged_with_the_suite_it_recorded(tmp_path: Path) -> None:
    evidence = tmp_path / "accept_all"
    write_har(evidence / "evidence.har", DEMO_SETTINGS)
    (evidence / "suite.json").write_text(load_suite(DEMO_SUITE, routes_must_exist=False).model_dump_json(indent=1), encoding="utf-8")
    run = tmp_path / "run"
    result = probe("workspace", evidence, "--run-dir", run)
    assert result.exit_code == 0
    inventory = report_of(run)["workspace"]
    assert (inventory["source"], inventory["source_kind"], inventory["entry"], inventory["suite"]) == (
        f"{evidence / 'evidence.har'} entry 1",
        "har",
        1,
        "demo-shop",
    )
    assert inventory["mapping_from"] == f"{evidence / 'suite.json'} (the suite recorded with the evidence)"
    assert names(run) == DEMO_NAMES


def test_a_har_with_several_settings_responses_audits_the_last(tmp_path: Path) -> None:
    har = write_har(tmp_path / "devtools.har", SETTINGS / "compliant.json", SETTINGS / "unmapped.json")
    run = tmp_path / "run"
    result = probe("workspace", har, "--suite", SUITE, "--run-dir", run)
    assert result.exit_code == 1
    (scenario,) = report_of(run)["scenarios"]
    assert [(f["rule"], [e["entry"] for e in f["evidence"]]) for f in scenario["findings"]] == [
        ("unmapped-destination", [2])
    ]
    assert "the recording holds 2 settings responses; the last one is audited" in scenario["notes"]


def test_a_run_folder_uses_its_first_scenario_with_settings(tmp_path: Path) -> None:
    write_har(tmp_path / "run-in" / "a_no_settings" / "evidence.har")
    write_har(tmp_path / "run-in" / "b_with" / "evidence.har", SETTINGS / "unmapped.json")
    result = probe("workspace", tmp_path / "run-in", "--suite", SUITE, "--run-dir", tmp_path / "out")
    assert result.exit_code == 1
    assert report_of(tmp_path / "out")["workspace"]["source"].endswith("b_with/evidence.har entry 1")


def test_evidence_without_settings_is_exit_2(tmp_path: Path) -> None:
    write_har(tmp_path / "bundle" / "evidence.har")
    result = probe("workspace", tmp_path / "bundle")
    assert (result.exit_code, result.stderr) == (
        2,
        f"probe: {tmp_path / 'bundle'}: no Segment settings response in the recording\n",
    )
    result = probe("workspace", tmp_path / "bundle" / "evidence.har")
    assert (result.exit_code, result.stderr) == (
        2,
        f"probe: {tmp_path / 'bundle' / 'evidence.har'}: no Segment settings response in this recording\n",
    )


# -- probe diff and --baseline ----------------------------------------------------------------------


def fingerprints(run: Path) -> list[str]:
    return [f["fingerprint"] for s in report_of(run)["scenarios"] for f in s["findings"]]


def test_fingerprints_do_not_depend_on_where_the_settings_were_read(tmp_path: Path) -> None:
    har = write_har(tmp_path / "h" / "devtools.har", SETTINGS / "consent-disabled.json")
    probe("workspace", SETTINGS / "consent-disabled.json", "--suite", SUITE, "--run-dir", tmp_path / "file")
    probe("workspace", har, "--suite", SUITE, "--run-dir", tmp_path / "har")
    assert fingerprints(tmp_path / "file") == fingerprints(tmp_path / "har")
    assert len(fingerprints(tmp_path / "file")) == 3
    result = probe("diff", tmp_path / "file", tmp_path / "har", "--json")
    assert result.exit_code == 0
    changes = json.loads(result.stdout)
    assert (len(changes["new"]), len(changes["fixed"]), len(changes["unchanged"])) == (0, 0, 3)


def test_probe_diff_between_two_inventories(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    assert probe("workspace", SETTINGS / "unmapped-flag.json", "--suite", SUITE, "--run-dir", old).exit_code == 1
    assert probe("workspace", SETTINGS / "consent-disabled.json", "--suite", SUITE, "--run-dir", new).exit_code == 1
    result = probe("diff", old, new, "--json")
    assert result.exit_code == 1
    changes = json.loads(result.stdout)
    destinations = changes.pop("destinations")
    summary = {kind: [(f["scenario"], f["rule"], f["severity"]) for f in items] for kind, items in changes.items()}
    assert [(c["change"], c["name"], c["fields"]) for c in destinations] == [
        ("changed", "Google Analytics 4 Web", ["categories", "cmp"]),
        ("added", "Redshift", []),
    ]
    assert summary == {
        "new": [
            ("workspace", "consent-disabled", "error"),
            ("workspace", "unmapped-destination", "error"),
            ("workspace", "warehouse-exempt", "warning"),
        ],
        "fixed": [("workspace", "unmapped-destination", "error")],
        "unchanged": [],
    }
    assert changes["fixed"][0]["message"].startswith("The source's consentSettings say it has unmapped")
    back = probe("diff", new, old)
    assert back.exit_code == 1  # the flag finding is new when going back
    same = probe("diff", new, new)
    assert same.exit_code == 0


def test_baseline_fails_only_for_new_violations(tmp_path: Path) -> None:
    known = tmp_path / "known"
    probe("workspace", SETTINGS / "unmapped.json", "--suite", SUITE, "--run-dir", known)
    again = probe(
        "workspace", SETTINGS / "unmapped.json", "--suite", SUITE, "--baseline", known, "--run-dir", tmp_path / "a"
    )
    assert again.exit_code == 0
    assert report_of(tmp_path / "a")["baseline"] == {"new": 0, "unchanged": 1, "fixed": []}
    worse = probe(
        "workspace",
        SETTINGS / "consent-disabled.json",
        "--suite",
        SUITE,
        "--baseline",
        known / "report.json",
        "--run-dir",
        tmp_path / "b",
    )
    assert worse.exit_code == 1
    baseline = report_of(tmp_path / "b")["baseline"]
    assert (baseline["new"], baseline["unchanged"], [f["rule"] for f in baseline["fixed"]]) == (
        3,
        0,
        ["unmapped-destination"],
    )
    assert "against the baseline: 3 new, 1 fixed, 0 unchanged" in worse.stdout


def test_an_unreadable_baseline_is_exit_2_before_anything_runs(tmp_path: Path) -> None:
    result = probe("workspace", DEMO_SETTINGS, "--baseline", tmp_path / "none.json", "--run-dir", tmp_path / "r")
    assert (result.exit_code, result.stderr) == (2, f"probe: --baseline: {tmp_path / 'none.json'}: no such file\n")
    assert not (tmp_path / "r").exists()


def test_probe_diff_names_destinations_added_removed_and_changed(tmp_path: Path) -> None:
    settings = json.loads((SETTINGS / "compliant.json").read_text(encoding="utf-8"))
    integrations = settings["integrations"]
    integrations["Google Analytics 4 Web"]["consentSettings"]["categories"] = ["C0002", "C0004"]
    integrations["Facebook Conversions API (Actions)"]["versionSettings"]["componentTypes"] = ["browser"]
    del integrations["Snowflake"]
    integrations["Mixpanel"] = {"type": "browser", "consentSettings": {"categories": ["C0002"]}}
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(settings), encoding="utf-8")
    old, new = tmp_path / "old", tmp_path / "new"
    assert probe("workspace", SETTINGS / "compliant.json", "--suite", SUITE, "--run-dir", old).exit_code == 0
    assert probe("workspace", changed, "--suite", SUITE, "--run-dir", new).exit_code == 0
    result = probe("diff", old, new, "--json")
    assert result.exit_code == 0  # no new finding: the inventory changes are told, not failed
    changes = json.loads(result.stdout)["destinations"]
    assert [(c["change"], c["name"], c["fields"]) for c in changes] == [
        ("changed", "Facebook Conversions API (Actions)", ["mode"]),
        ("changed", "Google Analytics 4 Web", ["categories", "cmp"]),
        ("added", "Mixpanel", []),
        ("removed", "Snowflake", []),
    ]
    text = probe("diff", old, new)
    assert text.stdout.splitlines()[-5:] == [
        'CHANGED   destination "Facebook Conversions API (Actions)": mode cloud → device',
        'CHANGED   destination "Google Analytics 4 Web": categories [C0002] → [C0002, C0004]; cmp {C0002: '
        "[analytics]} → {C0002: [analytics]; C0004: [marketing]}",
        'ADDED     destination "Mixpanel": device-mode; C0002',
        'REMOVED   destination "Snowflake": cloud-mode; C0002, C0004',
        "destinations: 1 added, 1 removed, 2 changed",
    ]


def test_probe_diff_of_two_run_reports_has_no_destinations_key(tmp_path: Path) -> None:
    from probe.baseline import Diff

    assert "destinations" not in Diff().as_json()


def test_broken_settings_or_suite_inside_evidence_are_exit_2_naming_them(tmp_path: Path) -> None:
    har = write_har(tmp_path / "wrong" / "evidence.har", SETTINGS / "wrong-type.json")
    result = probe("workspace", har)
    assert (result.exit_code, result.stderr) == (
        2,
        f"probe: {har} entry 1: integrations.Mixpanel.consentSettings.categories: Input should be a valid "
        "list (found a string)\n",
    )
    (tmp_path / "wrong" / "evidence.har").unlink()
    write_har(tmp_path / "wrong" / "evidence.har", DEMO_SETTINGS)
    (tmp_path / "wrong" / "suite.json").write_text('{"name": "x", "start_url": "https://x.test/"}')
    result = probe("workspace", tmp_path / "wrong")
    assert (result.exit_code, result.stderr) == (
        2,
        f"probe: {tmp_path / 'wrong' / 'suite.json'}: not a valid suite (categories: Field required)\n",
    )

"""`probe run` with a site backend: the real backend process and analytics-python, the real proxy and
Chromium. Two scenarios side by side keep their server events apart; what no visitor made is kept in
server-unattributed.har; a backend that will not start is exit 2 with one line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from probe.evidence.manifest import sha256_file
from probe.runner.attribution import browser_identities
from tests.conftest import read_har

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo"
APP = Path(__file__).resolve().parent / "app.py"
PROBE = Path(sys.executable).with_name("probe")


def suite_file(folder: Path, scenarios: list[str], env: dict[str, str] | None = None) -> Path:
    """The demo shop's pages, with the test backend in place of the demo's own."""
    data: dict[str, Any] = yaml.safe_load((DEMO / "suite.yaml").read_text(encoding="utf-8"))
    for route in data["offline"]["routes"]:
        for kind in ("file", "dir"):
            if kind in route:
                route[kind] = str((DEMO / route[kind]).resolve())
    data["backend"] = {"command": ["python", str(APP)], "forward": ["https://shop.test/api/"], "env": env or {}}
    data["scenarios"] = scenarios
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROBE), *map(str, args)], capture_output=True, text=True, timeout=900, check=False
    )


class _Flow:
    """Just enough of a mitmproxy flow for browser_identities, read back from a HAR entry."""

    def __init__(self, entry: dict[str, Any]) -> None:
        from mitmproxy.test import tutils

        text = entry["request"].get("postData", {}).get("text", "")
        self.request = tutils.treq(method=entry["request"]["method"].encode(), content=text.encode())
        for header in entry["request"]["headers"]:
            if header["name"].lower() == "cookie":
                self.request.headers.add("cookie", header["value"])


def own_ids(har: dict[str, Any]) -> set[str]:
    """The ids the scenario's browser entries carry (cookies sent, its Segment events)."""
    browser = [_Flow(e) for e in har["log"]["entries"] if e["_probe"].get("side") != "server"]
    return browser_identities(browser).all  # type: ignore[arg-type]


def server_entries(har: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in har["log"]["entries"] if e["_probe"].get("side") == "server"]


def test_parallel_scenarios_get_their_own_server_events_and_strangers_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run("run", suite_file(tmp_path, ["accept_all", "reject_analytics"]), "--workers", "2", "--run-dir", out)
    assert result.returncode == 0, result.stderr
    hars = {name: read_har(out / name) for name in ("accept_all", "reject_analytics")}
    ids = {name: own_ids(har) for name, har in hars.items()}
    assert ids["accept_all"] and not ids["accept_all"] & ids["reject_analytics"]
    for name, har in hars.items():
        other = next(n for n in hars if n != name)
        entries = server_entries(har)
        # per checkout after the decision (two: on the page where the visitor decided, then browsing):
        # Order Completed through the proxy, the shared batch through the ingestion endpoint
        assert [(e["request"]["url"], e["_probe"]["context"], e["pageref"]) for e in entries] == [
            ("https://api.segment.io/v1/batch", "_backend", "after-consent")
        ] * 4
        for entry in entries:
            visitor = entry["_probe"]["visitor"]
            assert set(visitor["ids"]) <= ids[name] and not set(visitor["ids"]) & ids[other]
            body = json.loads(entry["request"]["postData"]["text"])
            names = [body["batch"][i]["event"] for i in visitor["events"]]
            assert names in (["Order Completed"], ["Shared Batch"])
            expected_by = "userId" if names == ["Order Completed"] else "anonymousId"
            assert visitor["by"] == expected_by
            page = next(p for p in har["log"]["pages"] if p["id"] == "after-consent")
            assert entry["startedDateTime"] >= page["startedDateTime"]  # placed by wire time, one clock
    stranger = json.loads((out / "server-unattributed" / "evidence.har").read_text(encoding="utf-8"))
    kept = [
        (e["request"]["method"], e["request"]["url"], e["response"]["status"], e["_probe"]["served"],
         e["_probe"]["context"], e["_probe"]["side"], e["_probe"]["unattributed"]["events"])
        for e in stranger["log"]["entries"]
    ]
    assert sorted(kept, key=str) == sorted(
        [("POST", "https://api.segment.io/v1/batch", 200, "sink", "_backend", "server", [1])] * 4
        + [("GET", "https://elsewhere.example/collect", 502, "blocked", "_backend", "server", None)] * 4,
        key=str,
    )
    assert (
        f"server side: 8 backend request(s) attributed to no scenario, kept in {out / 'server-unattributed'}"
        in result.stderr
    )
    kept = out / "server-unattributed"
    manifest = json.loads((kept / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == {"evidence.har": sha256_file(kept / "evidence.har")}
    assert (out / "backend.log").is_file()
    # evidence like a scenario's: verified and redacted with the run, never judged as a scenario
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in report["scenarios"]] == ["accept_all", "reject_analytics"]
    assert "matched no scenario's visitor (server-unattributed/)" in next(
        i["detail"] for i in report["checklist"] if i["id"] == "server-side-consent"
    )
    verified = run("verify", out)
    assert verified.returncode == 0 and f"{kept}: intact (1 files)" in verified.stdout.splitlines()
    strangers = {
        json.loads(e["request"]["postData"]["text"])["batch"][1]["anonymousId"]
        for e in stranger["log"]["entries"]
        if e["request"]["method"] == "POST"
    }
    assert strangers and all(s in (kept / "evidence.har").read_text(encoding="utf-8") for s in strangers)
    assert run("redact", out).returncode == 0
    redacted = (kept / "evidence.har").read_text(encoding="utf-8")
    assert not any(s in redacted for s in strangers)
    assert json.loads((kept / "manifest.json").read_text(encoding="utf-8"))["redacted"] is True
    assert run("verify", out).returncode == 0


def test_a_backend_that_crashes_is_exit_2_with_one_line(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run("run", suite_file(tmp_path, ["accept_all"], {"BACKEND_MODE": "crash"}), "--run-dir", out)
    assert result.returncode == 2
    assert re.fullmatch(
        r"probe: backend exited with code 3 before it listened on 127\.0\.0\.1:\d+ "
        r"\(backend\.log: backend: cannot open the database\)\n",
        result.stderr,
    ), result.stderr
    assert (out / "backend.log").read_text(encoding="utf-8") == "backend: cannot open the database\n"


def test_a_backend_that_never_listens_is_exit_2_with_one_line(tmp_path: Path) -> None:
    path = suite_file(tmp_path, ["accept_all"], {"BACKEND_MODE": "silent"})
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["backend"]["ready_timeout_ms"] = 1000
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run("run", path, "--run-dir", tmp_path / "run")
    assert result.returncode == 2
    assert re.fullmatch(
        r"probe: backend did not listen on 127\.0\.0\.1:\d+ within 1 s \(see .*/run/backend\.log\)\n", result.stderr
    ), result.stderr


def test_a_batching_backend_is_waited_for_so_its_events_keep_their_phase(tmp_path: Path) -> None:
    # the library sends every 6 s and is never flushed: the checkout right before the revoke click and
    # the one that ends the scenario must still land in their own phase, and in this scenario's HAR
    path = suite_file(tmp_path, ["revoke"], {"BACKEND_MODE": "batch"})
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["backend"]["flush_ms"] = 8000
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "run"
    result = run("run", path, "--run-dir", out)
    # this test backend answers the revoke without filing a regulation: that is its only finding
    assert result.returncode == 1, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [(f["rule"], f["phase"]) for f in report["scenarios"][0]["findings"]] == [
        ("revoke-no-deletion", "after-revoke")
    ]
    har = read_har(out / "revoke")
    granted = {"necessary": True, "analytics": True, "marketing": True}
    withdrawn = {"necessary": True, "analytics": False, "marketing": False}
    stamps = []
    for entry in server_entries(har):
        body = json.loads(entry["request"]["postData"]["text"])
        assert entry["_probe"]["visitor"]["events"] == list(range(len(body["batch"])))
        stamps += [(entry["pageref"], e["event"], e["context"]["consent"]["categoryPreferences"]) for e in body["batch"]]
    assert stamps == [("after-consent", "Order Completed", granted)] * 2 + [
        ("after-revoke", "Order Completed", withdrawn)
    ] * 2
    assert not (out / "server-unattributed").exists()
    for page in har["log"]["pages"][1:]:
        checkout_waits = [w for w in page["_probe"]["waits"] if w["after"] == "click #checkout"]
        assert checkout_waits and {w["reason"] for w in checkout_waits} == {"delivery delay"}


def test_a_backend_that_dies_during_the_run_makes_the_scenario_an_error(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run("run", suite_file(tmp_path, ["accept_all"], {"BACKEND_MODE": "die"}), "--run-dir", out)
    assert result.returncode == 2, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [(s["name"], s["status"], s["error"]) for s in report["scenarios"]] == [
        ("accept_all", "error", "backend exited with code 5 during the run (backend.log: backend: out of memory)")
    ]
    har = read_har(out / "accept_all")  # the evidence so far is kept
    assert har["log"]["_probe"]["error"] == report["scenarios"][0]["error"]
    checkouts = [e for e in har["log"]["entries"] if e["request"]["url"] == "https://shop.test/api/checkout"]
    assert [(e["pageref"], e["_probe"]["served"]) for e in checkouts][:2] == [
        ("before-consent", "backend"),
        ("after-consent", "error"),  # the backend died answering it
    ]

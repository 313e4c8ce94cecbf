"""Redaction never changes a finding, and leaves no planted secret anywhere in the folder.

(a) every golden HAR and bundle judged before and after redaction gives the same findings;
(b) a run with a secret of every kind planted in it (tests/golden/redaction, see build.py) holds none
    of them after ``probe redact``, reports included, and still verifies;
(c) the two reported regressions: a cookie whose value is a site address, and ``ajs_group_id=null``.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from probe.cli._scenarios import redact_runs
from probe.evidence import HarError, PhaseSpecError, read_bundle
from probe.evidence.manifest import read_manifest, verify, write_manifest
from probe.evidence.redact import SCREENSHOTS_DROPPED, SCREENSHOTS_KEPT, redact_bundle, redact_har
from probe.judge import Judged, judge_bundle, judge_har
from probe.runner import ScenarioRun
from probe.suite import Suite

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
HARS = GOLDEN / "har"
FIXTURE = GOLDEN / "redaction"
PLANTED: list[str] = json.loads((FIXTURE / "planted.json").read_text())
KEY = b"findings-key"

ONETRUST_IDS = Suite.model_validate(
    {
        "name": "onetrust-ids",
        "start_url": "https://shop.example/",
        "categories": {
            "necessary": {"segment": ["C0001"], "required": True},
            "analytics": {"segment": ["C0002"], "vendor_categories": ["analytics"]},
            "marketing": {"segment": ["C0003"], "vendor_categories": ["marketing"]},
        },
        "segment": {"privacy_endpoint": "/api/privacy/forget"},
    }
)

Finding = tuple[str, str, str | None, list[int | None]]


def probe(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def findings(judged: Judged) -> list[Finding]:
    return [(f.rule, f.severity, f.phase, [e.entry for e in f.evidence]) for f in judged.result.findings]


def verdict(judged: Judged, source: Path) -> tuple[Any, ...]:
    """What must not change: findings, decoded consent signals, and the analysis notes."""
    # reader notes name the file they were read from (and non-UTF-8 bytes are U+FFFD once rewritten);
    # the phase notes quote the URL of the entry they name, which may carry a placeholder now
    notes = [re.sub(r"\w+://\S+", "URL", n) for n in judged.result.notes if not n.startswith(str(source))]
    return findings(judged), judged.result.signals, notes


def judged_har(path: Path, suite: Suite | None, phases: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return verdict(judge_har(path, suite, **phases), path)
    except PhaseSpecError as exc:  # a decision index past the end: the same refusal before and after
        return ("refused", str(exc))


# --- (a) golden recordings -----------------------------------------------------------------------------

GOLDEN_HARS = sorted(
    p for p in HARS.rglob("*") if p.is_file() and p.name.endswith((".har", ".har.gz", ".json")) and p.parent.name != "bundle"
)  # fmt: skip
GOLDEN_BUNDLES = sorted(p.parent for p in HARS.rglob("evidence.har"))
# the ways test_replay_golden judges them: no suite, a suite, an explicit decision time
JUDGINGS: list[tuple[Suite | None, dict[str, Any]]] = [
    (None, {}),
    (ONETRUST_IDS, {}),
    (ONETRUST_IDS, {"decision_at": 3}),
]


@pytest.mark.parametrize("source", GOLDEN_HARS, ids=lambda p: p.relative_to(HARS).as_posix())
def test_golden_har_findings_are_identical_after_redaction(source: Path, tmp_path: Path) -> None:
    out = tmp_path / source.name
    try:
        redact_har(source, out, key=KEY)
    except HarError:
        assert not out.exists()  # a broken or foreign file is refused whole: nothing to compare
        return
    for suite, phases in JUDGINGS:
        assert judged_har(out, suite, phases) == judged_har(source, suite, phases)


@pytest.mark.parametrize("bundle", GOLDEN_BUNDLES, ids=lambda p: p.relative_to(HARS).as_posix())
def test_golden_bundle_findings_are_identical_after_redaction(bundle: Path, tmp_path: Path) -> None:
    folder = tmp_path / bundle.name
    shutil.copytree(bundle, folder)
    write_manifest(folder, scenario=bundle.name)
    before = judge_bundle(folder)
    redact_bundle(folder, key=KEY)
    assert verdict(judge_bundle(folder), folder) == verdict(before, folder)
    assert verify(folder).ok


def test_the_planted_run_judges_the_same_after_redaction(tmp_path: Path) -> None:
    folder = tmp_path / "leaky"
    shutil.copytree(FIXTURE / "run" / "leaky", folder)
    before = judge_bundle(folder)
    assert {f[0] for f in findings(before)} >= {"identifier-before-consent", "pixel-before-consent"}
    redact_bundle(folder, key=KEY)
    assert verdict(judge_bundle(folder), folder) == verdict(before, folder)


# --- (b) planted secrets --------------------------------------------------------------------------------


def haystack(path: Path) -> str:
    """A file as text, URL-decoded, HTML-unescaped, JSON-escaped, and with its base64 bodies decoded."""
    text = path.read_bytes().decode("utf-8", "replace")
    decoded = []
    for blob in re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", text):
        try:
            decoded.append(base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    return "\n".join(
        [text, unquote(text), unquote_plus(text), html.unescape(text), json.dumps(text), *decoded]
    )


def leaks(folder: Path) -> dict[str, list[str]]:
    """Every planted secret (any case) and the files it is found in."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix != ".png":
            text = haystack(path).lower()
            for secret in PLANTED:
                forms = {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}
                if any(form.lower() in text for form in forms):
                    found.setdefault(secret, []).append(path.relative_to(folder).as_posix())
    return found


@pytest.fixture
def planted_run(tmp_path: Path) -> Path:
    """The planted run with its reports, as probe replay writes them beside the evidence."""
    run = tmp_path / "run"
    shutil.copytree(FIXTURE / "run", run)
    assert probe("replay", run).exit_code == 1  # violations: the reports quote the identifiers
    assert {p.name for p in run.iterdir()} == {"leaky", "report.json", "report.xml", "report.html"}
    return run


def report_findings(report: Path) -> list[tuple[str, str, str | None, list[int | None]]]:
    data = json.loads(report.read_text())
    return [
        (f["rule"], f["severity"], f["phase"], [e.get("entry") for e in f["evidence"]])
        for s in data["scenarios"]
        for f in s["findings"]
    ]


def test_probe_redact_leaves_no_planted_secret_in_any_file(planted_run: Path) -> None:
    found = leaks(planted_run)
    assert [s for s in PLANTED if s not in found] == []  # each secret is really there to be found
    assert {"report.json", "report.html", "report.xml"} <= {f for s in found.values() for f in s}
    before = report_findings(planted_run / "report.json")

    result = probe("redact", planted_run)

    assert result.exit_code == 0, result.output
    assert "report.json, report.xml, report.html judged again from the redacted evidence" in result.output
    assert leaks(planted_run) == {}
    assert report_findings(planted_run / "report.json") == before
    assert probe("verify", planted_run).exit_code == 0
    manifest = read_manifest(planted_run / "leaky")
    assert manifest.redacted and manifest.redaction is not None
    assert manifest.redaction.files == [
        "evidence.har", "after-consent.storage.json", "before-consent.storage.json", "suite.json"
    ]  # fmt: skip
    assert manifest.redaction.notes == [SCREENSHOTS_KEPT]


def test_what_the_rules_read_survives_and_placeholders_agree_across_files(planted_run: Path) -> None:
    probe("redact", planted_run)
    timeline, suite = read_bundle(planted_run / "leaky")
    assert suite is not None and suite["categories"]["analytics"]["segment"] == ["C0002"]
    urls = [e.url.split("?")[0] for e in timeline.entries]
    assert urls[:4] == [
        "https://shop.test/",
        "https://chatgpt.com/backend-api/conversation",
        "https://cdn.segment.com/analytics.js/v1/wk_leaky/analytics.min.js",
        "https://www.google-analytics.com/g/collect",
    ]
    consent = json.loads(timeline.entries[4].request_body or b"")
    assert (consent["type"], consent["event"], consent["context"]["consent"]) == (
        "track", "Segment Consent Preference Updated", {"categoryPreferences": {"C0001": True, "C0002": True, "C0003": True}},
    )  # fmt: skip
    aid = consent["anonymousId"]
    assert re.fullmatch(r"redacted-id-[0-9a-f]{8}", aid)
    # the same identifier under one placeholder: cookie, header, storage snapshot and storage file
    assert f"ajs_anonymous_id={aid}" in (timeline.entries[4].header("cookie") or "")
    assert timeline.entries[4].header("x-session-id") == aid
    assert timeline.snapshots[0].cookies["ajs_anonymous_id"] == aid
    assert timeline.snapshots[0].cookies["ajs_group_id"] == "null"
    assert timeline.snapshots[0].cookies["last_site"] == quote("https://chatgpt.com", safe="")
    storage = json.loads((planted_run / "leaky" / "after-consent.storage.json").read_text())
    assert json.loads(storage["localStorage"]["https://shop.test"]["ajs_anonymous_id"]) == aid
    identify = json.loads(timeline.entries[5].request_body or b"")
    assert identify["traits"]["crm_id"] == identify["userId"]
    assert identify["traits"]["plan"] == "pro"
    report = json.loads((planted_run / "report.json").read_text())
    assert aid in json.dumps(report)  # the identifier finding quotes the placeholder


def test_reports_inside_an_evidence_folder_are_judged_again_and_hashed(planted_run: Path) -> None:
    folder = planted_run / "leaky"
    assert probe("replay", folder).exit_code == 1  # reports written into the evidence folder itself
    result = probe("redact", folder, "--drop-screenshots")
    assert result.exit_code == 0, result.output
    # the run's own reports one level up still quote the evidence: said, not silently left
    assert f"{planted_run}: its reports were not redacted" in result.output
    assert leaks(folder) == {}
    assert verify(folder).ok
    manifest = read_manifest(folder)
    assert manifest.redaction is not None
    assert manifest.redaction.files[-3:] == ["report.json", "report.xml", "report.html"]
    assert f"{SCREENSHOTS_DROPPED}: after-consent.png, before-consent.png" in manifest.redaction.notes
    assert not list(folder.glob("*.png"))
    assert "data:image/png" not in (folder / "report.html").read_text()


def test_replay_redact_also_redacts_the_reports_already_in_the_folder(
    planted_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere"
    result = probe("replay", planted_run, "--out", out, "--redact")
    assert result.exit_code == 1, result.output
    assert leaks(planted_run) == {} and leaks(out) == {}
    assert probe("verify", planted_run).exit_code == 0


def test_run_redact_redacts_every_complete_folder_with_one_key(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURE / "run", run)
    shutil.copytree(run / "leaky", run / "again")
    assert redact_runs([ScenarioRun("leaky", run / "leaky"), ScenarioRun("again", run / "again")]) == []
    assert leaks(run) == {}
    # one key for the whole run: the same visitor has the same placeholder in both scenarios
    assert (run / "leaky" / "evidence.har").read_bytes() == (run / "again" / "evidence.har").read_bytes()


# --- (c) the reported regressions ----------------------------------------------------------------------


def bundle_with_cookies(folder: Path, cookie_header: str, storage: dict[str, str]) -> Path:
    """A small probe bundle: the page, then a GA hit and a chatgpt.com call before consent."""

    def entry(url: str, at: str) -> dict[str, Any]:
        return {
            "pageref": "before-consent",
            "startedDateTime": at,
            "time": 1.0,
            "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
                        "headers": [{"name": "Cookie", "value": cookie_header}], "queryString": []},
            "response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": "text/html", "text": ""}},
            "_probe": {"phase": "before-consent", "context": "c", "noise": False, "blocked": False, "served": "local"},
        }  # fmt: skip

    page = {"id": "before-consent", "title": "t: before-consent", "startedDateTime": "2026-11-29T12:00:00.000Z",
            "_probe": {"phase": "before-consent", "action": None, "choice": None,
                       "storage": {"cookies": storage, "localStorage": {}}}}  # fmt: skip
    har = {"log": {"version": "1.2", "creator": {"name": "probe", "version": "0"},
                   "_probe": {"format": "probe-har/1", "scenario": "t", "context": "c"}, "pages": [page],
                   "entries": [entry("https://shop.test/", "2026-11-29T12:00:00.100Z"),
                               entry("https://chatgpt.com/c/conversation", "2026-11-29T12:00:00.200Z"),
                               entry("https://www.google-analytics.com/g/collect?v=2&tid=G-1", "2026-11-29T12:00:00.300Z")]}}  # fmt: skip
    folder.mkdir()
    (folder / "evidence.har").write_text(json.dumps(har), encoding="utf-8")
    suite = {"name": "t", "start_url": "https://shop.test/", "categories": {"necessary": {"segment": ["C0001"], "required": True},
             "analytics": {"segment": ["C0002"], "vendor_categories": ["analytics"]},
             "marketing": {"segment": ["C0003"], "vendor_categories": ["marketing"]}}}  # fmt: skip
    (folder / "suite.json").write_text(json.dumps(suite), encoding="utf-8")
    write_manifest(folder, scenario="t")
    return folder


def test_a_cookie_holding_a_site_address_is_not_a_secret(tmp_path: Path) -> None:
    encoded = quote("https://chatgpt.com", safe="")
    folder = bundle_with_cookies(tmp_path / "b", f"ref={encoded}; sid=s3ss10n-abcdef", {"ref": encoded})
    before = judge_bundle(folder)
    redaction = redact_bundle(folder, key=KEY)
    after = judge_bundle(folder)
    assert verdict(after, folder) == verdict(before, folder)
    # the value was neither replaced where it stands nor learned and cut out of every URL
    assert [e.url for e in after.timeline.entries] == [e.url for e in before.timeline.entries]
    assert (
        after.timeline.entries[1].header("cookie")
        == f"ref={encoded}; sid=redacted-cookie-"
        + ((after.timeline.entries[1].header("cookie") or "").rsplit("-", 1)[1])
    )
    assert after.timeline.snapshots[0].cookies == {"ref": encoded}
    assert redaction.counts == {"cookie": 1}
    assert "chatgpt.com" in (folder / "evidence.har").read_text()


def test_ajs_group_id_null_stays_null_and_raises_no_identifier_finding(tmp_path: Path) -> None:
    folder = bundle_with_cookies(
        tmp_path / "b", "ajs_group_id=null; ajs_user_id=%22%22", {"ajs_group_id": "null"}
    )
    before = judge_bundle(folder)
    assert "identifier-before-consent" not in {f[0] for f in findings(before)}
    redaction = redact_bundle(folder, key=KEY)
    after = judge_bundle(folder)
    assert verdict(after, folder) == verdict(before, folder)
    assert "identifier-before-consent" not in {f[0] for f in findings(after)}
    assert after.timeline.entries[0].header("cookie") == "ajs_group_id=null; ajs_user_id=%22%22"
    assert after.timeline.snapshots[0].cookies == {"ajs_group_id": "null"}
    assert redaction.counts == {}


def test_reports_that_cannot_be_judged_again_are_removed_not_left_unredacted(tmp_path: Path) -> None:
    folder = tmp_path / "leaky"
    shutil.copytree(FIXTURE / "run" / "leaky", folder)
    (folder / "suite.json").write_text('{"name": "no categories"}', encoding="utf-8")  # JSON, not a suite
    (folder / "report.json").write_text(json.dumps({"quote": PLANTED[0]}), encoding="utf-8")
    write_manifest(folder, scenario="leaky")
    result = probe("redact", folder)
    assert result.exit_code == 2
    assert result.output.startswith(f"probe: {folder / 'suite.json'}")
    assert not (folder / "report.json").exists()
    assert leaks(folder) == {}
    assert verify(folder).ok  # the manifest still tells what is in the folder
    manifest = read_manifest(folder)
    assert manifest.redaction is not None
    assert [n for n in manifest.redaction.notes if n.startswith("reports removed")]

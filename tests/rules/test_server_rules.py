"""Server-side evidence: the backend's events, Segment's Privacy API and merged identities.

Each golden HAR under tests/golden/har/server/ (built by build.py there, synthetic, probe's own shape)
goes through probe.judge for the exact findings and through ``probe replay`` for exit codes and
byte-identical reports.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.judge import Judged, judge_har
from probe.rules.deletion import is_regulation_request
from probe.suite import Backend, Suite
from probe.timeline import Entry

SERVER = Path(__file__).resolve().parents[1] / "golden" / "har" / "server"
Found = list[tuple[str, str, str | None, list[int | None]]]

# file -> (status, exact findings: rule, severity, phase, cited HAR entries)
EXPECTED: dict[str, tuple[str, Found]] = {
    "no-consent.har": (
        "fail",
        [
            ("server-consent-missing", "error", "before-consent", [1]),
            ("server-consent-missing", "error", "after-consent", [5]),
        ],
    ),
    "stamped.har": ("pass", []),
    "stale-after-revoke.har": (
        "fail",
        [
            ("server-consent-mismatch", "error", "after-revoke", [7]),
            ("server-event-after-revoke", "error", "after-revoke", [7]),
            ("identity-consent-conflict", "error", "after-revoke", [6, 7]),
        ],
    ),
    "unstamped-after-revoke.har": (
        "fail",
        [
            ("server-consent-missing", "error", "after-revoke", [7]),
            ("server-event-after-revoke", "error", "after-revoke", [7]),
        ],
    ),
    "revoke-deleted.har": ("pass", []),
    "no-deletion.har": ("fail", [("revoke-no-deletion", "error", "after-revoke", [None])]),
    "merged-identity.har": (
        "fail",
        [
            ("server-consent-mismatch", "error", "after-consent", [5]),
            ("identity-consent-conflict", "error", "after-consent", [4, 5]),
        ],
    ),
    "merged-identity-agrees.har": ("pass", []),
    "two-visitors.har": ("pass", []),
    "hostile-visitor.har": ("pass", []),
}


def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("server_har_build", SERVER / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def findings(judged: Judged) -> Found:
    return [(f.rule, f.severity, f.phase, [e.entry for e in f.evidence]) for f in judged.result.findings]


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_golden_files_are_what_build_py_writes() -> None:
    for name, document in builder().files().items():
        assert json.loads((SERVER / name).read_text(encoding="utf-8")) == document, name
    assert sorted(p.name for p in SERVER.glob("*.har")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_findings(name: str) -> None:
    status, found = EXPECTED[name]
    judged = judge_har(SERVER / name, None)
    assert (judged.result.status, findings(judged)) == (status, found)
    assert judged.result.unjudged == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_replay_exit_code_and_byte_identical_reports(tmp_path: Path, name: str) -> None:
    status, found = EXPECTED[name]
    reports = []
    for run in ("first", "second"):
        out = tmp_path / run
        result = CliRunner().invoke(main, ["replay", str(SERVER / name), "--out", str(out)])
        assert result.exit_code == (1 if status == "fail" else 0), result.output
        reports.append((out / "report.json").read_bytes())
    assert reports[0] == reports[1]
    scenario = json.loads(reports[0])["scenarios"][0]
    got = [(f["rule"], f["severity"], f["phase"], [e.get("entry") for e in f["evidence"]]) for f in scenario["findings"]]
    assert sorted(got, key=str) == sorted(found, key=str)  # report.json orders by phase, severity, then rule


def test_messages_say_what_was_looked_for_and_who_is_more_permissive() -> None:
    [deletion] = judge_har(SERVER / "no-deletion.har", None).result.findings
    assert "POST https://api.segmentapis.com/regulations" in deletion.message
    assert "revocation of analytics, marketing" in deletion.message
    conflict = judge_har(SERVER / "merged-identity.har", None).result.findings[1]
    assert conflict.message.startswith(
        "One merged identity (1 anonymousId(s) and 1 userId(s)) carries different consent from two "
        "sources in after-consent: the server side is more permissive (the server-side stamp grants analytics, "
        "which the browser's denies; server track 'Order Completed' against browser identify)."
    )
    [missing, _] = judge_har(SERVER / "no-consent.har", None).result.findings
    assert "before the visitor decided without context.consent.categoryPreferences" in missing.message


def test_other_visitors_events_are_left_out_and_counted() -> None:
    notes = judge_har(SERVER / "two-visitors.har", None).result.notes
    assert (
        "2 server-side event(s) in backend batches (HAR entries 4, 5) belong to other visitors "
        "(not in _probe.visitor.events): left out"
    ) in notes


def test_hostile_visitor_fields_are_noted_and_not_judged_as_this_visitor() -> None:
    notes = judge_har(SERVER / "hostile-visitor.har", None).result.notes
    where = str(SERVER / "hostile-visitor.har")
    assert [n.removeprefix(where + ": ") for n in notes if n.startswith(where)] == [
        "entry 4: _probe.visitor is a string, not an object; read as not attributed to this scenario's visitor",
        "entry 5: _probe.visitor.by is 'guess', not one of anonymousId, userId, cookie, subject; read as not "
        "attributed to this scenario's visitor",
        "entry 6: _probe.visitor.ids is not a list of strings; read as not attributed to this scenario's visitor",
        "entry 7: _probe.visitor.events is neither null nor a list of batch positions; read as not attributed "
        "to this scenario's visitor",
        'entry 8: _probe.side is a number, not "browser" or "server"; read as browser',
    ]
    assert (
        "4 backend request(s) to Segment (HAR entries 4, 5, 6, 7) are not attributed to this scenario's visitor "
        "(no readable _probe.visitor): their events were not judged"
    ) in notes


def checklist(tmp_path: Path, name: str) -> dict[str, dict[str, Any]]:
    out = tmp_path / name
    CliRunner().invoke(main, ["replay", str(SERVER / name), "--out", str(out)])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in report["checklist"]}


def test_checklist_answers_questions_five_and_six_from_the_evidence(tmp_path: Path) -> None:
    deleted = checklist(tmp_path, "revoke-deleted.har")
    assert (deleted["server-side-consent"]["answer"], deleted["privacy-api-on-revoke"]["answer"]) == ("yes", "yes")
    [ref] = deleted["privacy-api-on-revoke"]["evidence"]
    assert (ref["entry"], ref["url"], ref["excerpt"]) == (
        8,
        "https://api.segmentapis.com/regulations/sources/src_shop",
        "HTTP 200",
    )
    assert [r["entry"] for r in deleted["server-side-consent"]["evidence"]] == [4]
    missing = checklist(tmp_path, "no-deletion.har")
    assert missing["privacy-api-on-revoke"]["answer"] == "no"
    assert missing["privacy-api-on-revoke"]["detail"].startswith("1 violation(s) (revoke-no-deletion)")
    stale = checklist(tmp_path, "stale-after-revoke.har")
    assert stale["server-side-consent"]["answer"] == "no"
    assert stale["server-side-consent"]["detail"] == (
        "3 violation(s) (identity-consent-conflict, server-consent-mismatch, server-event-after-revoke) in "
        "scenario(s) stale-after-revoke."
    )
    hostile = checklist(tmp_path, "hostile-visitor.har")
    assert hostile["server-side-consent"]["answer"] == "not-tested"
    assert hostile["server-side-consent"]["detail"].endswith(
        "4 backend request(s) were not attributed to a scenario's visitor."
    )


def test_the_html_timeline_has_a_server_side_lane(tmp_path: Path) -> None:
    out = tmp_path / "out"
    CliRunner().invoke(main, ["replay", str(SERVER / "revoke-deleted.har"), "--out", str(out)])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert ">Server side<" in html


def test_a_failed_or_unattributed_privacy_api_call_does_not_count(tmp_path: Path) -> None:
    document = builder().files()["revoke-deleted.har"]
    regulation = document["log"]["entries"][8]
    regulation["response"]["status"] = 403
    [failed] = judge_har(write(tmp_path, "failed.har", document), None).result.findings
    assert (failed.rule, failed.message) == (
        "revoke-no-deletion",
        "The deletion call was called after the revocation of analytics, marketing but failed.",
    )
    assert [(e.entry, e.excerpt) for e in failed.evidence] == [(8, "HTTP 403")]
    regulation["response"]["status"] = 200
    del regulation["_probe"]["visitor"]
    [unattributed] = judge_har(write(tmp_path, "unattributed.har", document), None).result.findings
    assert unattributed.rule == "revoke-no-deletion"
    assert unattributed.message.endswith(
        " 1 backend call(s) in after-revoke were not attributed to this visitor and were not counted."
    )
    assert [(e.entry, e.excerpt) for e in unattributed.evidence][1:] == [(8, "not attributed to this visitor")]


def test_a_browser_recording_without_backend_or_privacy_endpoint_is_not_judged_for_deletion(tmp_path: Path) -> None:
    # a browser cannot see the backend's Privacy API call: silence there is no evidence either way
    document = builder().files()["no-deletion.har"]
    log = document["log"]
    log["entries"] = [e for e in log["entries"] if e["_probe"].get("side") != "server"]
    judged = judge_har(write(tmp_path, "browser-only.har", document), None)
    assert findings(judged) == []
    out = tmp_path / "out"
    CliRunner().invoke(main, ["replay", str(tmp_path / "browser-only.har"), "--out", str(out)])
    items = {i["id"]: i for i in json.loads((out / "report.json").read_text(encoding="utf-8"))["checklist"]}
    assert items["privacy-api-on-revoke"]["answer"] == "not-tested"
    assert items["privacy-api-on-revoke"]["detail"].startswith("The site's backend was not recorded")


def test_a_foreign_hars_server_library_events_are_server_side_not_the_browsers(tmp_path: Path) -> None:
    document = builder().files()["no-consent.har"]
    log = document["log"]
    del log["_probe"]
    log["creator"] = {"name": "WebInspector", "version": "537.36"}
    log["pages"] = [{"id": "page_1", "title": "shop", "startedDateTime": log["pages"][0]["startedDateTime"]}]
    for entry in log["entries"]:
        del entry["_probe"]
        entry["pageref"] = "page_1"
    path = write(tmp_path, "devtools.har", document)
    judged = judge_har(path, None, decision_at=2, choice="accept_all")
    # the backend's events, captured in one HAR with a server library's name: never consent-missing,
    # and the one before the decision is no segment-before-consent
    assert findings(judged) == [
        ("server-consent-missing", "error", "before-consent", [1]),
        ("server-consent-missing", "error", "after-consent", [5]),
    ]


def _entry(method: str, url: str, body: bytes | None = None) -> Entry:
    return Entry(index=0, started=0.0, method=method, url=url, request_body=body)


@pytest.mark.parametrize(
    ("method", "url", "body", "expected"),
    [
        ("POST", "https://api.segmentapis.com/regulations", None, True),
        ("POST", "https://eu1.api.segmentapis.com/regulations/sources/src_1", None, True),
        ("POST", "https://api.segmentapis.com/regulations/cloudsources/src_1", None, True),
        ("POST", "https://platform.segmentapis.com/v1beta/workspaces/shop/regulations", None, True),
        ("GET", "https://api.segmentapis.com/regulations/1qJkfE1tpwvQcklImGksLN629wn", None, False),
        ("POST", "https://api.segmentapis.com/regulations", b'{"regulationType":"UNSUPPRESS"}', False),
        ("POST", "https://api.segmentapis.com/regulations", b'{"regulationType":"SUPPRESS_ONLY"}', True),
        ("POST", "https://shop.test/regulations", None, False),
    ],
)
def test_what_counts_as_a_privacy_api_regulation(method: str, url: str, body: bytes | None, expected: bool) -> None:
    assert is_regulation_request(_entry(method, url, body)) is expected


def suite(model: str) -> Suite:
    return Suite.model_validate(
        {
            "name": "server",
            "start_url": "https://shop.test/",
            "consent_model": model,
            "categories": {
                "necessary": {"segment": ["necessary"], "required": True},
                "analytics": {"segment": ["analytics"], "vendor_categories": ["analytics"]},
                "marketing": {"segment": ["marketing"], "vendor_categories": ["marketing"]},
            },
        }
    )


def test_before_an_opt_out_decision_server_events_are_not_judged() -> None:
    judged = judge_har(SERVER / "no-consent.har", suite("opt-out"))
    assert findings(judged) == [("server-consent-missing", "error", "after-consent", [5])]


def test_a_server_stamp_withholding_an_accepted_category_is_a_warning(tmp_path: Path) -> None:
    document = builder().files()["stamped.har"]
    batch = document["log"]["entries"][5]
    body = json.loads(batch["request"]["postData"]["text"])
    body["batch"][0]["context"]["consent"]["categoryPreferences"]["marketing"] = False
    batch["request"]["postData"]["text"] = json.dumps(body)
    path = write(tmp_path, "withheld.har", document)
    judged = judge_har(path, None)
    assert (judged.result.status, findings(judged)) == (
        "pass",
        [
            ("server-consent-mismatch", "warning", "after-consent", [5]),
            # the browser's stamp is the more permissive one, and it is the visitor's choice
            ("identity-consent-conflict", "warning", "after-consent", [4, 5]),
        ],
    )
    assert judged.result.findings[1].message.endswith(
        "the browser is more permissive (the browser's stamp grants marketing, which the server-side one "
        "denies; server track 'Order Completed' against browser page 'Home'). Segment merges the profiles and "
        "by default keeps the most permissive consent. The more permissive side grants only what the visitor "
        "chose."
    )
    assert judged.result.findings[0].message == (
        "The backend's consent stamp differs from the visitor's choice in force when it was sent (after-consent): "
        "the stamp on track 'Order Completed' does not grant marketing, which the visitor accepted (events will "
        "be dropped)."
    )
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["replay", str(path), "--out", str(out)]).exit_code == 0
    items = {i["id"]: i for i in json.loads((out / "report.json").read_text(encoding="utf-8"))["checklist"]}
    assert items["server-side-consent"]["answer"] == "yes"
    assert items["server-side-consent"]["detail"] == (
        "All 2 server-side event(s) sent where the visitor's choice is known carried categoryPreferences granting "
        "nothing it denies; 2 warning(s) (identity-consent-conflict, server-consent-mismatch): stamps withhold an "
        "accepted category."
    )


def test_a_declared_backend_that_sent_nothing_is_judged_for_deletion(tmp_path: Path) -> None:
    document = builder().files()["no-deletion.har"]
    log = document["log"]
    log["entries"] = [e for e in log["entries"] if e["_probe"].get("side") != "server"]
    declared = suite("opt-in").model_copy(
        update={"backend": Backend.model_validate({"address": "127.0.0.1:8123", "forward": ["https://shop.test/api/"]})}
    )
    judged = judge_har(write(tmp_path, "silent-backend.har", document), declared)
    assert findings(judged) == [("revoke-no-deletion", "error", "after-revoke", [None])]


def test_a_privacy_endpoint_the_backend_served_counts_only_with_a_call_of_its_own(tmp_path: Path) -> None:
    build = builder()
    document = build.files()["no-deletion.har"]
    revoke = build.entry(build.REVOKE_AT + 0.5, "POST", "https://shop.test/api/privacy/revoke", body={}, response={})
    document["log"]["entries"].append(revoke)
    document["log"]["entries"].sort(key=lambda e: e["startedDateTime"])
    declared = suite("opt-in").model_copy(
        update={"backend": Backend.model_validate({"address": "127.0.0.1:8123", "forward": ["https://shop.test/api/"]})}
    )
    declared.segment.privacy_endpoint = "/api/privacy/revoke"
    # the proxy's record decides, not the suite's forward prefixes: answered by a sink, the call did the work
    assert findings(judge_har(write(tmp_path, "answered.har", document), declared)) == []
    revoke["_probe"]["served"] = "backend"
    relayed = judge_har(write(tmp_path, "relayed.har", document), declared)
    [finding] = relayed.result.findings
    assert finding.rule == "revoke-no-deletion"
    assert finding.message.startswith(
        "The privacy endpoint answered the revocation of analytics, marketing, but the site's backend, which "
        "serves it, sent no request to Segment's Privacy API"
    )
    assert [(e.entry, e.excerpt) for e in finding.evidence][0][1] == "HTTP 200, served by the site's backend"


def run_folder(tmp_path: Path, scenario_har: Path) -> dict[str, dict[str, Any]]:
    """A run folder: one scenario's evidence, and beside it the backend's requests that matched no visitor
    (hostile-visitor.har's four), replayed whole; its checklist by question."""
    run = tmp_path / "run"
    (run / "checkout").mkdir(parents=True)
    (run / "checkout" / "evidence.har").write_bytes(scenario_har.read_bytes())
    (run / "server-unattributed").mkdir()
    (run / "server-unattributed" / "evidence.har").write_bytes((SERVER / "hostile-visitor.har").read_bytes())
    out = tmp_path / "out"
    CliRunner().invoke(main, ["replay", str(run), "--out", str(out)])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in report["checklist"]}


def test_question_five_tells_of_the_backend_requests_that_matched_no_visitor(tmp_path: Path) -> None:
    # a backend that uses ids probe cannot link to the visitor: its events sit beside the scenarios,
    # judged by no rule; the answer must say so rather than blame a backend that sent nothing
    nothing = run_folder(tmp_path / "a", SERVER.parent / "verdicts" / "cookie-next-request.har")["server-side-consent"]
    assert (nothing["answer"], nothing["detail"]) == (
        "not-tested",
        "No server-side event was attributed to a scenario's visitor, yet the backend sent 4 request(s) to "
        "Segment that matched no visitor (server-unattributed/): if they are the visitors' under ids probe "
        "cannot link, their consent was not judged.",
    )
    judged = run_folder(tmp_path / "b", SERVER / "stamped.har")["server-side-consent"]
    assert judged["answer"] == "yes"
    assert judged["detail"].endswith(
        " 4 more backend request(s) to Segment matched no scenario's visitor (server-unattributed/) and "
        "were not judged."
    )

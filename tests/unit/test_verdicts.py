"""Verdicts on the auditor path: inconclusive is a verdict, stated choices win, inference never invents.

Each golden HAR under tests/golden/har/verdicts/ (built by build.py there, synthetic) goes through the
real replay path: probe.judge for the exact findings and statuses, the CLI for exit codes and reports.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from probe.judge import Judged, build_report, judge_har
from probe.report import render_html
from probe.report.classes import default_classifier
from probe.report.timeline_svg import layout_timeline
from probe.suite import load_suite

VERDICTS = Path(__file__).resolve().parents[1] / "golden" / "har" / "verdicts"
BUNDLE = Path(__file__).resolve().parents[1] / "golden" / "har" / "bundle"
REJECT_SUITE = VERDICTS / "reject-all.suite.yaml"
REVOKE_SUITE = VERDICTS / "revoke.suite.yaml"
Found = list[tuple[str, str, str | None, list[int | None]]]


def judged(name: str, suite: Path | None = None, **options: Any) -> Judged:
    loaded = load_suite(suite, routes_must_exist=False) if suite else None
    return judge_har(VERDICTS / name, loaded, **options)


def findings(judgement: Judged) -> Found:
    return [(f.rule, f.severity, f.phase, [e.entry for e in f.evidence]) for f in judgement.result.findings]


def replay(tmp_path: Path, name: str, *options: str) -> Result:
    out = tmp_path / "out"
    return CliRunner().invoke(main, ["replay", str(VERDICTS / name), "--out", str(out), *options])


def report_of(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))


def one_line(result: Result) -> str:
    (line,) = result.stderr.splitlines()
    return line


# --- 1. inconclusive is a verdict ------------------------------------------------------------------


def test_a_har_without_phase_information_is_inconclusive_in_every_report(tmp_path: Path) -> None:
    judgement = judged("no-phase.har")
    assert (judgement.result.status, findings(judgement)) == ("inconclusive", [])
    (gap,) = judgement.result.unjudged
    assert gap.phase is None and gap.reason.startswith("no phase information in this recording")
    assert "pixel-before-consent" in gap.rules and "unclassified-third-party" not in gap.rules

    result = replay(tmp_path, "no-phase.har")
    assert result.exit_code == 2
    assert one_line(result).startswith(
        "probe: inconclusive, not every rule could run: no-phase: no phase information"
    )
    assert result.stdout.splitlines()[-1] == str((tmp_path / "out" / "report.json").resolve())
    assert "INCONCLUSIVE" in result.stdout and "NOT JUDGED" in result.stdout
    scenario = report_of(tmp_path)["scenarios"][0]
    assert (scenario["status"], scenario["unjudged"][0]["rules"]) == ("inconclusive", gap.rules)

    junit = ET.parse(tmp_path / "out" / "report.xml").getroot()
    assert (junit.get("skipped"), junit.get("failures"), junit.get("errors")) == (str(len(gap.rules)), "0", "0")
    skipped = junit.find(".//testcase[@name='pixel-before-consent']/skipped")
    assert skipped is not None and (skipped.get("message") or "").startswith("no phase information")

    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<div class="verdict" id="verdict">INCONCLUSIVE</div>' in html
    assert 'class="unjudged"' in html
    # no request is labelled as judged before consent when nobody knows when the visitor decided
    assert ">before-consent</span></td>" not in html
    assert html.count('<span class="phase-tag phase-no-phase">no phase</span>') == 5


def test_a_har_with_no_readable_entry_is_inconclusive(tmp_path: Path) -> None:
    judgement = judged("no-readable-entries.har")
    assert judgement.result.status == "inconclusive"
    assert [g.reason for g in judgement.result.unjudged] == [
        "the recording has no readable entries: no rule had anything to judge"
    ]
    result = replay(tmp_path, "no-readable-entries.har")
    assert result.exit_code == 2
    assert one_line(result) == (
        "probe: inconclusive, not every rule could run: no-readable-entries: the recording has no readable"
        " entries: no rule had anything to judge"
    )
    # the entries' own problems are still told, with the report, not as extra lines of the cause
    assert result.stdout.count("note: ") >= 2


def test_a_violation_wins_over_what_could_not_be_judged(tmp_path: Path) -> None:
    judgement = judged("cookie-no-stamps.har")
    assert findings(judgement) == [("pixel-before-consent", "error", "before-consent", [2])]
    assert judgement.result.status == "fail"
    (gap,) = judgement.result.unjudged
    assert gap.phase == "after-consent" and "say it with --choice" in gap.reason
    result = replay(tmp_path, "cookie-no-stamps.har")
    assert result.exit_code == 1
    assert report_of(tmp_path)["scenarios"][0]["unjudged"][0]["phase"] == "after-consent"


def test_the_checklist_says_yes_only_with_traffic_in_the_phase_it_is_about() -> None:
    def answers(judgement: Judged) -> dict[str, tuple[str, list[int | None]]]:
        report = build_report([judgement], "verdicts")
        return {c.id: (c.answer, [e.entry for e in c.evidence]) for c in report.checklist}

    # no phases: nothing was exercised, however clean the recording looks
    assert {a for a, _ in answers(judged("no-phase.har")).values()} == {"not-tested"}
    read = answers(judged("consent-event-after-pixels.har"))
    # requests before the decision (the page, entry 0) and Segment after it (the loader, entry 4)
    assert read["sdk-waits"] == ("yes", [0, 4])
    # the choice was read from the stamps themselves: they cannot be checked against it
    assert read["consent-stamped"] == ("not-tested", [])
    stated = answers(judged("consent-event-after-pixels.har", choice="accept_all"))
    assert stated["consent-stamped"] == ("yes", [7])
    assert stated["filters-honor-categories"][0] == "not-tested"  # nothing was denied
    # denied, but the only traffic that could break it lies in the window of doubt
    doubt = answers(judged("consent-event-after-pixels.har", choice={"analytics": True, "marketing": False}))
    assert doubt["filters-honor-categories"] == ("not-tested", [3])
    # denied, with vendor traffic after a given decision: exercised, and failed
    assert answers(judged("reject-all-no-stamps.har", REJECT_SUITE, decision_at=0))[
        "filters-honor-categories"
    ] == ("no", [2, 3])


# --- 2. what the visitor chose ---------------------------------------------------------------------


def test_a_suite_scenario_says_what_the_visitor_chose(tmp_path: Path) -> None:
    judgement = judged("reject-all-no-stamps.har", REJECT_SUITE, decision_at=0)
    assert findings(judgement) == [
        ("denied-pixel", "error", "after-consent", [2]),
        ("denied-pixel", "error", "after-consent", [3]),
    ]
    assert judgement.result.unjudged == []
    (mark,) = judgement.result.marks
    assert (mark.source, mark.choice_source, mark.choice) == (
        "given", "stated", {"necessary": True, "analytics": False, "marketing": False},
    )  # fmt: skip
    result = replay(tmp_path, "reject-all-no-stamps.har", "--suite", str(REJECT_SUITE), "--decision-at", "0")
    assert result.exit_code == 1, result.output


def test_without_a_stated_choice_the_same_har_is_inconclusive_and_says_how_to_fix_it(tmp_path: Path) -> None:
    result = replay(tmp_path, "reject-all-no-stamps.har", "--decision-at", "0")
    assert result.exit_code == 2
    assert "the after-consent choice is unknown" in one_line(result)
    assert "say it with --choice" in one_line(result)
    assert replay(tmp_path, "reject-all-no-stamps.har", "--decision-at", "0", "--choice", "accept_all").exit_code == 0
    # categories a JSON choice does not name are denied, as in a suite's scenarios
    denied = replay(
        tmp_path, "reject-all-no-stamps.har", "--decision-at", "0", "--choice", '{"analytics": true, "marketing": false}'
    )
    assert denied.exit_code == 1
    assert [f["evidence"][0]["entry"] for f in report_of(tmp_path)["scenarios"][0]["findings"]] == [2]


def test_a_named_scenario_that_never_decides_makes_the_whole_recording_before_consent() -> None:
    judgement = judged("reject-all-no-stamps.har", scenario="no_decision")
    assert findings(judgement) == [
        ("pixel-before-consent", "error", "before-consent", [2]),
        ("pixel-before-consent", "error", "before-consent", [3]),
    ]
    assert judgement.result.unjudged == []


STALE_REVOKE: Found = [
    ("consent-mismatch", "error", "after-revoke", [6]),
    ("denied-pixel", "error", "after-revoke", [7]),
    ("event-after-revoke", "error", "after-revoke", [6]),
    ("event-after-revoke", "error", "after-revoke", [7]),
    ("revoke-not-signalled", "error", "after-revoke", [6]),
]


def test_stale_stamps_after_a_revoke_never_prove_that_nothing_was_revoked(tmp_path: Path) -> None:
    judgement = judged("stale-stamps-after-revoke.har", decision_at=1, revoke_at=5)
    assert (judgement.result.status, findings(judgement)) == ("inconclusive", [])
    (gap,) = judgement.result.unjudged
    assert gap.phase == "after-revoke" and "stale stamps" in gap.reason and "--revoke-choice" in gap.reason
    result = replay(tmp_path, "stale-stamps-after-revoke.har", "--decision-at", "1", "--revoke-at", "5")
    assert result.exit_code == 2 and "after-revoke choice is unknown" in one_line(result)

    stated = judged("stale-stamps-after-revoke.har", decision_at=1, revoke_at=5, revoke_choice="reject_all")
    assert (stated.result.status, findings(stated)) == ("fail", STALE_REVOKE)
    by_suite = judged("stale-stamps-after-revoke.har", REVOKE_SUITE, decision_at=1, revoke_at=5)
    assert findings(by_suite) == STALE_REVOKE
    assert [(m.phase, m.choice_source) for m in by_suite.result.marks] == [
        ("after-consent", "stated"),
        ("after-revoke", "stated"),
    ]
    cli = replay(
        tmp_path, "stale-stamps-after-revoke.har", "--decision-at", "1", "--revoke-at", "5",
        "--revoke-choice", "reject_all",
    )  # fmt: skip
    assert cli.exit_code == 1, cli.output


@pytest.mark.parametrize(
    ("name", "options", "line"),
    [
        ("reject-all-no-stamps.har", ["--decision-at", "0", "--revoke-choice", "reject_all"],
         "probe: --revoke-choice: the recording shows no revoke (no consent cookie, consent event or stamp):"
         " say when with --revoke-at"),
        ("no-phase.har", ["--choice", "accept_all"],
         "probe: --choice: the recording shows no decision (no consent cookie, consent event or stamp):"
         " say when with --decision-at"),
        ("reject-all-no-stamps.har", ["--decision-at", "0", "--choice", '{"ads": false}'],
         "probe: --choice chooses unknown categories ['ads']: neither a category of this suite nor in any"
         " category's vendor_categories"),
        ("reject-all-no-stamps.har", ["--decision-at", "0", "--choice", "maybe"],
         "probe: --choice: 'maybe' is neither accept_all, reject_all nor a JSON object of categories to true"
         ' or false, such as \'{"analytics": false, "marketing": true}\''),
        ("reject-all-no-stamps.har", ["--decision-at", "0", "--scenario", "no_decision"],
         "probe: --decision-at: suite scenario 'no_decision' never decides"),
        ("stale-stamps-after-revoke.har", ["--decision-at", "1", "--revoke-at", "5", "--suite",
                                           str(REJECT_SUITE)],
         "probe: --revoke-at: suite scenario 'rejected' has no revoke (no change of mind)"),
        ("reject-all-no-stamps.har", ["--scenario", "nope"], None),
    ],
)  # fmt: skip
def test_options_that_cannot_apply_are_one_line_errors(
    tmp_path: Path, name: str, options: list[str], line: str | None
) -> None:
    result = replay(tmp_path, name, *options)
    assert result.exit_code == 2
    if line is None:
        assert one_line(result).startswith("probe: ") and "no scenario named 'nope'" in one_line(result)
    else:
        assert one_line(result) == line
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize("option", [["--decision-at", "3"], ["--choice", "accept_all"], ["--scenario", "revoke"]])
def test_phase_options_with_probes_own_evidence_are_refused_before_anything_happens(
    tmp_path: Path, option: list[str]
) -> None:
    before = sorted(p.name for p in BUNDLE.iterdir())
    result = CliRunner().invoke(main, ["replay", str(BUNDLE), "--out", str(tmp_path / "out"), *option])
    assert result.exit_code == 2
    assert one_line(result) == (
        f"probe: {option[0]}: only for a HAR file; {BUNDLE} is probe's own evidence, which records when the"
        " visitor decided and what they chose"
    )
    assert sorted(p.name for p in BUNDLE.iterdir()) == before and not (tmp_path / "out").exists()


# --- 3. inference never invents a violation --------------------------------------------------------


def test_a_cookie_seen_only_on_the_next_request_opens_a_window_not_a_violation(tmp_path: Path) -> None:
    judgement = judged("cookie-next-request.har")
    # the page-load hit (entry 2) is still an error; the click's own pixels and SDK are not
    assert findings(judgement) == [("pixel-before-consent", "error", "before-consent", [2])]
    (mark,) = judgement.result.marks
    assert mark.model_dump() == {
        "phase": "after-consent",
        "at": "2026-11-30T16:00:06.100Z",
        "earliest": "2026-11-30T16:00:06.100Z",
        "latest": "2026-11-30T16:00:12.000Z",
        "earliest_entry": 5,
        "latest_entry": 10,
        "source": "inferred",
        "confidence": "medium",
        "signals": ["cmp-cookie:klaro"],
        "choice": {"necessary": True, "analytics": True, "marketing": True},
        "choice_source": "stamps",
    }
    result = replay(tmp_path, "cookie-next-request.har")
    assert result.exit_code == 1
    assert report_of(tmp_path)["scenarios"][0]["marks"] == [mark.model_dump()]

    rejected = judged("cookie-next-request.har", choice="reject_all")
    assert findings(rejected) == [
        ("pixel-before-consent", "error", "before-consent", [2]),
        ("consent-mismatch", "warning", "after-consent", [9]),
        ("consent-mismatch", "error", "after-consent", [11]),
        ("denied-pixel", "warning", "after-consent", [5]),
        ("denied-pixel", "warning", "after-consent", [6]),
    ]
    doubted = [f for f in rejected.result.findings if f.uncertain]
    assert [f.rule for f in doubted] == ["consent-mismatch", "denied-pixel", "denied-pixel"]
    assert all(
        f.message.endswith(
            "Uncertain: sent between 2026-11-30T16:00:06.100Z and 2026-11-30T16:00:12.000Z, the earliest and"
            " the latest moment of the inferred decision, so it may have gone out before it: a warning, not"
            " an error."
        )
        for f in doubted
    )


def test_pixels_the_consent_click_fired_before_the_consent_event_are_not_before_consent() -> None:
    judgement = judged("consent-event-after-pixels.har")
    assert (judgement.result.status, findings(judgement)) == ("pass", [])
    (mark,) = judgement.result.marks
    assert (mark.earliest, mark.latest, mark.earliest_entry, mark.latest_entry, mark.confidence) == (
        "2026-11-30T16:00:05.020Z", "2026-11-30T16:00:05.410Z", 2, 7, "high",
    )  # fmt: skip
    assert mark.signals == ["consent-event", "cmp-cookie:CookieConsent"]
    # rejected: the consent event itself is proof of the click, so its stamp is judged for sure
    rejected = judged("consent-event-after-pixels.har", choice="reject_all")
    assert findings(rejected) == [
        ("consent-mismatch", "error", "after-consent", [7]),
        ("consent-mismatch", "error", "after-consent", [9]),
        ("denied-pixel", "warning", "after-consent", [2]),
        ("denied-pixel", "warning", "after-consent", [3]),
    ]


def test_the_timeline_draws_the_window_of_doubt(tmp_path: Path) -> None:
    judgement = judged("consent-event-after-pixels.har")
    layout = layout_timeline(judgement.timeline, default_classifier(judgement.timeline))
    (window,) = layout.windows
    by_entry = {m.index: m.x for m in layout.marks}
    assert window.phase == "after-consent" and window.x0 == by_entry[2] and window.x1 == by_entry[7]
    html = render_html(build_report([judgement], "verdicts"), {judgement.result.name: judgement.timeline})
    assert html.count('<rect class="window" data-phase="after-consent"') == 1
    assert "window of doubt around an inferred click" in html
    assert "the click lies between 2026-11-30T16:00:05.020Z and 2026-11-30T16:00:05.410Z" in html


def test_a_decision_given_outside_the_recording_does_not_stretch_the_axis() -> None:
    judgement = judged("reject-all-no-stamps.har", decision_at="2100-01-01T00:00:00Z", choice="reject_all")
    layout = layout_timeline(judgement.timeline, default_classifier(judgement.timeline))
    assert [t.label for t in layout.ticks][-1] == "1.4 s"  # the recording lasts 1.5 s
    assert max(m.x for m in layout.marks) - min(m.x for m in layout.marks) > 800  # spread over the plot
    line = layout.lines[-1]
    assert (line.phase, line.x, line.sublabel) == ("after-consent", layout.plot_right, "given (after the recording)")

"""probe diff and --baseline on two real replays of a golden DevTools HAR, one with a new violation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from probe.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har" / "chrome-devtools.har"
# the decision as the HAR's OneTrust cookie records it; the choice stated, so nothing is inferred
STATED = ["--decision-at", "2026-11-29T10:00:05.123Z", "--choice", "reject_all"]
FACEBOOK = "https://www.facebook.com/tr/?id=1234567890&ev=PageView&rnd=8812734411&noscript=1"


def probe(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def gained_one(folder: Path) -> Path:
    """The same visit again: other ids and cache busters, and one Facebook pixel before the decision."""
    folder.mkdir()
    target = folder / GOLDEN.name  # the scenario is named after the file: keep the name
    har = json.loads(GOLDEN.read_text())
    entries = har["log"]["entries"]
    analytics = next(e for e in entries if "google-analytics.com" in e["request"]["url"])
    analytics["request"]["url"] = analytics["request"]["url"].replace("cid=555.666", "cid=918273.645")
    pixel = json.loads(json.dumps(analytics))
    pixel["request"]["url"] = FACEBOOK
    pixel["request"]["queryString"] = []
    pixel["startedDateTime"] = "2026-11-29T10:00:01.000Z"
    entries.append(pixel)  # appended, so every other entry keeps its index
    target.write_text(json.dumps(har))
    return target


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two replays: the golden HAR as it is (old) and the copy that gained one violation (new)."""
    root = tmp_path_factory.mktemp("baseline")
    old, new = root / "old", root / "new"
    assert probe("replay", GOLDEN, *STATED, "--run-dir", old).exit_code == 1
    assert probe("replay", gained_one(root / "har"), *STATED, "--run-dir", new).exit_code == 1
    return {"old": old, "new": new, "har": root / "har" / GOLDEN.name}


def findings(run: Path) -> list[dict[str, object]]:
    report = json.loads((run / "report.json").read_text())
    return [f for s in report["scenarios"] for f in s["findings"]]


def test_report_json_fingerprints_every_finding_the_same_in_both_runs(runs: dict[str, Path]) -> None:
    old, new = findings(runs["old"]), findings(runs["new"])
    assert all(isinstance(f["fingerprint"], str) and len(f["fingerprint"]) == 16 for f in old + new)
    assert {f["fingerprint"] for f in old} < {f["fingerprint"] for f in new}
    assert len(new) == len(old) + 1


def test_diff_names_exactly_the_new_facebook_finding_and_exits_1(runs: dict[str, Path]) -> None:
    result = probe("diff", runs["old"] / "report.json", runs["new"], "--json")
    assert result.exit_code == 1
    diff = json.loads(result.output)
    assert [(f["rule"], f["message"].split(" (")[0]) for f in diff["new"]] == [
        ("pixel-before-consent", "Facebook Pixel")
    ]
    assert diff["fixed"] == []
    assert len(diff["unchanged"]) == len(findings(runs["old"]))


def test_diff_on_the_console_and_the_other_way_round(runs: dict[str, Path]) -> None:
    forward = probe("diff", runs["old"], runs["new"])
    assert forward.exit_code == 1
    assert [line.split()[0] for line in forward.output.splitlines() if "Facebook Pixel" in line] == ["NEW"]
    assert "1 new, 0 fixed" in forward.output
    backward = probe("diff", runs["new"], runs["old"])
    assert backward.exit_code == 0  # a finding fixed is no reason to fail
    assert "0 new, 1 fixed" in backward.output
    same = probe("diff", runs["old"], runs["old"])
    assert same.exit_code == 0 and "0 new, 0 fixed" in same.output


def test_baseline_on_the_unchanged_recording_exits_0_despite_its_violations(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    result = probe("replay", GOLDEN, *STATED, "--run-dir", tmp_path / "r", "--baseline", runs["old"])
    assert result.exit_code == 0
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    errors = [f for s in report["scenarios"] for f in s["findings"] if f["severity"] == "error"]
    assert errors and {f["baseline"] for f in errors} == {"unchanged"}
    assert report["baseline"] == {"new": 0, "unchanged": len(findings(runs["old"])), "fixed": []}
    assert result.output.splitlines()[-1] == str((tmp_path / "r" / "report.json").resolve())


def test_baseline_on_the_gained_recording_exits_1_naming_only_the_new_one(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "r"
    result = probe(
        "replay", runs["har"], *STATED, "--run-dir", out, "--baseline", runs["old"] / "report.json"
    )
    assert result.exit_code == 1
    new_lines = [line for line in result.output.splitlines() if line.startswith("NEW")]
    assert len(new_lines) == 1 and "Facebook Pixel" in new_lines[0]
    marked = {f["message"].split(" (")[0]: f["baseline"] for f in findings(out)}
    assert marked.pop("Facebook Pixel") == "new" and set(marked.values()) == {"unchanged"}
    html = (out / "report.html").read_text()
    assert html.count('class="badge new"') == 1 and "baseline-new" in html


def test_the_console_says_which_findings_were_fixed(runs: dict[str, Path], tmp_path: Path) -> None:
    result = probe("replay", GOLDEN, *STATED, "--run-dir", tmp_path / "r", "--baseline", runs["new"])
    assert result.exit_code == 0
    fixed = [line for line in result.output.splitlines() if line.startswith("FIXED")]
    assert len(fixed) == 1 and "Facebook Pixel" in fixed[0]
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert [f["rule"] for f in report["baseline"]["fixed"]] == ["pixel-before-consent"]


@pytest.mark.parametrize("command", ["diff", "replay"])
def test_an_unreadable_baseline_is_exit_2_with_one_line(command: str, tmp_path: Path) -> None:
    bad = tmp_path / "report.json"
    bad.write_text("{not json")
    out = tmp_path / "out"
    args = (
        ["diff", bad, bad]
        if command == "diff"
        else ["replay", GOLDEN, *STATED, "--out", out, "--baseline", bad]
    )
    result = probe(*args)
    assert result.exit_code == 2
    assert "not a readable probe report" in result.output
    assert not out.exists()  # refused before anything was judged or written
    missing = probe("diff", tmp_path / "nothing", bad)
    assert missing.exit_code == 2 and len(missing.output.strip().splitlines()) == 1


def test_run_offers_the_baseline_option() -> None:
    assert "--baseline" in probe("run", "--help").output


LEAKY = Path(__file__).resolve().parents[1] / "sites" / "plugin" / "leaky.yaml"


def live_run(folder: Path, *extra: object) -> subprocess.CompletedProcess[str]:
    """``probe run`` of the leaky test site in a process of its own, as a nightly job runs it."""
    command = [sys.executable, "-m", "probe", "run", LEAKY, "--run-dir", folder, *extra]
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.e2e
def test_two_live_runs_of_one_site_give_the_same_fingerprints(tmp_path: Path) -> None:
    first = live_run(tmp_path / "first")
    assert first.returncode == 1, first.stdout + first.stderr
    again = live_run(tmp_path / "again", "--baseline", tmp_path / "first" / "report.json")
    assert again.returncode == 0, again.stdout + again.stderr  # its violations are all known
    fingerprints = [sorted(f["fingerprint"] for f in findings(tmp_path / run)) for run in ("first", "again")]
    assert fingerprints[0] == fingerprints[1] and fingerprints[0]
    assert {f["baseline"] for f in findings(tmp_path / "again")} == {"unchanged"}
    assert probe("diff", tmp_path / "first", tmp_path / "again").exit_code == 0
    # a baseline that lacked one of them: that one alone is new and fails the run
    report = json.loads((tmp_path / "first" / "report.json").read_text())
    dropped = report["scenarios"][0]["findings"].pop(1)
    older = tmp_path / "older.json"
    older.write_text(json.dumps(report))
    third = live_run(tmp_path / "third", "--baseline", older)
    assert third.returncode == 1, third.stdout + third.stderr
    new_lines = [line for line in third.stdout.splitlines() if line.startswith("NEW")]
    assert len(new_lines) == 1 and dropped["fingerprint"] in new_lines[0]

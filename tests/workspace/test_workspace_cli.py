"""probe workspace: the settings fixtures (one per rule, violating and complying), the demo, hostile input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from probe.cli import main

HERE = Path(__file__).resolve().parent
SETTINGS = HERE / "settings"
SUITE = HERE / "suite.yaml"
ROOT = HERE.parents[1]
DEMO_SETTINGS = ROOT / "scenarios" / "demo" / "cdn" / "settings.json"
DEMO_SUITE = ROOT / "scenarios" / "demo" / "suite.yaml"

UNMAPPED_FLAG = (
    "The source's consentSettings say it has unmapped destinations (hasUnmappedDestinations: true); "
    "those destinations receive every event whatever the visitor chose."
)


def unmapped(name: str) -> str:
    return (
        f'Destination "{name}" has no consent category: Segment sends it every event whatever the visitor '
        "chose. Map it in Segment's Consent Management (or suite segment.destinations)."
    )


def warehouse(name: str, how: str) -> str:
    return (
        f'Warehouse destination "{name}" is mapped to {how}. The data it stores feeds analytics and '
        "marketing downstream; categorise it by the most permissive use of that data."
    )


def unknown(name: str, what: str, pronoun: str) -> str:
    return (
        f'Destination "{name}" is gated by Segment consent {what}, which no category of suite '
        f'"onetrust-shop" maps (it maps "C0001", "C0002", "C0004"): the CMP never reports {pronoun}, so the '
        "banner choice cannot grant the destination and its gating does not follow the banner (a stale or "
        "mistyped mapping)."
    )


DISABLED = (
    "The source has no consent settings at all: no top-level consentSettings and no destination with "
    "consent categories. Segment's Consent Management is off for it, so whatever the visitor chose, "
    "Segment forwards events to every destination of the source (2 now)."
)

# fixture -> (exit code, [(rule, severity, message)]) with --suite tests/workspace/suite.yaml
EXPECTED: dict[str, tuple[int, list[tuple[str, str, str]]]] = {
    "compliant": (0, []),
    "no-source-consent": (0, []),  # complies with consent-disabled: destinations carry categories
    "consent-disabled": (
        1,
        [
            ("consent-disabled", "error", DISABLED),
            ("unmapped-destination", "error", unmapped("Google Analytics 4 Web")),
            ("warehouse-exempt", "warning", warehouse("Redshift", "no consent category")),
        ],
    ),
    "unmapped": (1, [("unmapped-destination", "error", unmapped("Mixpanel"))]),
    "unmapped-flag": (1, [("unmapped-destination", "error", UNMAPPED_FLAG)]),
    "warehouse-unmapped": (
        1,
        [
            ("unmapped-destination", "error", UNMAPPED_FLAG),
            ("warehouse-exempt", "warning", warehouse("Snowflake", "no consent category")),
        ],
    ),
    "warehouse-necessary": (
        0,
        [("warehouse-exempt", "warning", warehouse("BigQuery", "only strictly-necessary ['necessary']"))],
    ),
    "unknown-category": (
        0,
        [
            (
                "mapping-unknown-category",
                "warning",
                unknown("Braze Web Mode (Actions)", 'categories "C0005", "c0004"', "them"),
            ),
            ("mapping-unknown-category", "warning", unknown("Hotjar", 'category "C0003"', "it")),
        ],
    ),
}


def probe(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def report_of(run: Path) -> dict[str, Any]:
    return json.loads((run / "report.json").read_text(encoding="utf-8"))


def findings(run: Path) -> list[tuple[str, str, str]]:
    (scenario,) = report_of(run)["scenarios"]
    return [(f["rule"], f["severity"], f["message"]) for f in scenario["findings"]]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_fixture_gives_exactly_its_findings_and_exit_code(name: str, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = probe("workspace", SETTINGS / f"{name}.json", "--suite", SUITE, "--run-dir", run)
    code, expected = EXPECTED[name]
    assert (result.exit_code, findings(run)) == (code, expected)
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == str((run / "report.json").resolve())


def test_every_workspace_rule_fires_on_some_fixture_and_stays_silent_on_another() -> None:
    from probe.rules.workspace import RULES

    fired = {rule for _, found in EXPECTED.values() for rule, _, _ in found}
    assert fired == {r.id for r in RULES}
    for rule in fired:
        assert any(rule not in {r for r, _, _ in found} for _, found in EXPECTED.values())


def test_unmapped_destination_is_exit_1_naming_it(tmp_path: Path) -> None:
    result = probe("workspace", SETTINGS / "unmapped.json", "--suite", SUITE, "--run-dir", tmp_path / "r")
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())
    assert 'FAIL unmapped-destination · error Destination "Mixpanel" has no consent category' in text


def test_demo_settings_list_every_destination_and_pass(tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = probe("workspace", DEMO_SETTINGS, "--suite", DEMO_SUITE, "--run-dir", run)
    assert result.exit_code == 0
    report = report_of(run)
    inventory = report["workspace"]
    assert [
        (d["name"], d["mode"], d["categories"], d["cmp"], d["warehouse"]) for d in inventory["destinations"]
    ] == [
        ("Actions Amplitude", "device", ["analytics"], {"analytics": ["analytics"]}, False),
        (
            "BigQuery",
            "cloud",
            ["analytics", "marketing"],
            {"analytics": ["analytics"], "marketing": ["marketing"]},
            True,
        ),
        ("Pinterest Conversions API", "device", ["marketing"], {"marketing": ["marketing"]}, False),
    ]
    assert inventory["consent"] == {
        "configured": True,
        "all_categories": ["analytics", "marketing"],
        "has_unmapped_destinations": False,
    }
    assert (inventory["source_kind"], inventory["write_key"], inventory["suite"]) == (
        "file",
        "DEMOWRITEKEY",
        "demo-shop",
    )
    assert report["format"] == "probe-report/1"
    assert [(s["name"], s["status"], s["findings"], s["unjudged"]) for s in report["scenarios"]] == [
        ("workspace", "pass", [], [])
    ]
    assert [(c["id"], c["answer"]) for c in report["checklist"]] == [
        ("destination-categorization", "yes"),
        ("sdk-waits", "not-tested"),
        ("consent-stamped", "not-tested"),
        ("filters-honor-categories", "not-tested"),
        ("server-side-consent", "not-tested"),
        ("privacy-api-on-revoke", "not-tested"),
    ]
    for name in ("Actions Amplitude", "BigQuery", "Pinterest Conversions API"):
        assert f"  {name}" in result.stdout
    # the audited document is kept beside the reports: the audit can be judged again from the run folder
    assert (run / "settings.json").read_bytes() == DEMO_SETTINGS.read_bytes()
    again = probe("workspace", run, "--suite", DEMO_SUITE, "--run-dir", tmp_path / "again")
    assert again.exit_code == 0
    assert report_of(tmp_path / "again")["workspace"]["destinations"] == inventory["destinations"]


def test_modes_say_why(tmp_path: Path) -> None:
    run = tmp_path / "run"
    probe("workspace", SETTINGS / "no-source-consent.json", "--suite", SUITE, "--run-dir", run)
    probe("workspace", SETTINGS / "unknown-category.json", "--suite", SUITE, "--run-dir", tmp_path / "u")
    modes = {
        d["name"]: (d["mode"], d["mode_why"])
        for r in (run, tmp_path / "u")
        for d in report_of(r)["workspace"]["destinations"]
    }
    assert modes["Actions Amplitude"] == (
        "cloud",
        "componentTypes [], no browser component: events reach it through Segment's servers",
    )
    assert modes["FullStory"] == ("cloud", "bundlingStatus unbundled: events reach it through Segment's servers")
    assert modes["Hotjar"] == ("device", 'type "browser": analytics.js loads its classic bundle in the page')
    assert modes["Braze Web Mode (Actions)"] == (
        "unknown",
        "neither versionSettings.componentTypes nor type says where it runs",
    )


def test_compliant_inventory_has_ids_plugins_and_the_cmp_mapping(tmp_path: Path) -> None:
    run = tmp_path / "run"
    probe("workspace", SETTINGS / "compliant.json", "--suite", SUITE, "--run-dir", run)
    by_name = {d["name"]: d for d in report_of(run)["workspace"]["destinations"]}
    assert by_name["Google Analytics 4 Web"]["ids"] == ["64b0c0ffee0000000000aaaa"]
    assert by_name["Actions Amplitude"]["display_name"] == "Amplitude (Actions)"
    assert by_name["Actions Amplitude"]["mode"] == "device"
    assert by_name["Snowflake"]["cmp"] == {"C0002": ["analytics"], "C0004": ["marketing"]}


def test_without_a_suite_the_mapping_rule_is_not_run_never_passed(tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = probe("workspace", DEMO_SETTINGS, "--run-dir", run)
    assert result.exit_code == 2
    no_suite = (
        "no suite given (--suite): the CMP's category mapping is unknown, so the destinations' Segment "
        "consent categories could not be checked against it"
    )
    warehouse_gap = (
        'no suite given (--suite): whether warehouse(s) "BigQuery" are gated only by strictly-necessary '
        "categories is unknown"
    )
    (scenario,) = report_of(run)["scenarios"]
    assert (scenario["status"], scenario["findings"]) == ("inconclusive", [])
    assert scenario["unjudged"] == [
        {"reason": no_suite, "phase": None, "rules": ["mapping-unknown-category"]},
        {"reason": warehouse_gap, "phase": None, "rules": ["warehouse-exempt"]},
    ]
    assert result.stderr == (
        f"probe: inconclusive, not every rule could run: workspace: {no_suite}; {warehouse_gap}\n"
    )
    assert len(report_of(run)["workspace"]["destinations"]) == 3  # the inventory is there all the same
    junit = (run / "report.xml").read_text(encoding="utf-8")
    assert re.findall(r'<testcase classname="probe.workspace" name="([^"]+)"', junit) == [
        "consent-disabled",
        "unmapped-destination",
        "warehouse-exempt",
        "mapping-unknown-category",
    ]
    assert junit.count("<skipped ") == 2


def test_a_violation_without_a_suite_is_still_exit_1(tmp_path: Path) -> None:
    result = probe("workspace", SETTINGS / "unmapped.json", "--run-dir", tmp_path / "r")
    assert result.exit_code == 1
    assert findings(tmp_path / "r") == [("unmapped-destination", "error", unmapped("Mixpanel"))]


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("wrong-type", "integrations.Mixpanel.consentSettings.categories: Input should be a valid list (found a string)"),
        ("truncated", "not JSON (Expecting property name enclosed in double quotes at line 1 column 49)"),
        ("list", "a list, not CDN settings (a JSON object with integrations)"),
        ("not-settings", "no integrations object, so not Segment CDN settings (its keys: destinations, writeKey)"),
    ],
)
def test_a_broken_settings_file_is_exit_2_with_one_line(name: str, cause: str, tmp_path: Path) -> None:
    path = SETTINGS / f"{name}.json"
    result = probe("workspace", path, "--suite", SUITE, "--run-dir", tmp_path / "r")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"probe: {path}: {cause}\n")
    assert not (tmp_path / "r").exists()  # refused before a run folder is made


def test_huge_deep_and_binary_files_are_exit_2(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as out:
        out.truncate(16 * 1024 * 1024 + 1)  # sparse: costs no disk
    deep = tmp_path / "deep.json"
    deep.write_text('{"integrations": ' + "[" * 100_000 + "]" * 100_000 + "}")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    causes = {
        huge: "16777217 bytes, more than the 16777216 a settings file may have",
        deep: "not readable JSON (nested too deep)",
        binary: "not UTF-8 text (invalid start byte at byte 0)",
    }
    for path, cause in causes.items():
        result = probe("workspace", path)
        assert (result.exit_code, result.stderr) == (2, f"probe: {path}: {cause}\n")


def test_site_controlled_names_are_printed_inert(tmp_path: Path) -> None:
    path = tmp_path / "evil.json"
    name = "Evil\x1b[2J\u202eName\nsecond line"
    path.write_text(json.dumps({"integrations": {name: {"type": "browser"}, "Segment.io": {}}}))
    result = probe("workspace", path, "--suite", SUITE, "--run-dir", tmp_path / "r")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "Evil\\x1b[2J\\u202eName\\x0asecond line" in result.stdout


def test_an_unknown_path_that_is_no_write_key_is_exit_2(tmp_path: Path) -> None:
    result = probe("workspace", tmp_path / "missing.json")
    assert (result.exit_code, result.stderr) == (
        2,
        f"probe: {tmp_path / 'missing.json'}: no such file or folder, and not a writeKey\n",
    )


def test_run_dir_rules_as_for_probe_run(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("")
    result = probe("workspace", DEMO_SETTINGS, "--run-dir", busy)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"probe: {busy}: --run-dir exists and is not an empty folder")
    result = probe("workspace", DEMO_SETTINGS, "--run-dir", tmp_path / "a", "--out", tmp_path / "b")
    assert result.exit_code == 2
    assert "--run-dir and --out cannot be used together" in result.stderr


def test_a_source_without_top_level_consent_settings_is_noted(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert probe("workspace", SETTINGS / "no-source-consent.json", "--suite", SUITE, "--run-dir", run).exit_code == 0
    (scenario,) = report_of(run)["scenarios"]
    assert scenario["notes"] == [
        f"settings read from {SETTINGS / 'no-source-consent.json'}",
        f"CMP category mapping from --suite {SUITE}",
        "the source has no top-level consentSettings: Segment's consent tools never disable Segment as a whole "
        "for a visitor who refused everything; only the destinations' own categories gate them",
        'destination "Actions Amplitude": cloud-mode (componentTypes [], no browser component: events reach it '
        "through Segment's servers); C0002 → CMP analytics",
        'destination "FullStory": cloud-mode (bundlingStatus unbundled: events reach it through Segment\'s '
        "servers); C0004 → CMP marketing",
    ]
    assert report_of(run)["workspace"]["consent"] == {
        "configured": False,
        "all_categories": None,
        "has_unmapped_destinations": None,
    }

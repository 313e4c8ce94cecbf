"""The generic `selectors` adapter on a hand-made banner whose toggles are labels over hidden checkboxes:
every decision is verified per category from the checkboxes, and a toggle that went the wrong way (or
that cannot be read) fails with what was observed, never "verified"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.sync_api import Playwright

from probe.runner import Runner, ScenarioRun
from probe.suite import Suite, load_suite
from tests.conftest import SITES, read_har

pytestmark = pytest.mark.e2e

SUITE = SITES / "cmp" / "selectors-label" / "suite.yaml"
ALL = {"analytics": True, "marketing": True}
NONE = {"analytics": False, "marketing": False}
MARKETING_ONLY = {"analytics": False, "marketing": True}

Logged = tuple[ScenarioRun, list[str]]


def run_logged(playwright: Playwright, suite: Suite, names: list[str], out: Path) -> dict[str, Logged]:
    """Run scenarios with one Runner; keep each run and the progress lines it printed."""
    lines: list[str] = []
    done: dict[str, Logged] = {}
    with Runner(playwright, suite, progress=lines.append) as runner:
        for name in names:
            start = len(lines)
            run = runner.run_scenario(suite.scenario(name), out / name)
            done[name] = (run, lines[start:])
    return done


def variant(**changes: Any) -> Suite:
    """The fixture suite with top-level fields (and cmp fields under ``cmp``) changed."""
    suite = load_suite(SUITE)
    data = suite.model_dump()
    cmp = {**data["cmp"], **changes.pop("cmp", {})}
    cmp["selectors"] = {**data["cmp"]["selectors"], **cmp.get("selectors", {})}
    return Suite.model_validate({**data, **changes, "cmp": cmp})


def stored_consent(run: ScenarioRun, phase: str) -> dict[str, bool]:
    """The site's `consent` cookie at the end of a phase."""
    page = next(p for p in read_har(run.evidence_dir)["log"]["pages"] if p["id"] == phase)
    return dict(json.loads(unquote(page["_probe"]["storage"]["cookies"]["consent"])))


@pytest.fixture(scope="module")
def label_runs(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Logged]:
    suite = load_suite(SUITE)
    return run_logged(playwright, suite, [s.name for s in suite.scenarios], tmp_path_factory.mktemp("sel"))


def test_label_toggles_verify_every_decision_with_the_right_stored_state(label_runs) -> None:
    assert {name: run.error for name, (run, _) in label_runs.items()} == dict.fromkeys(
        ["accept_all", "reject_all", "reject_analytics", "revoke"]
    )
    stored = {
        (name, phase): stored_consent(run, phase)
        for name, (run, _) in label_runs.items()
        for phase in run.phases[1:]
    }
    assert stored == {
        ("accept_all", "after-consent"): ALL,
        ("reject_all", "after-consent"): NONE,
        ("reject_analytics", "after-consent"): MARKETING_ONLY,
        ("revoke", "after-consent"): ALL,
        ("revoke", "after-revoke"): NONE,
    }
    verified = [line for _, (_, lines) in label_runs.items() for line in lines if line.endswith(" verified")]
    assert len(verified) == len(stored)


@pytest.fixture(scope="module")
def violations(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Logged]:
    """The banner's deliberate bugs, and a label given as a plain toggle, each in reject_analytics."""
    suites = {
        # the marketing label points at no checkbox: clicking it leaves the checkbox off
        "dead-label": variant(
            start_url="https://selectors-label.test/?bug=dead-label", cmp={"timeout_ms": 2000}
        ),
        # saving stores analytics granted (and shows it ticked) whatever the visitor chose
        "save-analytics": variant(
            start_url="https://selectors-label.test/?bug=save-analytics", cmp={"timeout_ms": 2000}
        ),
        # the old way: a label as the whole toggle, clicked blindly; its state cannot be read
        "plain-label": variant(
            cmp={"selectors": {"toggles": {"analytics": "#analytics-label", "marketing": "#marketing-label"}}}
        ),
    }
    out = tmp_path_factory.mktemp("sel-bugs")
    return lambda name: run_logged(playwright, suites[name], ["reject_analytics"], out / name)[
        "reject_analytics"
    ]


def test_a_click_that_does_not_change_the_checkbox_fails_naming_the_toggle(violations) -> None:
    run, lines = violations("dead-label")
    assert (
        run.error
        == "selectors: toggle 'marketing': clicked #marketing-label, but #marketing is off; wanted on"
    )
    assert run.phases == ["before-consent"]
    assert not [line for line in lines if "verified" in line]


def test_a_save_that_stores_another_choice_fails_with_the_observed_state(violations) -> None:
    run, lines = violations("save-analytics")
    assert run.error == (
        "banner action had no effect: selectors stored {'analytics': True, 'marketing': True}, "
        "expected {'analytics': False, 'marketing': True}"
    )
    assert run.phases == [
        "before-consent",
        "after-consent",
    ]  # the save click happened: it stored the wrong thing
    assert not [line for line in lines if "verified" in line]


def test_a_label_given_as_a_plain_toggle_is_refused_not_clicked_blindly(violations) -> None:
    run, lines = violations("plain-label")
    assert run.error == (
        "selectors: cannot read the 'analytics' toggle's state from #analytics-label: not a checkbox and "
        "no aria-checked (give toggles.analytics as {click: ..., state: ...})"
    )
    assert run.phases == ["before-consent"]
    assert not [line for line in lines if "verified" in line]

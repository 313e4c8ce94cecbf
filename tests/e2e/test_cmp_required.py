"""A required category the CMP stores nothing for: Klaro configured without any required service or
purpose, while the suite declares `necessary: {required: true}`. probe verifies only the categories the
visitor can choose, so accept all, reject all and a revoke verify, and probe's rules find nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.sync_api import Playwright

from probe.judge import judge_bundle
from probe.runner import Runner
from probe.suite import load_suite
from tests.conftest import SITES, read_har

pytestmark = pytest.mark.e2e

SUITE = SITES / "cmp" / "klaro-no-required" / "suite.yaml"
SCENARIOS = ("accept_all", "reject_all", "revoke")


@pytest.fixture(scope="module")
def judged(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each scenario's error, problems found by probe's rules, and HAR."""
    suite = load_suite(SUITE)
    out = tmp_path_factory.mktemp("required")
    results: dict[str, Any] = {}
    with Runner(playwright, suite) as runner:
        runs = {name: runner.run_scenario(suite.scenario(name), out / name) for name in SCENARIOS}
    for name, run in runs.items():
        findings = judge_bundle(out / name).result.findings
        problems = [(f.rule, f.severity) for f in findings if f.severity != "info"]
        results[name] = (run.error, problems, read_har(Path(out / name)))
    return results


def test_decisions_verify_and_pass_though_klaro_stores_nothing_for_necessary(judged) -> None:
    assert {name: result[:2] for name, result in judged.items()} == {name: (None, []) for name in SCENARIOS}


def test_klaro_stored_only_the_choosable_services_and_probe_stamped_necessary_granted(judged) -> None:
    wanted = {
        ("accept_all", "after-consent"): {"segment": True, "pinterest": True},
        ("reject_all", "after-consent"): {"segment": False, "pinterest": False},
        ("revoke", "after-consent"): {"segment": True, "pinterest": True},
        ("revoke", "after-revoke"): {"segment": False, "pinterest": False},
    }
    stored, choices = {}, {}
    for name, (_, _, har) in judged.items():
        for page in har["log"]["pages"][1:]:
            cookie = page["_probe"]["storage"]["cookies"]["klaro"]
            stored[(name, page["id"])] = json.loads(unquote(cookie))
            choices[(name, page["id"])] = page["_probe"]["choice"]["necessary"]
    assert stored == wanted
    assert set(choices.values()) == {True}

"""Shared fixtures: the demo suite run once per session through the real Chromium and proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from probe.runner import Runner, ScenarioRun
from probe.suite import Suite, load_suite

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo" / "suite.yaml"
SITES = Path(__file__).resolve().parent / "sites"


def read_har(evidence_dir: Path) -> dict[str, Any]:
    """The parsed evidence.har of a scenario folder."""
    return json.loads((evidence_dir / "evidence.har").read_text(encoding="utf-8"))


def segment_events(har: dict[str, Any], phase: str | None = None) -> list[dict[str, Any]]:
    """Every Segment event body POSTed in a HAR (batches flattened), optionally for one phase."""
    events = []
    for entry in har["log"]["entries"]:
        req = entry["request"]
        if req["method"] != "POST" or "api.segment.io/v1/" in req["url"] and req["url"].endswith("/m"):
            continue
        if "api.segment.io/v1/" not in req["url"] or (phase and entry["pageref"] != phase):
            continue
        body = json.loads(req["postData"]["text"])
        events.extend(body.get("batch", [body]))
    return events


@pytest.fixture(scope="session")
def demo_suite() -> Suite:
    if not (ROOT / "web" / "build" / "consent-tools.js").is_file():
        pytest.fail("web/build/consent-tools.js is missing: run `make setup` (npm ci + esbuild) first")
    return load_suite(DEMO)


@pytest.fixture(scope="session")
def demo_run(
    playwright: Playwright, demo_suite: Suite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ScenarioRun]]:
    """All demo scenarios, run once; tests assert on the evidence they wrote."""
    out = tmp_path_factory.mktemp("demo-run")
    with Runner(playwright, demo_suite) as runner:
        yield {sc.name: runner.run_scenario(sc, out / sc.name) for sc in demo_suite.scenarios}


@pytest.fixture(scope="session")
def site_runner(playwright: Playwright) -> Iterator[Any]:
    """Run an in-code suite (fixture sites under tests/sites) and return its ScenarioRun."""

    def run(suite: Suite, scenario: str, out: Path) -> ScenarioRun:
        with Runner(playwright, suite) as runner:
            return runner.run_scenario(suite.scenario(scenario), out)

    yield run

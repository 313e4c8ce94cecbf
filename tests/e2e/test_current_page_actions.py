"""Where suite actions run: their page while browsing, `every` listed page, and the page the visitor is
on right after a decision or revoke (`current`, and by default the page an action belongs to)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.suite import Suite, SuiteError, load_suite
from tests.conftest import DEMO, read_har

pytestmark = pytest.mark.e2e
PRODUCT = "https://shop.test/product.html"


def demo_with_actions(actions: list[dict[str, object]]) -> Suite:
    suite = load_suite(DEMO)
    return Suite.model_validate({**suite.model_dump(), "actions": actions, "scenarios": ["revoke"]})


def steps(evidence_dir: Path) -> dict[str, list[str]]:
    """Per phase, the loads and clicks probe waited after (its own record of what it did)."""
    pages = read_har(evidence_dir)["log"]["pages"]
    return {
        p["id"]: [w["after"] for w in p["_probe"]["waits"] if w["after"].startswith(("load ", "click "))]
        for p in pages
    }


def test_actions_run_on_their_pages_and_where_the_visitor_decided(site_runner, tmp_path: Path) -> None:
    suite = demo_with_actions(
        [
            {"click": "#add-to-cart", "page": PRODUCT},
            {"click": "main h1", "page": "every"},
            {"click": "header nav", "page": "current"},
        ]
    )
    run = site_runner(suite, "revoke", tmp_path / "revoke")
    assert run.error is None
    browse = ["load https://shop.test/", "click main h1", f"load {PRODUCT}", "click #add-to-cart", "click main h1"]
    # right after each click on the banner: the actions of the product page, where the visitor is
    here = ["click #add-to-cart", "click main h1", "click header nav"]
    assert steps(run.evidence_dir) == {
        "before-consent": browse,
        "after-consent": here + browse,
        "after-revoke": here + browse,
    }


def test_an_action_page_must_be_a_url_every_or_current(tmp_path: Path) -> None:
    bad = tmp_path / "suite.yaml"
    bad.write_text(
        "name: x\nstart_url: https://shop.test/\ncategories: {necessary: {required: true}}\n"
        "actions:\n  - {click: '#a', page: sometimes}\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError, match=r"suite.yaml:5: field actions.0: .*every.*current"):
        load_suite(bad)

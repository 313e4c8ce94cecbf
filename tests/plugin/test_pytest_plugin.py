"""The pytest plugin, through pytester: inner pytest sessions in a subprocess, outcomes asserted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo" / "suite.yaml"
LEAKY = ROOT / "tests" / "sites" / "plugin" / "leaky.yaml"

pytestmark = pytest.mark.e2e
pytest_plugins = ["pytester"]


def test_compliant_suite_scenario_passes(pytester: pytest.Pytester) -> None:
    out = pytester.path / "evidence"
    result = pytester.runpytest_subprocess(
        "--probe-suite", str(DEMO), "-k", "accept_all", "--probe-out", str(out), "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, deselected=3)
    assert not out.exists() or not any(out.iterdir()), "retain-on-failure drops a passing test's evidence"


def test_violating_suite_fails_with_rule_ids_and_evidence_urls(pytester: pytest.Pytester) -> None:
    out = pytester.path / "evidence"
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "--probe-suite", str(LEAKY), "--probe-out", str(out), f"--junitxml={junit}", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "consent violations:" in text
    assert re.search(r"\[segment-before-consent\] before-consent: .*\(https://api\.segment\.io/v1/p\)", text)
    assert "[identifier-before-consent]" in text
    kept = [p for p in out.iterdir()]
    assert len(kept) == 1 and (kept[0] / "evidence.har").is_file(), "a failing test keeps its evidence"
    assert "segment-before-consent" in junit.read_text()


def test_artifacts_on_keeps_evidence_of_passing_tests(pytester: pytest.Pytester) -> None:
    out = pytester.path / "evidence"
    result = pytester.runpytest_subprocess(
        "--probe-suite",
        str(DEMO),
        "-k",
        "no_decision",
        "--probe-out",
        str(out),
        "--probe-artifacts",
        "on",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, deselected=3)
    (kept,) = list(out.iterdir())
    assert {"evidence.har", "manifest.json", "before-consent.png"} <= {p.name for p in kept.iterdir()}


def test_hand_written_test_with_consent_capture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(f"""
        import pytest
        from probe.suite import load_suite

        @pytest.fixture(scope="session")
        def probe_suite():
            return load_suite({str(DEMO)!r})
    """)
    pytester.makepyfile(
        test_shop="""
        def test_accepting_stamps_consent(consent_capture):
            page = consent_capture.page
            page.goto("https://shop.test/product.html")
            page.click("#add-to-cart")
            consent_capture.decided("accept_all")
            page.click('#cc-main .cm [data-role="all"]')
            consent_capture.assert_compliant()

        def test_unmarked_decision_is_caught(consent_capture):
            page = consent_capture.page
            page.goto("https://shop.test/")
            page.click('#cc-main .cm [data-role="all"]')
            consent_capture.settle()
            rules = {f.rule for f in consent_capture.findings()}
            assert "segment-before-consent" in rules  # no decided() mark: events count as pre-consent
    """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--probe-out", str(pytester.path / "ev"))
    result.assert_outcomes(passed=2)


def test_bad_suite_is_a_usage_error(pytester: pytest.Pytester) -> None:
    bad = pytester.path / "bad.yaml"
    bad.write_text("name: x\n")
    result = pytester.runpytest_subprocess("--probe-suite", str(bad), "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "bad.yaml" in result.stderr.str() and "start_url" in result.stderr.str()

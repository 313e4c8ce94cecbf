"""Replaying foreign HARs (Chrome, Firefox, Playwright, mitmproxy): exact findings per golden file."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.judge import judge_har
from probe.suite import Suite

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"

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


def findings(
    name: str, suite: Suite | None = None, **phases: str | int
) -> list[tuple[str, str, str | None, list[int | None]]]:
    judged = judge_har(GOLDEN / name, suite, **phases)  # type: ignore[arg-type]
    return [(f.rule, f.severity, f.phase, [e.entry for e in f.evidence]) for f in judged.result.findings]


def test_chrome_devtools_export_flags_the_ga_hit_before_the_onetrust_click() -> None:
    assert findings("chrome-devtools.har") == [("pixel-before-consent", "error", "before-consent", [3])]
    judged = judge_har(GOLDEN / "chrome-devtools.har", None)
    assert any(
        "Phases inferred from the recording" in n and "confidence high" in n for n in judged.result.notes
    )
    # the OneTrust stamps (C0001...) mean nothing to the default suite: failed, with the rest unjudged
    assert judged.result.status == "fail"
    assert [g.phase for g in judged.result.unjudged] == ["after-consent"]
    with_ids = judge_har(GOLDEN / "chrome-devtools.har", ONETRUST_IDS)
    assert (with_ids.result.status, with_ids.result.unjudged) == ("fail", [])


def test_firefox_export_with_a_batch_is_clean() -> None:
    assert findings("firefox-devtools.har") == []
    assert judge_har(GOLDEN / "firefox-devtools.har", None).result.status == "pass"


@pytest.mark.parametrize("name", ["mitmproxy.har", "mitmproxy.har.gz"])
def test_mitmproxy_export_without_phases_runs_only_phase_free_rules(name: str) -> None:
    judged = judge_har(GOLDEN / name, None)
    assert judged.result.findings == []
    assert any("only the phase-free rules ran" in n for n in judged.result.notes)
    # nothing judged the phases: that is not a pass
    assert judged.result.status == "inconclusive"
    assert [g.reason.split(":")[0] for g in judged.result.unjudged] == ["no phase information in this recording"]


def test_first_party_ces_endpoint_with_revocation_and_no_deletion_call() -> None:
    assert findings("playwright-firstparty-ces.har", ONETRUST_IDS) == [
        ("revoke-no-deletion", "error", "after-revoke", [None])
    ]


def test_first_party_ces_events_are_segment_events_when_the_decision_is_given() -> None:
    # Given a later decision, the consent event on /ces/v1/t was on the wire before it; with no revoke
    # given, the withdrawn stamp after it no longer matches the accepted choice.
    assert findings("playwright-firstparty-ces.har", ONETRUST_IDS, decision_at=3) == [
        ("segment-before-consent", "error", "before-consent", [1]),
        ("consent-mismatch", "warning", "after-consent", [4]),
    ]
    judged = judge_har(GOLDEN / "playwright-firstparty-ces.har", ONETRUST_IDS, decision_at=3)
    (before,) = [f for f in judged.result.findings if f.rule == "segment-before-consent"]
    assert [e.url for e in before.evidence] == ["https://shop.example/ces/v1/t"]


def test_playwright_har_with_stamps_only_infers_with_low_confidence() -> None:
    judged = judge_har(GOLDEN / "playwright-h2.har", None)
    assert judged.result.findings == []
    assert any("confidence low" in n for n in judged.result.notes)
    assert judged.result.status == "inconclusive"  # its C0001/C0002 stamps name no default category
    with_ids = judge_har(GOLDEN / "playwright-h2.har", ONETRUST_IDS)
    assert (with_ids.result.status, [m.choice_source for m in with_ids.result.marks]) == ("pass", ["stamps"])

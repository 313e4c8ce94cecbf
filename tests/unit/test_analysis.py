"""The public entry point: rule registry, ordering, determinism, notes."""

from __future__ import annotations

import re

from timeline_factory import (
    ACCEPT_ALL,
    ANALYTICS_ONLY,
    API,
    BRAZE_BUNDLE,
    FB_HIT,
    SITE,
    Recording,
    event,
    get,
    golden,
    judge,
    loader,
    make_suite,
    raw_post,
    settings,
    single,
)

from probe.analysis import analyse
from probe.rules import PHASE_FREE, RULE_IDS, RULES
from probe.rules.banner import Q_BANNER
from probe.rules.base import Q_CATEGORIZATION, Q_FILTERS, Q_PRIVACY_API, Q_SDK_WAITS, Q_SERVER_SIDE, Q_STAMPED
from probe.timeline import BEFORE

CONTRACT_IDS = (
    "segment-before-consent",
    "sdk-before-consent",
    "pixel-before-consent",
    "identifier-before-consent",
    "consent-missing",
    "consent-mismatch",
    "denied-pixel",
    "denied-destination-loaded",
    "unmapped-destination",
    "warehouse-exempt",
    "event-after-revoke",
    "revoke-not-signalled",
    "revoke-no-deletion",
    "unclassified-third-party",
    "tcf-mismatch",
    "gpp-mismatch",
    "gpc-ignored",
    "server-consent-missing",
    "server-consent-mismatch",
    "server-event-after-revoke",
    "identity-consent-conflict",
    "banner-no-first-layer-reject",
    "banner-more-clicks-to-refuse",
    "banner-asymmetric-controls",
    "banner-pre-ticked",
    "banner-cookie-wall",
    "banner-re-prompt-asymmetry",
)


def test_rule_ids_are_the_public_contract() -> None:
    assert RULE_IDS == CONTRACT_IDS
    assert PHASE_FREE == ("unmapped-destination", "warehouse-exempt", "unclassified-third-party")
    questions = {Q_CATEGORIZATION, Q_SDK_WAITS, Q_STAMPED, Q_FILTERS, Q_SERVER_SIDE, Q_PRIVACY_API, Q_BANNER}
    for r in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", r.id)
        assert r.question in questions and r.reference and r.summary
        assert r.severity in ("error", "warning", "info")


def messy() -> Recording:
    return (
        Recording()
        .add(get(f"{SITE}/"), get(FB_HIT), single(event("page", "Home", None)), loader())
        .snapshot(BEFORE, {"ajs_anonymous_id": "abc"})
        .decide(ANALYTICS_ONLY)
        .add(
            settings(), get(BRAZE_BUNDLE), single(event("track", "X", None)), get("https://unknown.example/p")
        )
        .add(get(FB_HIT), single(event("page", "Home", None)))
    )


def test_findings_are_ordered_by_rule_then_entry() -> None:
    findings = judge(messy().build())
    order = [(f.rule, f.evidence[0].entry) for f in findings]
    assert order == [
        ("segment-before-consent", 2),
        ("sdk-before-consent", 3),
        ("pixel-before-consent", 1),
        ("identifier-before-consent", None),
        ("consent-missing", 6),
        ("consent-missing", 9),
        ("denied-pixel", 8),
        ("denied-destination-loaded", 5),
        ("unclassified-third-party", 7),
    ]


def test_analysis_is_deterministic_and_notes_are_not_repeated() -> None:
    timeline = messy().revoke(None).add(raw_post(f"{API}/t", golden("malformed.txt"))).build()
    first = analyse(timeline, make_suite())
    notes = list(timeline.notes)
    assert len(notes) == 2 and "after-revoke choice is unknown" in notes[0] and "unparseable" in notes[1]
    second = analyse(timeline, make_suite())
    assert [f.model_dump() for f in first] == [f.model_dump() for f in second]
    assert timeline.notes == notes


def test_every_finding_points_at_evidence_with_short_excerpts() -> None:
    for finding in judge(messy().build()):
        assert finding.reference and finding.message
        assert finding.evidence
        for ref in finding.evidence:
            assert ref.excerpt is None or len(ref.excerpt) <= 300


def test_without_phases_only_phase_free_rules_run() -> None:
    timeline = (
        Recording()
        .add(loader(), single(event("page", "Home", None)), get("https://unknown.example/"))
        .build()
    )
    assert {f.rule for f in analyse(timeline, make_suite())} == {"unclassified-third-party"}
    assert len(timeline.notes) == 1 and "phase-free" in timeline.notes[0]


def test_recorded_phase_tags_count_as_phase_information() -> None:
    timeline = Recording().add(single(event("page", "Home", ACCEPT_ALL)), phase=BEFORE).build()
    assert {f.rule for f in analyse(timeline, make_suite())} == {"segment-before-consent"}

"""The six audit questions answered over judged scenarios."""

from __future__ import annotations

import base64

from timeline_factory import (
    ACCEPT_ALL,
    ANALYTICS_ONLY,
    API,
    BRAZE_BUNDLE,
    SITE,
    Recording,
    Req,
    compliant_accept_all,
    compliant_revoke,
    event,
    get,
    golden,
    loader,
    make_suite,
    settings,
    single,
)

from probe.analysis import analyse_timeline, checklist
from probe.findings import ChecklistItem
from probe.marks import ReadMark
from probe.suite import Suite
from probe.timeline import AFTER, Timeline

IDS = (
    "destination-categorization",
    "sdk-waits",
    "consent-stamped",
    "filters-honor-categories",
    "server-side-consent",
    "privacy-api-on-revoke",
)
PRIVACY = make_suite(segment={"privacy_endpoint": "/api/privacy/delete"})
DELETE = Req("POST", f"{SITE}/api/privacy/delete", status=202)


def answers(timelines: list[Timeline], suite: Suite) -> dict[str, ChecklistItem]:
    items = checklist([analyse_timeline(t, suite) for t in timelines], suite)
    assert tuple(i.id for i in items) == IDS
    return {i.id: i for i in items}


def reject_analytics() -> Timeline:
    return (
        Recording("reject_analytics")
        .add(get(f"{SITE}/"))
        .decide({"necessary": True, "analytics": False, "marketing": True})
        .add(
            loader(),
            settings(),
            get(BRAZE_BUNDLE),
            single(event("page", "Home", {"analytics": False, "marketing": True})),
        )
        .build()
    )


def test_compliant_demo_answers_yes_where_exercised() -> None:
    revoke = compliant_revoke().add(DELETE)
    revoke.scenario = "revoke"
    got = answers([compliant_accept_all().build(), reject_analytics(), revoke.build()], PRIVACY)
    assert {k: v.answer for k, v in got.items()} == {
        "destination-categorization": "yes",
        "sdk-waits": "yes",
        "consent-stamped": "yes",
        "filters-honor-categories": "yes",
        "server-side-consent": "not-tested",
        "privacy-api-on-revoke": "yes",
    }
    evidence = got["privacy-api-on-revoke"].evidence[0]
    assert (evidence.scenario, evidence.excerpt) == ("revoke", "HTTP 202")
    assert got["destination-categorization"].evidence[0].entry == 2
    assert "reject_analytics" in got["filters-honor-categories"].detail


def test_nothing_exercised_is_not_tested() -> None:
    got = answers([Recording("empty").add(get(f"{SITE}/")).build()], make_suite())
    assert {v.answer for v in got.values()} == {"not-tested"}
    assert "privacy_endpoint" in got["privacy-api-on-revoke"].detail


def test_violations_answer_no_with_scenario_tagged_evidence() -> None:
    bad = (
        Recording("leaky")
        .add(single(event("page", "Home", None)))
        .decide(ANALYTICS_ONLY)
        .add(settings(), get(BRAZE_BUNDLE), single(event("track", "X", None)))
        .build()
    )
    got = answers([bad], make_suite())
    assert got["sdk-waits"].answer == "no"
    assert got["consent-stamped"].answer == "no"
    assert got["filters-honor-categories"].answer == "no"
    assert got["sdk-waits"].evidence[0].entry == 0
    assert got["consent-stamped"].evidence[0].scenario == "leaky"
    assert "consent-missing" in got["consent-stamped"].detail


def test_unmapped_destination_answers_categorization_no() -> None:
    doc = golden("settings_no_consent.json")
    timeline = Recording("s").add(
        Req("GET", "https://cdn.segment.com/v1/projects/K/settings", response_body=doc)
    )
    got = answers([timeline.build()], make_suite())
    assert got["destination-categorization"].answer == "no"


def test_revocation_without_deletion_answers_privacy_no() -> None:
    got = answers([compliant_revoke().build()], PRIVACY)
    assert got["privacy-api-on-revoke"].answer == "no"
    assert "revoke-no-deletion" in got["privacy-api-on-revoke"].detail


def test_opt_out_model_does_not_test_sdk_waiting() -> None:
    got = answers([compliant_accept_all().build()], make_suite(consent_model="opt-out"))
    assert got["sdk-waits"].answer == "not-tested"


def _server_batch(body: bytes) -> Req:
    token = base64.b64encode(b"SERVERKEY:").decode()
    return Req("POST", f"{API}/batch", (("authorization", f"Basic {token}"),), body)


def test_server_library_events_answer_server_side_consent() -> None:
    unstamped = compliant_accept_all().add(_server_batch(golden("batch_server.json"))).build()
    got = answers([unstamped], make_suite())
    assert got["server-side-consent"].answer == "no"
    assert "1 of 2" in got["server-side-consent"].detail
    stamped_body = golden("batch_server.json").replace(
        b'"context":{"library":{"name":"@segment/analytics-node","version":"2.1.3"}}',
        b'"context":{"library":{"name":"@segment/analytics-node","version":"2.1.3"},'
        b'"consent":{"categoryPreferences":{"necessary":true,"analytics":true,"marketing":true}}}',
    )
    stamped = compliant_accept_all().add(_server_batch(stamped_body)).build()
    assert answers([stamped], make_suite())["server-side-consent"].answer == "yes"


def test_accept_all_only_does_not_test_filters() -> None:
    got = answers([compliant_accept_all().build()], make_suite())
    assert got["filters-honor-categories"].answer == "not-tested"
    assert got["consent-stamped"].answer == "yes"
    assert got["consent-stamped"].evidence and got["consent-stamped"].evidence[0].entry == 5


def test_yes_needs_traffic_before_the_decision_and_segment_after_it() -> None:
    # decided at once: nothing was seen undecided, so waiting for consent was not exercised
    at_once = Recording("at_once").decide(ACCEPT_ALL, "accept_all").add(loader(), settings()).build()
    got = answers([at_once], make_suite())
    assert got["sdk-waits"].answer == "not-tested"
    assert got["consent-stamped"].answer == "not-tested"  # no event at all
    # seen undecided, but Segment never came: nothing shows it would have waited
    quiet = Recording("quiet").add(get(f"{SITE}/")).decide(ACCEPT_ALL, "accept_all").add(get(f"{SITE}/a")).build()
    assert answers([quiet], make_suite())["sdk-waits"].answer == "not-tested"
    good = answers([compliant_accept_all().build()], make_suite())["sdk-waits"]
    assert good.answer == "yes"
    assert [(e.entry, e.scenario) for e in good.evidence] == [(0, "accept_all"), (1, "accept_all")]


def test_a_choice_read_from_the_stamps_cannot_check_the_stamps() -> None:
    timeline = compliant_accept_all().build()
    (mark,) = timeline.marks
    timeline.marks = [ReadMark(AFTER, mark.at, ACCEPT_ALL, source="inferred", choice_source="stamps")]
    got = answers([timeline], make_suite())
    assert got["consent-stamped"].answer == "not-tested"
    assert "read from the stamps themselves" in got["consent-stamped"].detail
    stated = compliant_accept_all().build()
    stated.marks = [ReadMark(AFTER, mark.at, ACCEPT_ALL, source="given", choice_source="stated")]
    assert answers([stated], make_suite())["consent-stamped"].answer == "yes"


def test_filters_yes_links_the_traffic_that_ran_under_the_denial() -> None:
    got = answers([reject_analytics()], make_suite())
    item = got["filters-honor-categories"]
    assert item.answer == "yes"
    assert [(e.entry, e.scenario) for e in item.evidence] == [(1, "reject_analytics")]  # the loader

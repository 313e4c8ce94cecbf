"""Finding consent signals in a recording, and the per-phase summary for ScenarioResult.signals."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from timeline_factory import ACCEPT_ALL, SITE, Recording, Req, event, get, single

from probe.signals import decode_timeline_signals, find_sightings
from probe.timeline import AFTER, BEFORE, REVOKED, Timeline

TC_ALL = "COv_eg6Ov_eg6AOADBENAaCgAP_AAH_AACiQAVEUQQoAIQAqIoghAAQgAA"  # purposes 1-10 (iabgpp-es)
TC_NONE = "CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA"  # nothing consented (iabgpp-es defaults)
GPP_OPTED_OUT = "DBABLA~BVQVAAAAAUA.YA"
GPP_NOT_OPTED_OUT = "DBABLA~BVQqAAAAAgA.QA"
ADS = "https://ads.example"


def with_page_signals(timeline: Timeline, signals: dict[str, Any]) -> Timeline:
    """The timeline with page signals, as the evidence reader will set them."""
    timeline.page_signals = signals  # type: ignore[attr-defined]
    return timeline


def busy_recording() -> Timeline:
    """Every kind of carrier once: query, cookies, Set-Cookie, JSON and form bodies, storage, page."""
    openrtb = {
        "regs": {"gdpr": 1, "gpp": GPP_OPTED_OUT, "gpp_sid": [7], "ext": {"us_privacy": "1YNN"}},
        "user": {"ext": {"consent": TC_ALL}},
    }
    timeline = (
        Recording()
        .add(get(f"{SITE}/"), get(f"{ADS}/bid?gdpr=1&gdpr_consent=${{GDPR_CONSENT_755}}&gpp=[GPP]"))
        .decide(ACCEPT_ALL, "accept_all")
        .add(
            get(
                f"{ADS}/px?gdpr=1&gdpr_consent={TC_ALL}&us_privacy=1YNN&gpp={GPP_OPTED_OUT}&gpp_sid=7",
                ("sec-gpc", "1"),
                ("cookie", f"euconsent-v2={TC_ALL}; usprivacy=1YNN; OTGPPConsent={GPP_OPTED_OUT}; other=x"),
            ),
            Req(
                "POST",
                f"{ADS}/openrtb2",
                (("content-type", "application/json"),),
                json.dumps(openrtb).encode(),
            ),
            single(event("track", "Order Completed", ACCEPT_ALL, properties={"tcf": TC_ALL})),
            get(
                f"{SITE}/consent",
                response_headers=(
                    ("set-cookie", f"euconsent-v2={TC_ALL}; Path=/"),
                    ("set-cookie", "usprivacy=; Max-Age=0"),
                ),
            ),
            Req(
                "POST",
                f"{ADS}/form",
                (("content-type", "application/x-www-form-urlencoded"),),
                f"gdpr_consent={TC_NONE}&x=1".encode(),
            ),
            get(f"{ADS}/noise?gdpr_consent={TC_NONE}"),
        )
        .snapshot(
            AFTER,
            cookies={"euconsent-v2": TC_ALL, "unrelated": "1"},
            local={
                "IABGPP_HDR_GppString": GPP_OPTED_OUT,
                "__gpp": json.dumps({"gppString": GPP_NOT_OPTED_OUT}),
            },
        )
        .build()
    )
    timeline.entries[-1] = replace(timeline.entries[-1], noise=True)
    page = {"tcf": {"tcString": TC_ALL, "gdprApplies": True}, "usp": {"uspString": "1YNN"}, "gpc": True}
    return with_page_signals(timeline, {AFTER: page, "nonsense": {"gpc": True}})


def test_every_carrier_is_found_in_wire_order_then_end_of_phase_state() -> None:
    found = [(s.kind, s.value, s.phase, s.source, s.entry) for s in find_sightings(busy_recording())]
    assert found == [
        ("gdpr", "1", BEFORE, "query gdpr", 1),
        ("gdpr", "1", AFTER, "query gdpr", 2),
        ("tcf", TC_ALL, AFTER, "query gdpr_consent", 2),
        ("usp", "1YNN", AFTER, "query us_privacy", 2),
        ("gpp", GPP_OPTED_OUT, AFTER, "query gpp", 2),
        ("gpp_sid", "7", AFTER, "query gpp_sid", 2),
        ("tcf", TC_ALL, AFTER, "cookie euconsent-v2", 2),
        ("usp", "1YNN", AFTER, "cookie usprivacy", 2),
        ("gpp", GPP_OPTED_OUT, AFTER, "cookie OTGPPConsent", 2),
        ("gpc", "1", AFTER, "header sec-gpc", 2),
        ("gdpr", "1", AFTER, "body regs.gdpr", 3),
        ("gpp", GPP_OPTED_OUT, AFTER, "body regs.gpp", 3),
        ("gpp_sid", "7", AFTER, "body regs.gpp_sid", 3),
        ("usp", "1YNN", AFTER, "body regs.ext.us_privacy", 3),
        ("tcf", TC_ALL, AFTER, "body user.ext.consent", 3),
        ("tcf", TC_ALL, AFTER, "body properties.tcf", 4),
        ("tcf", TC_ALL, AFTER, "set-cookie euconsent-v2", 5),
        ("tcf", TC_NONE, AFTER, "body gdpr_consent", 6),
        ("tcf", TC_ALL, AFTER, "storage cookie euconsent-v2", None),
        ("gpp", GPP_OPTED_OUT, AFTER, "storage localStorage IABGPP_HDR_GppString", None),
        ("gpp", GPP_NOT_OPTED_OUT, AFTER, "storage localStorage __gpp", None),
        ("tcf", TC_ALL, AFTER, "page __tcfapi getTCData", None),
        ("usp", "1YNN", AFTER, "page __uspapi getUSPData", None),
        ("gpc", "true", AFTER, "page navigator.globalPrivacyControl", None),
    ]


def test_sightings_point_at_their_request() -> None:
    [first_tcf] = [s for s in find_sightings(busy_recording()) if s.source == "query gdpr_consent"]
    assert (first_tcf.entry, first_tcf.final, first_tcf.url) == (2, False, first_tcf.url)
    assert first_tcf.url is not None and first_tcf.url.startswith(f"{ADS}/px?")
    assert first_tcf.describe() == f"query gdpr_consent={TC_ALL}"


def test_loose_field_names_need_the_right_shape() -> None:
    body = {"consent": {"categoryPreferences": {"ads": True}}, "tcf": "yes", "user": {"consent": "granted"}}
    timeline = (
        Recording().add(Req("POST", f"{ADS}/e", (), json.dumps(body).encode()), get(f"{ADS}/q?tcf=2")).build()
    )
    assert find_sightings(timeline) == []


def test_gpp_sid_forms_are_normalised() -> None:
    timeline = (
        Recording()
        .add(
            get(f"{ADS}/a?gpp_sid=2_6"),
            get(f"{ADS}/b?gpp_sid=%5B2%2C%206%5D"),
            get(f"{ADS}/c?gpp_sid=${{GPP_SID}}"),
            get(f"{ADS}/d?gpp_sid=-1"),  # OpenRTB: no section applies; kept, it says something
        )
        .build()
    )
    assert [(s.value, s.entry) for s in find_sightings(timeline)] == [("2,6", 0), ("2,6", 1), ("-1", 3)]


def test_summary_groups_strings_per_phase_and_decodes_them() -> None:
    timeline = (
        Recording()
        .add(get(f"{ADS}/a?gdpr=1&gdpr_consent={TC_NONE}"))
        .decide(ACCEPT_ALL, "accept_all")
        .add(get(f"{ADS}/b?gdpr_consent={TC_ALL}", ("sec-gpc", "1")), get(f"{ADS}/c?us_privacy=1YN"))
        .revoke(ACCEPT_ALL)
        .snapshot(REVOKED, cookies={"euconsent-v2": TC_ALL})
        .build()
    )
    summary = decode_timeline_signals(with_page_signals(timeline, {REVOKED: {"gpc": False}}))
    assert list(summary) == [BEFORE, AFTER, REVOKED]
    assert summary[BEFORE]["gdpr"] == ["1"]
    [before_tc] = summary[BEFORE]["tcf"]
    assert {k: before_tc[k] for k in ("value", "seen", "first_entry", "sources")} == {
        "value": TC_NONE,
        "seen": 1,
        "first_entry": 0,
        "sources": ["query gdpr_consent"],
    }
    assert before_tc["decoded"]["purpose_consents"] == []
    assert summary[AFTER]["tcf"][0]["decoded"]["purpose_consents"] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert summary[AFTER]["usp"] == [
        {
            "value": "1YN",
            "seen": 1,
            "first_entry": 2,
            "sources": ["query us_privacy"],
            "decoded": {"error": "a US Privacy string has 4 characters, not 3", "value": "1YN"},
        }
    ]
    assert summary[AFTER]["gpc"] == {"requests": 1, "first_entry": 1, "page": None}
    assert summary[REVOKED] == {
        "tcf": [
            {
                "value": TC_ALL,
                "seen": 1,
                "first_entry": None,
                "sources": ["storage cookie euconsent-v2"],
                "decoded": summary[AFTER]["tcf"][0]["decoded"],
            }
        ],
        "gpc": {"requests": 0, "first_entry": None, "page": False},
        "page": {"gpc": False},
    }
    json.dumps(summary)  # JSON-able as ScenarioResult.signals needs


def test_summary_of_a_recording_without_signals_is_empty() -> None:
    timeline = Recording().add(get(f"{SITE}/")).decide(ACCEPT_ALL).add(get(f"{SITE}/p")).build()
    assert decode_timeline_signals(timeline) == {}

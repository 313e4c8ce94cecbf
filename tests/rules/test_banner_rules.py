"""The banner rules on recorded measurements (no browser): the WCAG contrast formula, each rule on a
fair and an unfair record, and a not-measured record noted rather than passed.

The records are the shape the runner writes to the decision's HAR page (``_probe.banner``), taken
from a live run of tests/sites/banner/ (vanilla-cookieconsent, fair variant) and changed one value at a
time; each HAR is judged through ``probe.judge`` exactly as ``probe replay`` judges an evidence folder.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from probe.banner import contrast_ratio, relative_luminance
from probe.findings import ScenarioResult
from probe.judge import Judged, build_report, judge_har
from probe.rules import banner
from probe.suite import Suite

ACCEPT = {
    "selector": '#cc-main .cm [data-role="all"]', "text": "Accept all", "tag": "button", "role": None,
    "looks": "button", "box": {"x": 900.8, "y": 630, "width": 342.41, "height": 42},
    "font_px": 13.12, "color": [255, 255, 255, 1], "background": [48, 54, 60, 1],
}
FAIR: dict[str, Any] = {
    "format": "probe-banner/1", "measured": True, "cmp": "vanilla-cookieconsent",
    "banner": {"selector": "#cc-main .cm", "box": {"x": 880.0, "y": 504.25, "width": 384.0, "height": 279.75}},
    "screenshot": "after-consent.banner.png", "viewport": {"width": 1280, "height": 800},
    "accept": ACCEPT,
    "reject": {**ACCEPT, "selector": '#cc-main .cm [data-role="necessary"]', "text": "Reject all",
               "box": {"x": 900.8, "y": 678, "width": 342.41, "height": 42}},
    "preferences_open": False,
    "wall": {"points": 21, "covered": 0},
    "preferences": {"measured": True, "optional": {"analytics": False, "marketing": False}},
    "return_visit": {"banner_shown": False, "after_s": 1.3},
}
PHASES = "Phases as recorded in the HAR (1 phase mark)."  # judge_har's note on probe's own HAR
RESTRICTIVE = {"necessary": True, "analytics": False, "marketing": True}
ALL = {"necessary": True, "analytics": True, "marketing": True}
SUITE = Suite.model_validate(
    {
        "name": "banner-unit",
        "start_url": "https://banner.test/",
        "categories": {
            "necessary": {"segment": ["necessary"], "required": True},
            "analytics": {"segment": ["analytics"]},
            "marketing": {"segment": ["marketing"]},
        },
        "scenarios": [{"name": "return_visit", "decision": RESTRICTIVE, "via_preferences": True,
                       "return_visit": True}],
    }
)


def har(banner: dict[str, Any] | None, choice: dict[str, bool] = RESTRICTIVE) -> dict[str, Any]:
    """probe's HAR shape: one page load before the decision, the decision's page with its banner record."""
    entry = {
        "startedDateTime": "2026-11-30T10:00:00.000Z", "time": 5, "pageref": "before-consent",
        "request": {"method": "GET", "url": "https://banner.test/", "httpVersion": "HTTP/1.1", "headers": [],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                     "cookies": [], "content": {"size": 0, "mimeType": "text/html"}, "redirectURL": "",
                     "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0},
        "_probe": {"phase": "before-consent"},
    }
    after = {"phase": "after-consent", "action": "choose", "choice": choice, "cmp": "vanilla-cookieconsent"}
    if banner is not None:
        after["banner"] = banner
    pages = [
        {"id": "before-consent", "title": "t: before-consent", "startedDateTime": "2026-11-30T09:59:59.000Z",
         "pageTimings": {}, "_probe": {"phase": "before-consent", "action": None, "choice": None}},
        {"id": "after-consent", "title": "t: after-consent", "startedDateTime": "2026-11-30T10:00:01.000Z",
         "pageTimings": {}, "_probe": after},
    ]
    return {"log": {"version": "1.2", "creator": {"name": "probe", "version": "test"}, "pages": pages,
                    "entries": [entry], "_probe": {"format": "probe-har/1", "scenario": "return_visit"}}}


def judged(tmp_path: Path, banner: dict[str, Any] | None, choice: dict[str, bool] = RESTRICTIVE) -> Any:
    path = tmp_path / "evidence.har"
    path.write_text(json.dumps(har(banner, choice)), encoding="utf-8")
    return judge_har(path, SUITE).result


def found(tmp_path: Path, banner: dict[str, Any] | None, choice: dict[str, bool] = RESTRICTIVE) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.message) for f in judged(tmp_path, banner, choice).findings]


def changed(**parts: Any) -> dict[str, Any]:
    record = copy.deepcopy(FAIR)
    record.update(parts)
    return record


# -- the WCAG 2 formula ------------------------------------------------------------------------------


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)  # order does not matter
    assert contrast_ratio((119, 119, 119), (119, 119, 119)) == 1.0
    # #777 on white: the classic just-under-AA grey
    assert round(contrast_ratio((119, 119, 119), (255, 255, 255)), 2) == 4.48
    assert round(contrast_ratio((255, 255, 255), (48, 54, 60)), 2) == 12.22  # vanilla-cookieconsent's button
    assert relative_luminance((255, 255, 255)) == pytest.approx(1.0)
    assert relative_luminance((0, 0, 0)) == 0.0


# -- each rule, fair and unfair ------------------------------------------------------------------------


def test_a_fair_banner_has_no_finding(tmp_path: Path) -> None:
    result = judged(tmp_path, FAIR)
    assert (result.status, result.findings, result.notes) == ("pass", [], [PHASES])


def test_no_reject_on_the_first_layer(tmp_path: Path) -> None:
    record = changed(reject=None)
    assert found(tmp_path, record) == [
        ("banner-no-first-layer-reject", "warning",
         "The banner's first layer offers 'Accept all' (button, 342.41x42 px, contrast 12.22:1) but no reject or "
         "necessary-only control: refusing needs the preferences."),
        ("banner-more-clicks-to-refuse", "warning",
         "Accepting everything takes 1 click(s) on the first layer; refusing everything takes 2 through the "
         "preferences (open them unless the first layer is them, untick each pre-ticked optional category, save)."),
    ]


def test_more_clicks_counts_a_lower_bound_when_the_preferences_were_not_opened(tmp_path: Path) -> None:
    record = changed(reject=None, preferences=None)
    assert [m for r, _, m in found(tmp_path, record) if r == "banner-more-clicks-to-refuse"] == [
        "Accepting everything takes 1 click(s) on the first layer; refusing everything takes at least 2 through "
        "the preferences (open them unless the first layer is them, untick each pre-ticked optional category, save)."
    ]


@pytest.mark.parametrize(
    ("reject", "why"),
    [
        ({"looks": "link"}, "accept is a button, reject a bare link"),
        ({"box": {"x": 0, "y": 0, "width": 100, "height": 42}}, "accept is 3.4 times the area of reject (limit 2)"),
        # #777 on white
        ({"color": [119, 119, 119, 1], "background": [255, 255, 255, 1]},
         "reject's text contrast 4.48:1 is under WCAG AA 4.5:1 while accept's is 12.22:1"),
    ],
)
def test_asymmetric_controls(tmp_path: Path, reject: dict[str, Any], why: str) -> None:
    record = changed(reject={**FAIR["reject"], **reject})
    (rule, severity, message), = found(tmp_path, record)
    assert (rule, severity) == ("banner-asymmetric-controls", "warning")
    assert message.endswith(f": {why}.")


def test_alike_controls_under_the_thresholds_are_symmetric(tmp_path: Path) -> None:
    # 1.9 times the area, both under AA, both buttons: nothing the thresholds call asymmetric
    accept = {**ACCEPT, "background": [122, 122, 122, 1]}  # white on #7a7a7a: 4.29:1
    reject = {**FAIR["reject"], "box": {"x": 0, "y": 0, "width": 342.41 / 1.9, "height": 42},
              "background": [130, 130, 130, 1]}  # 3.95:1
    assert found(tmp_path, changed(accept=accept, reject=reject)) == []


def test_pre_ticked_categories_are_an_error(tmp_path: Path) -> None:
    record = changed(preferences={"measured": True, "optional": {"analytics": True, "marketing": False}})
    assert found(tmp_path, record) == [
        ("banner-pre-ticked", "error",
         "When the preferences opened, 1 optional category was already ticked: analytics "
         "(toggles as found: analytics=on, marketing=off)."),
    ]
    assert judged(tmp_path, record).status == "fail"


def test_a_wall_without_reject_is_a_cookie_wall_and_with_reject_is_not(tmp_path: Path) -> None:
    wall = {"points": 16, "covered": 16}
    assert found(tmp_path, changed(wall=wall)) == []
    rules = [r for r, _, _ in found(tmp_path, changed(wall=wall, reject=None))]
    assert rules == ["banner-no-first-layer-reject", "banner-more-clicks-to-refuse", "banner-cookie-wall"]


def return_visits(tmp_path: Path, refusal: bool | None, acceptance: bool | None) -> list[Judged]:
    """The suite's return visits after a refusal and after accepting everything (None: that scenario is
    not in the run), banner shown again or not, each judged from its HAR."""
    runs = []
    for name, shown, choice in (("return_visit", refusal, RESTRICTIVE), ("return_visit_accept", acceptance, ALL)):
        if shown is None:
            continue
        document = har(changed(return_visit={"banner_shown": shown, "after_s": 1.5}), choice)
        document["log"]["_probe"]["scenario"] = name
        path = tmp_path / f"{name}.har"
        path.write_text(json.dumps(document), encoding="utf-8")
        runs.append(judge_har(path, SUITE))
    return runs


def compared(tmp_path: Path, refusal: bool | None, acceptance: bool | None) -> dict[str, ScenarioResult]:
    """Those return visits judged together, as one report compares them."""
    return {s.name: s for s in build_report(return_visits(tmp_path, refusal, acceptance), SUITE.name).scenarios}


def test_re_prompt_after_a_refusal_but_not_after_accepting_everything(tmp_path: Path) -> None:
    results = compared(tmp_path, refusal=True, acceptance=False)
    (finding,) = results["return_visit"].findings
    assert (finding.rule, finding.severity, finding.phase, finding.message) == (
        "banner-re-prompt-asymmetry", "warning", "after-consent",
        "After refusing analytics, a return visit the same day (1.5 s after the decision) showed the banner "
        "again; after accepting everything (scenario return_visit_accept) it did not (1.5 s after the "
        "decision): the refusal was not remembered as the acceptance is.",
    )
    assert [(e.scenario, e.url, e.excerpt) for e in finding.evidence] == [
        ("return_visit", "after-consent.png", "return visit: banner shown again"),
        ("return_visit_accept", "after-consent.png", "return visit: no banner"),
    ]
    assert results["return_visit_accept"].findings == []
    assert [r.status for r in results.values()] == ["pass", "pass"]  # a warning leaves the status alone


def test_re_prompt_the_reverse_after_accepting_but_not_after_a_refusal(tmp_path: Path) -> None:
    results = compared(tmp_path, refusal=False, acceptance=True)
    assert results["return_visit"].findings == []
    assert [(f.rule, f.message) for f in results["return_visit_accept"].findings] == [
        ("banner-re-prompt-asymmetry",
         "After accepting everything, a return visit the same day (1.5 s after the decision) showed the banner "
         "again; after refusing analytics (scenario return_visit) it did not (1.5 s after the decision): the "
         "acceptance was not remembered as the refusal is."),
    ]


@pytest.mark.parametrize("shown", [True, False])
def test_re_prompt_alike_after_both_choices_is_no_asymmetry(tmp_path: Path, shown: bool) -> None:
    results = compared(tmp_path, refusal=shown, acceptance=shown)
    assert {name: r.findings for name, r in results.items()} == {"return_visit": [], "return_visit_accept": []}
    assert not any("re-prompt" in n for r in results.values() for n in r.notes)


def test_re_prompt_with_one_side_only_is_noted_not_passed_silently(tmp_path: Path) -> None:
    (result,) = compared(tmp_path, refusal=True, acceptance=None).values()
    assert result.findings == []
    assert result.notes == [
        PHASES,
        "banner-re-prompt-asymmetry not judged: no return-visit scenario after accepting everything (the "
        "standard return_visit_accept) in this suite to compare with",
    ]
    (result,) = compared(tmp_path, refusal=None, acceptance=False).values()
    assert result.notes[-1] == (
        "banner-re-prompt-asymmetry not judged: no return-visit scenario after a refusal (the standard "
        "return_visit) in this suite to compare with"
    )


def test_re_prompt_compared_again_gives_the_same_report(tmp_path: Path) -> None:
    # a merge or a second report over the same verdicts must not add the comparison twice
    runs = return_visits(tmp_path, refusal=True, acceptance=False)
    assert build_report(runs, SUITE.name) == build_report(runs, SUITE.name)


def test_not_measured_is_noted_never_a_silent_pass(tmp_path: Path) -> None:
    record = {"format": "probe-banner/1", "measured": False,
              "why": "the orejime adapter does not know its banner's first-layer controls"}
    result = judged(tmp_path, record)
    assert result.findings == []
    assert result.notes == [
        PHASES,
        "banner checks (banner-*) not judged: the orejime adapter does not know its banner's first-layer controls"
    ]


def test_a_har_without_banner_records_is_judged_as_before(tmp_path: Path) -> None:
    result = judged(tmp_path, None)
    assert (result.status, result.findings, result.notes) == ("pass", [], [PHASES])


def test_the_rules_work_out_the_meaning_of_the_measured_facts() -> None:
    # the record holds texts, boxes, colours and sampled points; ratios, areas, clicks and the wall are
    # the rules' reading of them, so evidence measured before a rule changed is judged by the new one
    assert (banner.contrast(ACCEPT), banner.area(ACCEPT)) == (12.22, 14381.22)
    assert banner.contrast({**ACCEPT, "color": None}) is None
    assert banner.blocks_page(FAIR) is False
    assert banner.blocks_page(changed(wall={"points": 16, "covered": 16})) is True
    assert banner.blocks_page(changed(wall={"points": 0, "covered": 0})) is False
    assert banner.clicks(FAIR) == banner.Clicks(1, 1, "first layer", False)
    ticked = changed(reject=None, preferences={"measured": True, "optional": {"analytics": True, "marketing": True}})
    assert banner.clicks(ticked) == banner.Clicks(1, 4, "preferences", False)  # open, untick twice, save
    assert banner.clicks(changed(reject=None, preferences=None)) == banner.Clicks(1, 2, "preferences", True)
    assert banner.clicks(changed(reject=None, preferences_open=True, preferences=None)).reject_all == 1


@pytest.mark.parametrize(
    ("record", "where"),
    [
        (changed(accept="Accept all"), "accept"),
        (changed(reject={**FAIR["reject"], "box": None}), "reject.box"),
        (changed(accept={**FAIR["accept"], "box": {"width": "wide", "height": 42}}), "accept.box.width"),
        (changed(reject={**FAIR["reject"], "color": ["a", "b", "c"]}), "reject.color.0"),
        (changed(reject={**FAIR["reject"], "color": [1e308, 0, 0]}), "reject.color.0"),
        (changed(reject={**FAIR["reject"], "color": [1]}), "reject.color"),
        (changed(reject={**FAIR["reject"], "box": {"width": -5, "height": 3}}), "reject.box.width"),
        (changed(wall="yes"), "wall"),
        (changed(preferences={"measured": True, "optional": [1, 2]}), "preferences.optional"),
        (changed(accept={**FAIR["accept"], "text": {"a": 1}}), "accept.text"),
    ],
)
def test_a_hostile_banner_record_is_not_measured_never_a_crash(
    tmp_path: Path, record: dict[str, Any], where: str
) -> None:
    result = judged(tmp_path, record)
    assert (result.status, result.findings) == ("pass", [])
    (note,) = [n for n in result.notes if n.startswith("banner checks")]
    assert note.startswith(
        f"banner checks (banner-*) not judged: the banner record in the evidence is unreadable ({where}: "
    )


def test_an_unreadable_record_keeps_its_return_visit_for_the_re_prompt_comparison() -> None:
    from probe.banner.record import read_record

    raw = changed(wall="yes", return_visit={"banner_shown": True, "after_s": 1.5})
    assert read_record(raw)["return_visit"] == {"banner_shown": True, "after_s": 1.5}
    assert read_record(FAIR) is FAIR

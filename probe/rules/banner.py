"""Banner design: is refusing as easy as accepting? Judged from what probe measured on the banner.

The runner measures the first layer as a scenario's decision is made (``probe.banner``) and stores
it on the decision's HAR page (``_probe.banner``); these rules read only that record, so a replay
judges the same. A scenario whose adapter could not measure gets a note, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from probe.banner.contrast import contrast_ratio
from probe.findings import EvidenceRef
from probe.rules.base import Hit, rule
from probe.rules.context import Context
from probe.timeline import AFTER

Q_BANNER = "banner-design"  # not one of the seed guide's six questions: the checklist leaves it out
EDPB = (
    "EDPB Guidelines 03/2022 on deceptive design patterns (Overloading, Skipping, Stirring); "
    "CNIL, délibération 2020-091 and its cookie decisions (refusing as easy as accepting)"
)
SIZE_RATIO = 2.0  # accept's rendered area over reject's: twice the area reads as the invited choice
AA_CONTRAST = 4.5  # WCAG 2 AA for normal text: a reject label below it while accept's is above


def banner_record(ctx: Context) -> dict[str, Any] | None:
    """The first layer as measured at the scenario's decision; None when nothing was measured."""
    record = ctx.timeline.page_banner.get(AFTER)
    return record if record and record.get("measured") else None


def _shot(record: dict[str, Any], excerpt: str) -> list[EvidenceRef]:
    """The banner's crop screenshot in the evidence folder, with the measured values."""
    return [EvidenceRef(url=record.get("screenshot"), excerpt=excerpt)]


# -- what the measured facts mean (worked out here, not at capture: old evidence is judged anew) -------


def contrast(c: dict[str, Any]) -> float | None:
    """A control's WCAG 2 contrast ratio, text on background, to 2 decimals; None without a text colour."""
    if not c.get("color") or not c.get("background"):
        return None
    return round(contrast_ratio(tuple(c["color"][:3]), tuple(c["background"][:3])), 2)


def area(c: dict[str, Any]) -> float:
    """A control's rendered area in CSS px²."""
    return round(c["box"]["width"] * c["box"]["height"], 2)


def blocks_page(record: dict[str, Any]) -> bool:
    """Every viewport point sampled outside the banner hit the CMP's own markup (an overlay)."""
    wall = record.get("wall") or {}
    return bool(wall.get("points")) and wall.get("covered") == wall.get("points")


@dataclass(frozen=True)
class Clicks:
    """Clicks the adapter's own paths take from the first layer to accept, and to refuse, everything."""

    accept_all: int | None  # None: no accept control on the first layer
    reject_all: int
    reject_path: str  # "first layer" | "preferences"
    at_least: bool  # the preferences were not opened in this scenario: pre-ticked ones unknown


def clicks(record: dict[str, Any]) -> Clicks:
    """A control on the first layer is one click. Without a reject control the adapter refuses
    through the preferences: open them (unless the first layer is the preferences), untick each
    pre-ticked optional category, save; with the preferences not opened, a lower bound."""
    accept = 1 if record.get("accept") else None
    if record.get("reject"):
        return Clicks(accept, 1, "first layer", False)
    opening = 0 if record.get("preferences_open") else 1
    prefs = record.get("preferences") or {}
    if prefs.get("measured"):
        ticked = sum(1 for on in prefs["optional"].values() if on)
        return Clicks(accept, opening + ticked + 1, "preferences", False)
    return Clicks(accept, opening + 1, "preferences", True)


def _control(c: dict[str, Any]) -> str:
    box = c["box"]
    return f"'{c['text']}' ({c['looks']}, {box['width']:g}x{box['height']:g} px, contrast {contrast(c)}:1)"


@rule(
    "banner-no-first-layer-reject",
    severity="warning",
    phases=(AFTER,),
    question=Q_BANNER,
    reference=EDPB,
    summary="the banner's first layer has an accept control but no reject or necessary-only control",
)
def no_first_layer_reject(ctx: Context) -> Iterator[Hit]:
    """An accept control on the first layer with nothing there to refuse."""
    record = banner_record(ctx)
    if record is None or not record["accept"] or record["reject"]:
        return
    message = (
        f"The banner's first layer offers {_control(record['accept'])} but no reject or "
        "necessary-only control: refusing needs the preferences."
    )
    yield Hit(message, _shot(record, "reject: none on the first layer"), phase=AFTER)


@rule(
    "banner-more-clicks-to-refuse",
    severity="warning",
    phases=(AFTER,),
    question=Q_BANNER,
    reference=EDPB,
    summary="refusing everything takes more clicks than accepting everything (through the adapter's own path)",
)
def more_clicks_to_refuse(ctx: Context) -> Iterator[Hit]:
    """Clicks of the adapter's accept-all path against its refuse-all path, from the first layer."""
    record = banner_record(ctx)
    if record is None:
        return
    count = clicks(record)
    accept, reject = count.accept_all, count.reject_all
    if accept is None or reject <= accept:
        return
    least = "at least " if count.at_least else ""
    message = (
        f"Accepting everything takes {accept} click(s) on the first layer; refusing everything takes "
        f"{least}{reject} through the {count.reject_path} (open them unless the first layer is them, "
        "untick each pre-ticked optional category, save)."
    )
    yield Hit(message, _shot(record, f"clicks: accept_all={accept}, reject_all={least}{reject}"), phase=AFTER)


def asymmetries(accept: dict[str, Any], reject: dict[str, Any]) -> list[str]:
    """How the reject control is less prominent than the accept control, in measured words."""
    found = []
    big, small = area(accept), area(reject)
    if small > 0 and big / small >= SIZE_RATIO:
        found.append(f"accept is {big / small:.1f} times the area of reject (limit {SIZE_RATIO:g})")
    elif small == 0:
        found.append("reject has no rendered area")
    a, r = contrast(accept), contrast(reject)
    if a is not None and r is not None and r < AA_CONTRAST <= a:
        found.append(
            f"reject's text contrast {r}:1 is under WCAG AA {AA_CONTRAST:g}:1 while accept's is {a}:1"
        )
    if accept["looks"] == "button" and reject["looks"] == "link":
        found.append("accept is a button, reject a bare link")
    return found


@rule(
    "banner-asymmetric-controls",
    severity="warning",
    phases=(AFTER,),
    question=Q_BANNER,
    reference=EDPB + f"; thresholds: area ratio {SIZE_RATIO:g}, WCAG 2 AA contrast {AA_CONTRAST:g}:1",
    summary="the reject control is visibly weaker than accept: smaller, lower contrast, or a link against a button",
)
def asymmetric_controls(ctx: Context) -> Iterator[Hit]:
    """Rendered size, WCAG contrast and button-versus-link of accept against reject."""
    record = banner_record(ctx)
    if record is None or not record["accept"] or not record["reject"]:
        return
    found = asymmetries(record["accept"], record["reject"])
    if found:
        message = (
            f"Accept {_control(record['accept'])} against reject {_control(record['reject'])}: "
            + "; ".join(found)
            + "."
        )
        yield Hit(message, _shot(record, "; ".join(found)), phase=AFTER)


@rule(
    "banner-pre-ticked",
    severity="error",
    phases=(AFTER,),
    question=Q_BANNER,
    reference="CJEU C-673/17 Planet49 (a pre-ticked box is no consent); " + EDPB,
    summary="optional categories are already ticked when the preferences open",
)
def pre_ticked(ctx: Context) -> Iterator[Hit]:
    """Optional categories ticked before the visitor touched anything."""
    record = banner_record(ctx)
    prefs = (record or {}).get("preferences") or {}
    if record is None or not prefs.get("measured"):
        return
    ticked = sorted(c for c, on in prefs["optional"].items() if on)
    if ticked:
        states = ", ".join(f"{c}={'on' if on else 'off'}" for c, on in sorted(prefs["optional"].items()))
        message = (
            f"When the preferences opened, {len(ticked)} optional categor{'y was' if len(ticked) == 1 else 'ies were'} "
            f"already ticked: {', '.join(ticked)} (toggles as found: {states})."
        )
        yield Hit(message, _shot(record, f"pre-ticked: {', '.join(ticked)}"), phase=AFTER)


@rule(
    "banner-cookie-wall",
    severity="warning",
    phases=(AFTER,),
    question=Q_BANNER,
    reference="EDPB Guidelines 05/2020 on consent (cookie walls); " + EDPB,
    summary="the banner blocks the page and offers no way to refuse on its first layer",
)
def cookie_wall(ctx: Context) -> Iterator[Hit]:
    """The page is covered by the CMP (every sampled point outside the banner hits its overlay) with no reject."""
    record = banner_record(ctx)
    if record is None or not blocks_page(record) or record["reject"]:
        return
    wall = record["wall"]
    message = (
        f"The banner blocks the page ({wall['covered']} of {wall['points']} sampled points outside it hit the "
        "CMP's overlay, not the page) and its first layer has no reject or necessary-only control."
    )
    yield Hit(
        message, _shot(record, f"covered {wall['covered']}/{wall['points']}, reject: none"), phase=AFTER
    )


@dataclass(frozen=True)
class ReturnVisit:
    """One scenario's same-day return visit: what its choice refused and whether the banner came back."""

    scenario: str
    refused: list[str]  # optional categories the choice refused; [] when it accepted everything
    shown: bool
    after_s: float | None
    screenshot: str | None  # the crop of the banner shown again; None: not shown, or the shot failed


def return_visits(named: Sequence[tuple[str, Context]]) -> tuple[list[ReturnVisit], dict[str, str]]:
    """The scenarios' measured return visits, and why each unmeasured one could not be used."""
    visits: list[ReturnVisit] = []
    unmeasured: dict[str, str] = {}
    for name, ctx in named:
        record = ctx.timeline.page_banner.get(AFTER) or {}
        seen, mark = record.get("return_visit"), ctx.timeline.mark(AFTER)
        if not isinstance(seen, dict) or mark is None or not mark.choice:
            continue
        if not isinstance(seen.get("banner_shown"), bool):
            unmeasured[name] = str(seen.get("why") or "the return visit was not measured")
            continue
        optional = [c for c, cat in ctx.suite.categories.items() if not cat.required]
        refused = sorted(c for c in optional if not mark.choice.get(c, False))
        shot = seen.get("screenshot")
        visits.append(
            ReturnVisit(
                name,
                refused,
                seen["banner_shown"],
                seen.get("after_s"),
                shot if isinstance(shot, str) else None,
            )
        )
    return visits, unmeasured


def _after(visit: ReturnVisit) -> str:
    return f" ({visit.after_s:g} s after the decision)" if isinstance(visit.after_s, int | float) else ""


def _choice(visit: ReturnVisit) -> str:
    return f"refusing {', '.join(visit.refused)}" if visit.refused else "accepting everything"


@rule(
    "banner-re-prompt-asymmetry",
    severity="warning",
    phases=(AFTER,),
    question=Q_BANNER,
    reference=EDPB + "; CNIL recommendation 2020-092 (a refusal is remembered as long as a consent)",
    summary="on a same-day return visit the banner comes back after one choice but not after the other "
    "(refusing against accepting everything)",
    across=True,
)
def re_prompt(named: Sequence[tuple[str, Context]]) -> Iterator[Hit]:
    """Return visits after a refusal against return visits after accepting everything: the banner comes
    back on one side only. The hit goes to each scenario whose banner came back."""
    visits, _ = return_visits(named)
    for visit in visits:
        others = [o for o in visits if bool(o.refused) != bool(visit.refused) and not o.shown]
        if not visit.shown or not others:
            continue
        other = others[0]
        remembered = "the acceptance" if visit.refused else "the refusal"
        forgotten = "the refusal" if visit.refused else "the acceptance"
        message = (
            f"After {_choice(visit)}, a return visit the same day{_after(visit)} showed the banner again; after "
            f"{_choice(other)} (scenario {other.scenario}) it did not{_after(other)}: {forgotten} was not "
            f"remembered as {remembered} is."
        )
        evidence = [
            # the crop of the banner as it came back; the phase's page screenshot when the shot failed
            EvidenceRef(
                url=visit.screenshot or f"{AFTER}.png",
                excerpt="return visit: banner shown again",
                scenario=visit.scenario,
            ),
            EvidenceRef(url=f"{AFTER}.png", excerpt="return visit: no banner", scenario=other.scenario),
        ]
        yield Hit(message, evidence, phase=AFTER, scenario=visit.scenario)


def re_prompt_notes(named: Sequence[tuple[str, Context]]) -> dict[str, list[str]]:
    """Why a return-visit scenario's re-prompt could not be compared: scenario -> notes."""
    visits, unmeasured = return_visits(named)
    notes = {name: [f"banner-re-prompt-asymmetry not judged: {why}"] for name, why in unmeasured.items()}
    for visit in visits:
        if not any(bool(o.refused) != bool(visit.refused) for o in visits):
            wanted = (
                "accepting everything (the standard return_visit_accept)"
                if visit.refused
                else "a refusal (the standard return_visit)"
            )
            notes.setdefault(visit.scenario, []).append(
                f"banner-re-prompt-asymmetry not judged: no return-visit scenario after {wanted} in this suite "
                "to compare with"
            )
    return notes


def banner_notes(ctx: Context) -> list[str]:
    """Why the banner checks did not judge a deciding scenario (its adapter could not measure)."""
    record = ctx.timeline.page_banner.get(AFTER)
    if record and not record.get("measured"):
        return [f"banner checks (banner-*) not judged: {record.get('why', 'the banner was not measured')}"]
    return []


RULES = (
    no_first_layer_reject,
    more_clicks_to_refuse,
    asymmetric_controls,
    pre_ticked,
    cookie_wall,
    re_prompt,
)

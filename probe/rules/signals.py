"""Rules on the consent signals sites pass to ad tech besides Segment's stamp: IAB TCF v2 TC strings,
GPP strings (and the legacy US Privacy string) and Global Privacy Control.

Segment reads none of these (segment-wire §5); the site's CMP writes them and vendors act on them, so a
string that contradicts the banner choice lets vendors process what the visitor refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from probe.findings import EvidenceRef
from probe.rules.base import Q_FILTERS, Q_STAMPED, Hit, rule
from probe.rules.context import Context, VendorHit
from probe.rules.evidence import event_ref
from probe.rules.expect import PhaseExpectation
from probe.rules.vendors import vendor_findings
from probe.segment import SegmentEvent, clip
from probe.signals import (
    NOT_OPTED_OUT,
    OPTED_OUT,
    TCF_EU_V2,
    US_NAT,
    USP_V1,
    GppString,
    Sighting,
    TCString,
    UsNat,
    UsPrivacy,
    advertising_categories,
    decode_gpp_string,
    decode_tc_string,
    decode_us_privacy,
    find_sightings,
    judge_purposes,
    page_signals,
    purpose_map,
)
from probe.suite import Suite
from probe.timeline import AFTER, PHASES, REVOKED

_DECIDED = (AFTER, REVOKED)
_MAX_EVIDENCE = 10


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _join(problems: list[str]) -> str:
    return "; ".join(problems) + "."


def _judged_strings(sightings: list[Sighting], kind: str, phase: str) -> list[tuple[str, list[Sighting]]]:
    """The distinct strings of ``kind`` to judge in ``phase``, each with its sightings there.

    Judged: every string that first appears in this phase, and the phase's final string (its
    end-of-phase storage or page state, else the last request's). A string carried over from the
    previous phase by requests in flight at the click is skipped, unless it is still the final one:
    then the CMP never replaced it, and that is exactly what the rule is for.
    """
    order = {p: i for i, p in enumerate(PHASES)}
    earlier = {s.value for s in sightings if s.kind == kind and order[s.phase] < order[phase]}
    here = [s for s in sightings if s.kind == kind and s.phase == phase]
    if not here:
        return []
    ends = {s.value for s in here if s.final} or {here[-1].value}
    grouped: dict[str, list[Sighting]] = {}
    for s in here:
        grouped.setdefault(s.value, []).append(s)
    return [(v, seen) for v, seen in grouped.items() if v not in earlier or v in ends]


def _evidence(seen: list[Sighting], phase: str, detail: str) -> list[EvidenceRef]:
    refs = []
    for s in seen[:_MAX_EVIDENCE]:
        where = "" if s.entry is not None else f"end of {phase}: "
        refs.append(EvidenceRef(entry=s.entry, url=s.url, excerpt=clip(f"{where}{detail}; {s.describe()}")))
    return refs


def _gdpr_off(sightings: list[Sighting], ctx: Context) -> tuple[set[int], set[str]]:
    """Entries that said gdpr=0, and phases whose CMP API said gdprApplies is false: TCF does not apply."""
    entries = {s.entry for s in sightings if s.kind == "gdpr" and s.value.lower() in ("0", "false")}
    phases = {
        phase
        for phase, signals in page_signals(ctx.timeline).items()
        if isinstance(signals.get("tcf"), Mapping) and signals["tcf"].get("gdprApplies") is False
    }
    return {e for e in entries if e is not None}, phases


def _tcf_problems(
    tc: TCString, choice: Mapping[str, bool], purposes: Mapping[str, frozenset[int]]
) -> list[str]:
    verdict = judge_purposes(tc.purpose_consents, choice, purposes)
    problems = []
    if verdict.granted_despite_denial:
        denied = sorted({c for users in verdict.granted_despite_denial.values() for c in users})
        problems.append(
            f"it consents to purpose(s) {_ids(verdict.granted_despite_denial)} although the visitor denied "
            + ", ".join(f'"{c}" (purposes {_ids(sorted(purposes[c]))})' for c in denied)
        )
    for category, wanted in verdict.missing_for_grant.items():
        problems.append(
            f'it consents to none of purposes {_ids(wanted)} although the visitor accepted "{category}"'
        )
    return problems


def _tcf_detail(tc: TCString) -> str:
    return f"TCF purpose consents [{_ids(tc.purpose_consents)}]"


@rule(
    "tcf-mismatch",
    severity="error",
    phases=_DECIDED,
    question=Q_STAMPED,
    reference="Audit: Are consent payloads stamped on every event? / IAB TCF v2 Policies (signal = the "
    "user's choice), GDPR Art. 6(1)(a), 7(1)",
    summary="A TCF TC string after the decision contradicts the banner choice (purposes per suite mapping).",
)
def tcf_mismatch(ctx: Context) -> Iterator[Hit]:
    """TC strings (requests, cookies, storage, __tcfapi) whose purpose consents contradict the choice."""
    purposes = purpose_map(ctx.suite)
    if not purposes:
        return
    sightings = find_sightings(ctx.timeline, ctx.entries)
    off_entries, off_phases = _gdpr_off(sightings, ctx)
    usable = [s for s in sightings if s.entry is None or s.entry not in off_entries]
    for phase in _DECIDED:
        expect = ctx.expect.at(phase)
        if not expect.judgeable or expect.choice is None or phase in off_phases:
            continue
        for value, seen in _judged_strings(usable, "tcf", phase):
            tc = decode_tc_string(value)
            if not isinstance(tc, TCString):
                continue  # undecodable strings are listed in the scenario's signals, not judged
            problems = _tcf_problems(tc, expect.choice, purposes)
            if problems:
                message = (
                    f"TC string after the consent decision contradicts the banner choice: {_join(problems)}"
                )
                yield Hit(message, _evidence(seen, phase, _tcf_detail(tc)), phase)


def _us_problems(
    fields: Mapping[str, tuple[int, str]], choice: Mapping[str, bool], ads: frozenset[str], gpc: bool
) -> list[str]:
    """Opt-out fields (name -> (1 opted out / 2 did not, value as written)) against the advertising choice."""
    denied = sorted(c for c in ads if choice.get(c) is False)
    problems = []
    for name, (code, written) in fields.items():
        if denied and code == NOT_OPTED_OUT:
            problems.append(
                f"{name} = {written} (did not opt out) although the visitor denied {_quoted(denied)}"
            )
        elif not denied and code == OPTED_OUT and not gpc:
            problems.append(
                f"{name} = {written} (opted out) although the visitor accepted {_quoted(sorted(ads))}"
            )
    return problems


def _usnat_fields(usnat: UsNat) -> dict[str, tuple[int, str]]:
    return {name: (value, str(value)) for name, value in usnat.opt_outs().items()}


def _usp_fields(usp: UsPrivacy) -> dict[str, tuple[int, str]]:
    if usp.opted_out is None:
        return {}
    return {"OptOutSale": (OPTED_OUT if usp.opted_out else NOT_OPTED_OUT, usp.opt_out_sale)}


def _gpp_problems(
    gpp: GppString, choice: Mapping[str, bool], ctx: Context, gpc: bool
) -> tuple[list[str], str]:
    """Contradictions in the sections probe decodes, and a one-line summary of what they say."""
    problems: list[str] = []
    details: list[str] = []
    ads = advertising_categories(ctx.suite)
    purposes = purpose_map(ctx.suite)
    tcf = gpp.section(TCF_EU_V2)
    if isinstance(tcf, TCString) and purposes:
        problems += [f"tcfeuv2: {p}" for p in _tcf_problems(tcf, choice, purposes)]
        details.append(f"tcfeuv2 purpose consents [{_ids(tcf.purpose_consents)}]")
    usnat = gpp.section(US_NAT)
    if isinstance(usnat, UsNat) and ads:
        # a usnat string that says Gpc=1 shows the CMP saw GPC, which may override an acceptance
        fields = _usnat_fields(usnat)
        problems += [f"usnat {p}" for p in _us_problems(fields, choice, ads, gpc or bool(usnat.gpc))]
        details.append("usnat " + ", ".join(f"{k}={v}" for k, v in usnat.opt_outs().items()))
    usp = gpp.section(USP_V1)
    if isinstance(usp, UsPrivacy) and ads:
        problems += [f"uspv1 {p}" for p in _us_problems(_usp_fields(usp), choice, ads, gpc)]
        details.append(f"uspv1 OptOutSale={usp.opt_out_sale}")
    return problems, "GPP " + "; ".join(details)


@rule(
    "gpp-mismatch",
    severity="error",
    phases=_DECIDED,
    question=Q_STAMPED,
    reference="Audit: Are consent payloads stamped on every event? / IAB GPP (usnat, uspv1, tcfeuv2), "
    "CCPA/CPRA Cal. Civ. Code §1798.120, §1798.135",
    summary="A GPP (or US Privacy) string after the decision contradicts the banner choice.",
)
def gpp_mismatch(ctx: Context) -> Iterator[Hit]:
    """GPP sections tcfeuv2, usnat and uspv1, and standalone us_privacy strings, against the choice."""
    sightings = find_sightings(ctx.timeline, ctx.entries)
    ads = advertising_categories(ctx.suite)
    for phase in _DECIDED:
        expect = ctx.expect.at(phase)
        if not expect.judgeable or expect.choice is None:
            continue
        gpc = any(s.kind == "gpc" and s.phase == phase for s in sightings)
        for value, seen in _judged_strings(sightings, "gpp", phase):
            gpp = decode_gpp_string(value)
            if not isinstance(gpp, GppString):
                continue  # undecodable strings are listed in the scenario's signals, not judged
            problems, detail = _gpp_problems(gpp, expect.choice, ctx, gpc)
            if problems:
                message = (
                    f"GPP string after the consent decision contradicts the banner choice: {_join(problems)}"
                )
                yield Hit(message, _evidence(seen, phase, detail), phase)
        if not ads:
            continue
        for value, seen in _judged_strings(sightings, "usp", phase):
            usp = decode_us_privacy(value)
            if not isinstance(usp, UsPrivacy):
                continue
            problems = _us_problems(_usp_fields(usp), expect.choice, ads, gpc)
            if problems:
                message = (
                    f"US Privacy string after the consent decision contradicts the choice: {_join(problems)}"
                )
                yield Hit(message, _evidence(seen, phase, f"us_privacy {value}"), phase)


def _gpc_source(sightings: list[Sighting], phase: str) -> str:
    headers = [s for s in sightings if s.kind == "gpc" and s.phase == phase and s.entry is not None]
    parts = []
    if headers:
        parts.append(f"Sec-GPC: 1 on {len(headers)} request(s), first HAR entry {headers[0].entry}")
    if any(s.kind == "gpc" and s.phase == phase and s.entry is None for s in sightings):
        parts.append("navigator.globalPrivacyControl === true")
    return " and ".join(parts)


def gpc_in_force(ctx: Context) -> dict[str, str]:
    """Opt-out suites: the phases where GPC is on and no banner choice governs, with how it was seen."""
    if ctx.suite.consent_model != "opt-out":
        return {}  # opt-in sites deny everything until the visitor decides; GPC adds nothing there
    sightings = find_sightings(ctx.timeline, ctx.entries)
    found = {}
    for phase in PHASES:
        source = _gpc_source(sightings, phase)
        # an explicit banner choice made after GPC governs its phase (the regulations let a site ask
        # for consent despite GPC); the stamping and destination rules judge that choice
        if source and not ctx.expect.at(phase).judgeable:
            found[phase] = source
    return found


def gpc_expectation(suite: Suite, phase: str) -> PhaseExpectation:
    """What GPC leaves in force on an opt-out site: everything but the advertising categories."""
    ads = advertising_categories(suite)
    choice = {c: cat.required or c not in ads for c, cat in suite.categories.items()}
    required = frozenset(c for c, cat in suite.categories.items() if cat.required)
    return PhaseExpectation(phase, True, True, choice, suite.expected_preferences(choice), required)


def _advertising_events(ctx: Context, phase: str, ad_ids: set[str]) -> list[SegmentEvent]:
    return [
        e
        for e in ctx.traffic.events
        if ctx.event_phase(e) == phase
        and e.category_preferences
        and any(e.category_preferences.get(i) is True for i in ad_ids)
    ]


def _advertising_vendors(ctx: Context, phase: str, ads: frozenset[str]) -> list[VendorHit]:
    return [
        h
        for h in ctx.vendor_hits
        if ctx.phase(h.entry) == phase
        and (h.cmp_category in ads or (h.cmp_category is None and h.vendor.category == "marketing"))
    ]


@rule(
    "gpc-ignored",
    severity="error",
    phases=PHASES,
    question=Q_FILTERS,
    reference="Audit: Do destination filters honor categories? / CCPA regulations, Cal. Code Regs. tit. 11 "
    "§7025 (opt-out preference signals); Colorado Privacy Act rules 4 CCR 904-3 Part 5",
    summary="Opt-out site: browser sent Global Privacy Control, yet advertising was not treated as denied.",
)
def gpc_ignored(ctx: Context) -> Iterator[Hit]:
    """With GPC on and no explicit banner choice, no event may grant and no vendor of advertising may fire."""
    ads = advertising_categories(ctx.suite)
    ad_ids = {i for c in ads for i in ctx.suite.categories[c].segment}
    for phase, source in gpc_in_force(ctx).items():
        events = _advertising_events(ctx, phase, ad_ids)
        if events:
            granted = sorted({i for e in events for i in ad_ids if (e.category_preferences or {}).get(i)})
            message = (
                f"{len(events)} Segment event(s) grant advertising ({', '.join(granted)}) while the browser "
                f"signalled Global Privacy Control ({source}); an opt-out site must treat it as an opt-out "
                "of sale and sharing."
            )
            yield Hit(message, [event_ref(e) for e in events[:_MAX_EVIDENCE]], phase)
        yield from vendor_findings(
            ctx,
            _advertising_vendors(ctx, phase, ads),
            phase=phase,
            when=f"while the browser signalled Global Privacy Control ({source})",
        )


RULES = (tcf_mismatch, gpp_mismatch, gpc_ignored)

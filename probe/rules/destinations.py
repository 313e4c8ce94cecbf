"""Rules on destinations and vendors: categorisation, and what a denial must keep away."""

from __future__ import annotations

import re
from collections.abc import Iterator

from probe.findings import EvidenceRef
from probe.rules.base import Q_CATEGORIZATION, Q_FILTERS, Hit, rule
from probe.rules.context import Context
from probe.rules.evidence import entry_ref, note_ref
from probe.rules.expect import PhaseExpectation, cmp_categories_of_ids, vendor_cmp_category
from probe.rules.signals import gpc_expectation, gpc_in_force
from probe.rules.vendors import loader_and_data_findings
from probe.segment import Destination, Kind, SegmentSettings, destination_for_bundle, parse_bundle
from probe.suite import Suite
from probe.timeline import AFTER, PHASES, REVOKED

_DECIDED = (AFTER, REVOKED)
WAREHOUSES = re.compile(
    r"snowflake|bigquery|big query|redshift|postgres|databricks|azure synapse|synapse|data lakes?|"
    r"\bdb2\b|clickhouse|\bwarehouse",
    re.IGNORECASE,
)


def is_warehouse(name: str) -> bool:
    """True for warehouse / data-lake destinations."""
    return bool(WAREHOUSES.search(name))


def destination_ref(settings: SegmentSettings, dest: Destination) -> EvidenceRef:
    """Where a destination's categories were read: the settings response, or the suite's override."""
    if dest.from_suite:
        return note_ref(f"suite segment.destinations: {dest.name}: {list(dest.categories)}")
    return EvidenceRef(entry=settings.entry, url=settings.url, excerpt=dest.raw or dest.name)


@rule(
    "denied-pixel",
    severity="error",
    phases=PHASES,  # before-consent only on opt-out sites with GPC on
    question=Q_FILTERS,
    reference="Audit: Do destination filters honor categories? / GDPR Art. 6(1)(a), ePrivacy Art. 5(3)",
    summary="A vendor of a category the visitor denied was contacted after the decision.",
)
def denied_pixel(ctx: Context) -> Iterator[Hit]:
    """Vendor requests whose CMP category the choice in force (a decision, or GPC) denies."""
    for phase, expect, gpc in _denials(ctx):
        # a withdrawn category's vendor is also event-after-revoke's; each rule answers its own question
        denied = [
            h for h in ctx.vendor_hits if ctx.phase(h.entry) == phase and expect.cmp_granted(h.cmp_category) is False
        ]
        when = f"while the browser signalled Global Privacy Control ({gpc})" if gpc else (
            "after the visitor denied its category"
        )
        yield from loader_and_data_findings(ctx, denied, phase=phase, when=when)


def _denials(ctx: Context) -> list[tuple[str, PhaseExpectation, str]]:
    """Each phase where something is denied: (phase, the choice in force, how GPC was seen or "").

    A banner decision governs its phases; on an opt-out site GPC is an explicit denial of advertising
    too, in the phases no banner choice governs.
    """
    found = [(p, ctx.expect.at(p), "") for p in _DECIDED if ctx.expect.at(p).judgeable]
    found += [(p, gpc_expectation(ctx.suite, p), source) for p, source in gpc_in_force(ctx).items()]
    return found


@rule(
    "denied-destination-loaded",
    severity="error",
    phases=PHASES,  # before-consent only on opt-out sites with GPC on
    question=Q_FILTERS,
    reference="Audit: Do destination filters honor categories? / GDPR Art. 6(1)(a)",
    summary="A device-mode destination bundle of a denied category was fetched.",
)
def denied_destination_loaded(ctx: Context) -> Iterator[Hit]:
    """``/next-integrations/`` bundles fetched while the choice in force denies their destination's category."""
    in_force = {phase: (expect, gpc) for phase, expect, gpc in _denials(ctx)}
    for request in ctx.traffic.of_kind(Kind.DEVICE_MODE):
        entry = ctx.by_index[request.entry]
        phase = ctx.phase(entry)
        if phase not in in_force:
            continue
        expect, gpc = in_force[phase]
        dest = destination_for_bundle(entry.url, ctx.traffic.settings)
        if dest is not None and dest.categories:
            denied = expect.denied_ids(dest.categories)
            if not denied:
                continue
            what = f'destination "{dest.name}" (Segment categories {", ".join(dest.categories)})'
            why = f"the visitor denied {', '.join(denied)}"
        else:
            bundle = parse_bundle(entry.url)
            names = (dest.name,) if dest else bundle.names if bundle else ()
            vendor = ctx.catalog.for_segment(names)
            if vendor is None:
                continue
            hit_category = _vendor_category(ctx, vendor.name)
            if hit_category is None or expect.cmp_granted(hit_category) is not False:
                continue
            what = (
                f"{vendor.name}'s device-mode bundle (CMP category {hit_category!r}, from the vendor catalog)"
            )
            why = f"the visitor denied {hit_category}"
        if gpc:
            why = f"the browser signalled Global Privacy Control ({gpc}), which denies {why.split(' denied ')[-1]}"
        # an explicit denial is binding in both models: an opt-out site may load everything only until
        # the visitor objects, after that the vendor's own script can collect whatever the middleware drops
        tail = (
            " After the visitor objected, an opt-out site must stop loading it: the vendor's script collects "
            "on its own, whatever Segment's destination middleware drops."
            if ctx.suite.consent_model == "opt-out"
            else " In the opt-in model Segment's consent tools remove denied destinations before loading."
        )
        yield Hit(f"{what} was loaded although {why}.{tail}", [entry_ref(entry)], phase)


def _vendor_category(ctx: Context, vendor_name: str) -> str | None:
    vendor = ctx.catalog.vendor(vendor_name)
    return vendor_cmp_category(vendor, ctx.suite) if vendor else None


@rule(
    "unmapped-destination",
    severity="error",
    phases=(),
    question=Q_CATEGORIZATION,
    reference="Audit: Is destination categorization documented? / GDPR Art. 30 (records of processing)",
    summary="The settings enable a destination that no consent category gates.",
)
def unmapped_destination(ctx: Context) -> Iterator[Hit]:
    """Destinations without consent categories (warehouses are judged by warehouse-exempt)."""
    return unmapped_hits(ctx.traffic.settings)


def unmapped_hits(settings: SegmentSettings) -> Iterator[Hit]:
    """unmapped-destination over one settings document (a browser run's, or ``probe workspace``'s)."""
    listed = False
    for dest in sorted(settings.destinations.values(), key=lambda d: d.name):
        if dest.mapped or is_warehouse(dest.name):
            continue
        listed = True
        message = (
            f'Destination "{dest.name}" has no consent category: Segment sends it every event whatever the '
            "visitor chose. Map it in Segment's Consent Management (or suite segment.destinations)."
        )
        yield Hit(message, [destination_ref(settings, dest)])
    if settings.has_unmapped and not listed:
        message = (
            "The source's consentSettings say it has unmapped destinations (hasUnmappedDestinations: true); "
            "those destinations receive every event whatever the visitor chose."
        )
        yield Hit(
            message, [EvidenceRef(entry=settings.entry, url=settings.url, excerpt="hasUnmappedDestinations")]
        )


@rule(
    "warehouse-exempt",
    severity="warning",
    phases=(),
    question=Q_CATEGORIZATION,
    reference="Audit pitfall: forgetting the warehouse destination / GDPR Art. 5(1)(b) (purpose limitation)",
    summary="A warehouse destination is mapped to no category or only to a strictly-necessary one.",
)
def warehouse_exempt(ctx: Context) -> Iterator[Hit]:
    """Warehouses treated as exempt although their data feeds analytics and marketing."""
    return warehouse_hits(ctx.traffic.settings, ctx.suite)


def warehouse_hits(settings: SegmentSettings, suite: Suite | None) -> Iterator[Hit]:
    """warehouse-exempt over one settings document; without a suite only unmapped warehouses are judged."""
    required = {c for c, cat in suite.categories.items() if cat.required} if suite else set()
    for dest in sorted(settings.destinations.values(), key=lambda d: d.name):
        if not is_warehouse(dest.name):
            continue
        governing = cmp_categories_of_ids(dest.categories, suite) if suite else set()
        if dest.categories and (not governing or not governing <= required):
            continue
        how = "no consent category" if not dest.categories else f"only strictly-necessary {sorted(governing)}"
        message = (
            f'Warehouse destination "{dest.name}" is mapped to {how}. The data it stores feeds analytics '
            "and marketing downstream; categorise it by the most permissive use of that data."
        )
        yield Hit(message, [destination_ref(settings, dest)])


RULES = (denied_pixel, denied_destination_loaded, unmapped_destination, warehouse_exempt)

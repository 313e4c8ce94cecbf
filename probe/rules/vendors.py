"""Shared wording and grouping for rules that judge requests to downstream vendors."""

from __future__ import annotations

from collections.abc import Iterable

from probe.findings import Severity
from probe.rules.base import Hit
from probe.rules.consent_mode import judge_ping
from probe.rules.context import Context, VendorHit
from probe.rules.evidence import entry_ref

MAX_EVIDENCE = 10


def vendor_label(hit: VendorHit) -> str:
    """``Facebook Pixel (marketing -> CMP "marketing")`` style label."""
    governed = f'CMP category "{hit.cmp_category}"' if hit.cmp_category else "no CMP category"
    return f"{hit.vendor.name} ({hit.vendor.category}, {governed})"


def vendor_findings(
    ctx: Context, hits: Iterable[VendorHit], *, phase: str, when: str, severity: Severity = "error"
) -> list[Hit]:
    """One Hit per vendor, split into consented-looking traffic and cookieless Consent Mode pings.

    Google hits that say consent is denied and carry no persistent identifier are cookieless pings:
    still a transfer (IP, page URL), but not tracking by identifier, so they are warnings.
    """
    groups: dict[tuple[str, bool], list[tuple[VendorHit, str | None]]] = {}
    for hit in hits:
        verdict = judge_ping(hit.entry, hit.vendor.consent_mode, ctx.ga_client_ids)
        cookieless = verdict is not None and verdict.cookieless
        groups.setdefault((hit.vendor.name, cookieless), []).append(
            (hit, verdict.detail if verdict else None)
        )
    found: list[Hit] = []
    for (_, cookieless), items in groups.items():
        first = items[0][0]
        count = len(items)
        times = "1 request" if count == 1 else f"{count} requests"
        evidence = [entry_ref(h.entry, detail or h.entry.url) for h, detail in items[:MAX_EVIDENCE]]
        if cookieless:
            message = (
                f"{vendor_label(first)}: {times} {when} were Google Consent Mode pings with consent denied "
                "and no identifier (cookieless); they still send the visitor's IP address and page to Google."
            )
            found.append(Hit(message, evidence, phase, "warning"))
        else:
            detail = next((d for _, d in items if d), None)
            extra = f" ({detail})" if detail else ""
            message = f"{vendor_label(first)}: {times} {when}{extra}."
            found.append(Hit(message, evidence, phase, severity))
    return found


def loader_and_data_findings(
    ctx: Context, hits: list[VendorHit], *, phase: str, when: str
) -> list[Hit]:
    """``vendor_findings`` with tag, SDK and container loads apart: those send nothing about the visit
    yet (only the IP address with the load), so they are warnings; requests that send data are errors."""
    loads = {h.entry.index for h in hits if ctx.catalog.is_loader(h.entry.url)}
    loaders = [h for h in hits if h.entry.index in loads]
    collectors = [h for h in hits if h.entry.index not in loads]
    return vendor_findings(ctx, collectors, phase=phase, when=when) + vendor_findings(
        ctx,
        loaders,
        phase=phase,
        when=(
            f"{when}: its tag, SDK or container was loaded, ready to send data "
            "(the load itself sends the visitor's IP address)"
        ),
        severity="warning",
    )

"""Third parties the catalog does not know: reported, never dropped."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from probe.catalog import host_under
from probe.rules.base import Q_CATEGORIZATION, Hit, rule
from probe.rules.context import Context
from probe.rules.evidence import entry_ref
from probe.segment import ApiHost, is_segment_domain
from probe.timeline import Entry

MAX_EVIDENCE = 5


def _known_hosts(ctx: Context) -> set[str]:
    hosts = {api.host for api in ctx.traffic.endpoints.api_hosts}
    hosts |= {p.host for h in ctx.suite.segment.hosts if (p := ApiHost.parse(h))}
    if ctx.suite.segment.privacy_endpoint and "://" in ctx.suite.segment.privacy_endpoint:
        hosts.add((urlsplit(ctx.suite.segment.privacy_endpoint).hostname or "").lower())
    return hosts


def is_unclassified(ctx: Context, entry: Entry, known: set[str]) -> bool:
    """True for a request to a third party nothing else accounts for."""
    host = entry.host
    if not host or urlsplit(entry.url).scheme not in ("http", "https", "ws", "wss"):
        return False
    if host in ctx.first_party or host in known or is_segment_domain(host):
        return False
    if ctx.traffic.kind_of(entry.index) is not None:
        return False
    if ctx.catalog.match(entry.url) is not None or ctx.catalog.infrastructure_name(host):
        return False
    return not any(host_under(host, k) for k in known)


@rule(
    "unclassified-third-party",
    severity="info",
    phases=(),
    question=Q_CATEGORIZATION,
    reference="Audit: Is destination categorization documented? / GDPR Art. 13(1)(e) (recipients)",
    summary="A third-party host the vendor catalog does not know.",
)
def unclassified_third_party(ctx: Context) -> Iterator[Hit]:
    """One finding per unknown third-party host, with its first requests as evidence."""
    known = _known_hosts(ctx)
    by_host: dict[str, list[Entry]] = {}
    for entry in ctx.entries:
        if is_unclassified(ctx, entry, known):
            by_host.setdefault(entry.host, []).append(entry)
    for host, entries in by_host.items():
        phases = sorted({ctx.phase(e) for e in entries}) if ctx.timeline.has_phases else []
        when = f" (phases: {', '.join(phases)})" if phases else ""
        message = (
            f"{host} received {len(entries)} request(s){when} but is not in the vendor catalog, so its "
            "consent category is unknown; add it to the catalog or confirm it needs no consent."
        )
        phase = ctx.phase(entries[0]) if ctx.timeline.has_phases else None
        yield Hit(message, [entry_ref(e) for e in entries[:MAX_EVIDENCE]], phase)


RULES = (unclassified_third_party,)

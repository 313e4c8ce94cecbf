"""The site's own hosts as the recording shows them: the pages the browser navigated to, else the page
its requests name in ``Origin`` / ``Referer``.

A HAR need not start with the site: DevTools and mitmproxy exports often open with a CDN image, or
with the browser's own background calls (Firefox's ``shavar.services.mozilla.com``), so its first
entry says nothing about who the first party is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from probe.catalog.matcher import Catalog
from probe.timeline import Entry

# Sec-Fetch-Dest of a top-level page; iframes say "iframe" or "frame" and are not the site
_TOP_LEVEL = "document"


def is_page_document(entry: Entry) -> bool:
    """True for a top-level page load: Sec-Fetch-Dest document, else DevTools' resource type, else Accept."""
    dest = entry.header("sec-fetch-dest")
    if dest is not None:
        return dest.strip().lower() == _TOP_LEVEL
    if entry.resource_type is not None:
        return entry.resource_type == "document"
    accept = (entry.header("accept") or "").lower()
    # browsers put text/html first only for navigations; fetch() and subresources ask for */* or more
    return entry.method.upper() == "GET" and accept.startswith("text/html")


def _host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""


def _foreign(host: str, catalog: Catalog) -> bool:
    """True for hosts the catalog already accounts for: vendors, CMPs and CDNs, browser noise."""
    return (
        catalog.is_browser_noise(host)
        or catalog.infrastructure_name(host) is not None
        or catalog.is_vendor_host(host)
    )


def document_hosts(entries: Iterable[Entry], catalog: Catalog) -> list[str]:
    """Hosts of the pages the browser navigated to, in order of first visit."""
    hosts: dict[str, None] = {}
    for entry in entries:
        if is_page_document(entry) and entry.host and not _foreign(entry.host, catalog):
            hosts.setdefault(entry.host, None)
    return list(hosts)


def referring_host(entries: Iterable[Entry], catalog: Catalog) -> str | None:
    """The page host the recording's requests name most often as their Origin or Referer."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    # a long recording names the same few pages over and over: read each header value and host once
    hosts: dict[str | None, str] = {}
    foreign: dict[str, bool] = {}
    for position, entry in enumerate(entries):
        named = entry.header("origin") or entry.header("referer")
        if named not in hosts:
            hosts[named] = _host(named)
        host = hosts[named]
        if not host:
            continue
        if host not in foreign:
            foreign[host] = _foreign(host, catalog)
        if not foreign[host]:
            counts[host] += 1
            first_seen.setdefault(host, position)
    if not counts:
        return None
    return max(counts, key=lambda h: (counts[h], -first_seen[h]))


def site_hosts(entries: Iterable[Entry], catalog: Catalog) -> list[str]:
    """The site's hosts: the page documents, else the most-named Origin/Referer host; [] when neither."""
    entries = list(entries)
    documents = document_hosts(entries, catalog)
    if documents:
        return documents
    referrer = referring_host(entries, catalog)
    return [referrer] if referrer else []

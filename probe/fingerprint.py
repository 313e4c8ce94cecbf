"""Finding fingerprints: what a finding is about, hashed, equal across runs of the same site.

The key is the rule, scenario, phase, severity and the finding's subject (the vendor, host, event or
identifier it concerns, read from its message and evidence hosts), never when or in which request it
was seen: times, counts, entry numbers, ids, cache busters and query values are left out.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from probe.findings import Finding, Report

# Suffixes probe adds when an inferred click's window of doubt splits a finding: they quote times.
_UNCERTAIN = re.compile(r" Uncertain: sent between .*$", re.S)
_MORE_CITED = re.compile(r" \(\d+ more cited request\(s\) went out within the window of doubt[^)]*\)")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>),]+", re.I)
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
# name=value pairs (cid=555.666, cookie _ga=GA1.1.123, us_privacy 1YNN): the value is the visitor's
_PAIR = re.compile(r"\b([A-Za-z_][\w.-]*)=([^\s,;&)\]]+)")
# a token mixing letters and digits, 8 or more long: an id, a cache buster, a hash
_MIXED_ID = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{8,}\b")
# a count and its noun: "1 request", "3 requests", "2 event(s)" all read "# request"
_COUNT = re.compile(r"\b\d+(\.\d+)*( of the \d+)?( (\w+?)(\(s\)|s)?\b)?")


def normalize_url(url: str) -> str:
    """Scheme, host and path with id-like parts replaced; query values and fragments dropped."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return "<url>"
    labels = [_id_part(label) for label in host.split(".")] if host else []
    segments = [_id_part(s) for s in parts.path.split("/")]
    names = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    query = ("?" + "&".join(names)) if names else ""
    return f"{parts.scheme.lower()}://{'.'.join(labels)}{'/'.join(segments)}{query}"


def _id_part(part: str) -> str:
    """A host label or path segment, or ``*`` when it looks like an id (digits in a long token)."""
    if part.isdigit() or (len(part) >= 6 and any(c.isdigit() for c in part)):
        return "*"
    return part


def normalize_message(message: str) -> str:
    """A message's stable parts: no times, counts, ids, query values or window-of-doubt notes."""
    text = _MORE_CITED.sub("", _UNCERTAIN.sub("", message))
    text = _URL.sub(lambda m: normalize_url(m.group(0)), text)
    text = _ISO_TIME.sub("<time>", text)
    text = _UUID.sub("<id>", text)
    text = _PAIR.sub(lambda m: f"{m.group(1)}=<v>", text)
    text = _MIXED_ID.sub("<id>", text)
    text = _COUNT.sub(lambda m: "#" + (f" {m.group(4)}" if m.group(4) else ""), text)
    return " ".join(text.split())


def subject(finding: Finding) -> str:
    """What the finding is about: its normalized message and the hosts its evidence points at."""
    hosts = sorted(
        {normalize_url(ref.url).split("/")[2] for ref in finding.evidence if ref.url and "://" in ref.url}
    )
    return normalize_message(finding.message) + (" @ " + " ".join(hosts) if hosts else "")


def fingerprint(finding: Finding, scenario: str) -> str:
    """A stable id for a finding: same rule, scenario, phase, severity and subject, same fingerprint."""
    key = "\x1f".join((finding.rule, scenario, finding.phase or "-", finding.severity, subject(finding)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def with_fingerprints(report: Report) -> Report:
    """Set every finding's fingerprint (in place; a report written before fingerprints gets them too)."""
    for scenario in report.scenarios:
        for finding in scenario.findings:
            finding.fingerprint = fingerprint(finding, scenario.name)
    return report

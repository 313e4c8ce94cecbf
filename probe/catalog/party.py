"""First party: the hosts of the site under test and their registrable domains."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# Multi-label public suffixes common enough to matter; a full Public Suffix List is not shipped
# because suites are local or staging hosts and only these suffixes change the answer in practice.
_MULTI_LABEL_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au",
        "co.nz", "org.nz", "co.jp", "ne.jp", "or.jp", "co.kr", "co.in", "co.za", "co.il",
        "com.br", "com.mx", "com.ar", "com.tr", "com.cn", "com.sg", "com.hk", "com.tw", "com.my",
        "github.io", "gitlab.io", "herokuapp.com", "vercel.app", "netlify.app", "pages.dev",
        "web.app", "firebaseapp.com", "azurewebsites.net", "cloudfront.net", "appspot.com",
    }
)  # fmt: skip


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    """The registrable domain of a host (``shop.example.co.uk`` -> ``example.co.uk``)."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if _is_ip(host) or len(labels) <= 2:
        return host
    keep = 3 if ".".join(labels[-2:]) in _MULTI_LABEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


@dataclass(frozen=True)
class FirstParty:
    """The site's own hosts."""

    hosts: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def from_urls(cls, urls: Iterable[str]) -> FirstParty:
        """First party of a suite's start_url and pages."""
        return cls.from_hosts((urlsplit(u).hostname or "").lower() for u in urls)

    @classmethod
    def from_hosts(cls, hosts: Iterable[str]) -> FirstParty:
        """First party of the given hosts and their registrable domains."""
        found = {h.lower() for h in hosts}
        found.discard("")
        domains = {registrable_domain(h) for h in found if not _is_ip(h)}
        return cls(frozenset(found), frozenset(domains))

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        host = host.lower()
        if host in self.hosts:
            return True
        return any(host == d or host.endswith("." + d) for d in self.domains)

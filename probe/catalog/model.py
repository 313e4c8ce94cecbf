"""The catalog file's schema (validated at load) and the plain objects the matcher uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CatalogCategory = Literal["analytics", "marketing", "functional"]
ConsentStorage = Literal["ad_storage", "analytics_storage"]
# loader: fetches the vendor's code or configuration (a tag, an SDK, a container), no visitor data yet;
# collector: sends data about the visit (a pixel, a beacon, an event endpoint)
RequestKind = Literal["loader", "collector"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatternSpec(_Strict):
    """One host, or a list of hosts, plus optional path/query regexes and what such requests do."""

    host: str | list[str] = Field(min_length=1)
    path: str | None = None
    query: str | None = None
    kind: RequestKind = "collector"

    @property
    def hosts(self) -> list[str]:
        """The host or hosts, as a list."""
        return [self.host] if isinstance(self.host, str) else list(self.host)


class VendorSpec(_Strict):
    """One vendor in the file."""

    name: str
    category: CatalogCategory
    match: list[PatternSpec] = Field(min_length=1)
    segment: list[str] = Field(default_factory=list)
    consent_mode: ConsentStorage | None = None


class InfrastructureSpec(_Strict):
    """A recognised non-vendor (CMP, script CDN)."""

    name: str
    hosts: list[str]


class CatalogFile(_Strict):
    """The whole ``vendors.yaml``."""

    format: Literal["probe-catalog/1"]
    vendors: list[VendorSpec]
    infrastructure: list[InfrastructureSpec] = Field(default_factory=list)
    browser_noise: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Vendor:
    """A downstream vendor and its default consent category."""

    name: str
    category: str  # catalog category: analytics | marketing | functional
    segment_names: tuple[str, ...] = ()
    consent_mode: str | None = None  # Google Consent Mode storage that gates its hits


@dataclass(frozen=True)
class Pattern:
    """A compiled host/path/query pattern pointing at a vendor."""

    host: str
    vendor: Vendor
    path: re.Pattern[str] | None = None
    query: re.Pattern[str] | None = None
    kind: str = "collector"  # loader | collector

    @property
    def specificity(self) -> tuple[int, int]:
        """Sort key: longer hosts first, then patterns with more constraints."""
        return (len(self.host), int(self.path is not None) + int(self.query is not None))

    def matches(self, host: str, path: str, query: str) -> bool:
        """True when the request falls under this pattern."""
        if not host_under(host, self.host):
            return False
        if self.path is not None and not self.path.search(path):
            return False
        return self.query is None or bool(self.query.search(query))


def host_under(host: str, domain: str) -> bool:
    """True when ``host`` is ``domain`` or one of its subdomains."""
    return host == domain or host.endswith("." + domain)

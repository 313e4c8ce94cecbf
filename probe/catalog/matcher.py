"""Load the vendor catalog and match request URLs against it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from probe.catalog.model import CatalogFile, Pattern, Vendor, host_under


class CatalogError(Exception):
    """The catalog file is missing or invalid."""


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class CatalogHit:
    """A request's vendor and what the request does for it (``loader`` or ``collector``)."""

    vendor: Vendor
    kind: str

    @property
    def loader(self) -> bool:
        """True when the request only fetched the vendor's code or configuration."""
        return self.kind == "loader"


@dataclass(frozen=True)
class Catalog:
    """Vendors by URL pattern, plus hosts that are recognised but not judged."""

    patterns: tuple[Pattern, ...]
    vendors: tuple[Vendor, ...]
    infrastructure: tuple[tuple[str, str], ...] = ()  # (host, name)
    browser_noise: tuple[str, ...] = ()
    # patterns by their host, in ``patterns`` order: a lookup walks the request host's parent domains
    # (longest first, as the specificity order has it) instead of every pattern, once per request
    _by_host: dict[str, tuple[Pattern, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _noise: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_host: dict[str, list[Pattern]] = {}
        for pattern in self.patterns:
            by_host.setdefault(pattern.host, []).append(pattern)
        object.__setattr__(self, "_by_host", {h: tuple(ps) for h, ps in by_host.items()})
        object.__setattr__(self, "_noise", frozenset(self.browser_noise))

    def lookup(self, url: str) -> CatalogHit | None:
        """The vendor a request URL belongs to and whether it loads code or collects data; None if unknown."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        if not host:
            return None
        path, query = parts.path or "/", parts.query
        for domain in _domains_of(host):
            for pattern in self._by_host.get(domain, ()):
                if pattern.matches(host, path, query):
                    return CatalogHit(pattern.vendor, pattern.kind)
        return None

    def match(self, url: str) -> Vendor | None:
        """The vendor a request URL belongs to, or None."""
        hit = self.lookup(url)
        return hit.vendor if hit else None

    def is_vendor_host(self, host: str) -> bool:
        """True when any vendor pattern names this host or a domain above it, whatever its path."""
        return any(domain in self._by_host for domain in _domains_of(host.lower()))

    def is_loader(self, url: str) -> bool:
        """True when the URL fetches a vendor's tag, SDK or container rather than sending data."""
        hit = self.lookup(url)
        return hit is not None and hit.loader

    def vendor(self, name: str) -> Vendor | None:
        """A vendor by its catalog name (case-insensitive)."""
        wanted = name.lower()
        return next((v for v in self.vendors if v.name.lower() == wanted), None)

    def for_segment(self, names: Iterable[str]) -> Vendor | None:
        """The vendor a Segment destination name or bundle directory stands for."""
        wanted = [_squash(n) for n in names if n]
        for vendor in self.vendors:
            known = {_squash(a) for a in (*vendor.segment_names, vendor.name)}
            if any(w in known for w in wanted):
                return vendor
        return None

    def infrastructure_name(self, host: str) -> str | None:
        """The name of the CMP / CDN a host belongs to, if it is one."""
        return next((name for domain, name in self.infrastructure if host_under(host, domain)), None)

    def is_browser_noise(self, host: str) -> bool:
        """True for the browser's own background hosts."""
        return any(domain in self._noise for domain in _domains_of(host))


def _domains_of(host: str) -> list[str]:
    """``host`` and every domain above it, longest first: ``a.b.test``, ``b.test``, ``test``."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def _compile(data: CatalogFile) -> Catalog:
    patterns: list[Pattern] = []
    vendors: list[Vendor] = []
    for spec in data.vendors:
        vendor = Vendor(spec.name, spec.category, tuple(spec.segment), spec.consent_mode)
        vendors.append(vendor)
        for p in spec.match:
            for host in p.hosts:
                patterns.append(
                    Pattern(
                        host=host.lower(),
                        vendor=vendor,
                        path=re.compile(p.path) if p.path else None,
                        query=re.compile(p.query) if p.query else None,
                        kind=p.kind,
                    )
                )
    # stable sort: equally specific patterns keep file order
    patterns.sort(key=lambda p: p.specificity, reverse=True)
    infra = tuple((h.lower(), item.name) for item in data.infrastructure for h in item.hosts)
    return Catalog(tuple(patterns), tuple(vendors), infra, tuple(h.lower() for h in data.browser_noise))


def parse_catalog(text: str, source: str = "vendors.yaml") -> Catalog:
    """Validate catalog YAML text and compile it."""
    try:
        raw = yaml.safe_load(text)
        return _compile(CatalogFile.model_validate(raw))
    except (yaml.YAMLError, ValueError, re.error) as exc:
        raise CatalogError(f"{source}: invalid vendor catalog ({exc})") from exc


@cache
def load_catalog(path: str | Path | None = None) -> Catalog:
    """The packaged catalog, or the one at ``path``."""
    if path is None:
        text = resources.files("probe.catalog").joinpath("vendors.yaml").read_text(encoding="utf-8")
        return parse_catalog(text)
    try:
        return parse_catalog(Path(path).read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read vendor catalog ({exc.strerror})") from exc

"""Downstream vendors: URL patterns -> vendor -> default consent category, kept as data (vendors.yaml)."""

from probe.catalog.matcher import Catalog, CatalogError, load_catalog, parse_catalog
from probe.catalog.model import Pattern, Vendor, host_under
from probe.catalog.party import FirstParty, registrable_domain

__all__ = [
    "Catalog",
    "CatalogError",
    "FirstParty",
    "Pattern",
    "Vendor",
    "host_under",
    "load_catalog",
    "parse_catalog",
    "registrable_domain",
]

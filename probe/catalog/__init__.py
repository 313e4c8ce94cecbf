"""Downstream vendors: URL patterns -> vendor -> default consent category, kept as data (vendors.yaml)."""

from probe.catalog.matcher import Catalog, CatalogError, CatalogHit, load_catalog, parse_catalog
from probe.catalog.model import Pattern, Vendor, host_under
from probe.catalog.party import FirstParty, registrable_domain
from probe.catalog.site import is_page_document, site_hosts

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogHit",
    "FirstParty",
    "Pattern",
    "Vendor",
    "host_under",
    "is_page_document",
    "load_catalog",
    "parse_catalog",
    "registrable_domain",
    "site_hosts",
]

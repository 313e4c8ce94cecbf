"""Device-mode bundles (``/next-integrations/...``) mapped back to the destination they load."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.segment.settings import Destination, SegmentSettings

# actions:      /next-integrations/actions/<dir>/<contenthash>.js
# integrations: /next-integrations/integrations/<slug>/<version>/<slug>.dynamic.js.gz
_BUNDLE = re.compile(r"/next-integrations/(?P<family>actions|integrations)/(?P<dir>[^/]+)/")


@dataclass(frozen=True)
class Bundle:
    """What a device-mode bundle URL names."""

    family: str  # "actions" or "integrations"
    directory: str  # as in the URL (may be obfuscated)
    plain: str  # de-obfuscated directory name when it was base64, else the same

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling to try when matching against destinations or the catalog."""
        return tuple(dict.fromkeys((self.directory, self.plain)))


def _deobfuscate(name: str) -> str:
    # analytics-next's obfuscate option: btoa(pathName) with "=" stripped
    try:
        decoded = base64.b64decode(name + "=" * (-len(name) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return name
    return decoded if re.fullmatch(r"[a-z0-9][a-z0-9.\-_]*", decoded) else name


def parse_bundle(url: str) -> Bundle | None:
    """The family and directory of a device-mode bundle URL, or None."""
    match = _BUNDLE.search(urlsplit(url).path)
    if not match:
        return None
    directory = match.group("dir")
    return Bundle(match.group("family"), directory, _deobfuscate(directory))


def _plugin_dir(url: str) -> str | None:
    parsed = parse_bundle(url)
    return parsed.directory if parsed else None


def destination_for_bundle(url: str, settings: SegmentSettings) -> Destination | None:
    """The destination whose bundle ``url`` is, using remotePlugins urls and integration slugs."""
    bundle = parse_bundle(url)
    if bundle is None:
        return None
    path = urlsplit(url).path
    for dest in settings.destinations.values():
        # the loader rewrites the CDN host, so compare paths only
        if dest.bundle_url and urlsplit(dest.bundle_url).path == path:
            return dest
    for dest in settings.destinations.values():
        if bundle.family == "actions" and dest.bundle_url and _plugin_dir(dest.bundle_url) in bundle.names:
            return dest
        if bundle.family == "integrations" and dest.slug in bundle.names:
            return dest
    return None

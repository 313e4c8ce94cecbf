"""Finding a browser and launching it behind the capture proxy."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from probe.capture.auth import login
from probe.netaddr import bracket

BROWSER_ENV = "PROBE_BROWSER_PATH"
SYSTEM_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class BrowserNotFound(RuntimeError):
    """No usable browser; the message says what to install."""


class BrowserUnreachable(BrowserNotFound):
    """The browser server named by --connect could not be reached; the message says where and why."""


@dataclass(frozen=True)
class BrowserChoice:
    """Which executable to launch: None means Playwright's own build."""

    executable: str | None
    source: str  # "override", "playwright", "system", "apt"


def playwright_browser_installed(playwright: Playwright) -> bool:
    """True when Playwright's own Chromium build is on disk."""
    try:
        return Path(playwright.chromium.executable_path).is_file()
    except Exception:  # Playwright raises when its registry knows no build for this platform
        return False


def find_browser(
    playwright: Playwright, override: str | None = None, *, allow_apt: bool = True
) -> BrowserChoice:
    """Resolve the browser: override, Playwright's own, a system Chromium, else apt-get it (as root)."""
    override = override or os.environ.get(BROWSER_ENV)
    if override:
        path = shutil.which(override) or override
        if not Path(path).is_file():
            raise BrowserNotFound(f"browser override {override!r} is not an executable file")
        return BrowserChoice(path, "override")
    if playwright_browser_installed(playwright):
        return BrowserChoice(None, "playwright")
    for name in SYSTEM_CHROMIUMS:
        found = shutil.which(name)
        if found:
            return BrowserChoice(found, "system")
    if allow_apt and os.geteuid() == 0 and shutil.which("apt-get"):
        installed = install_system_chromium()
        if installed:
            return BrowserChoice(installed, "apt")
    raise BrowserNotFound(
        "no browser found: install one with `playwright install chromium` or your system's chromium "
        f"package (Debian: apt-get install -y chromium), or point {BROWSER_ENV} / --browser-path at it"
    )


def install_system_chromium() -> str | None:
    """apt-get install chromium; returns its path, or None when that failed."""
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        if subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode:
            return None
    return shutil.which("chromium")


def launch_args(spki: str | None) -> list[str]:
    """Chromium flags: trust the run's CA by pin, look human to CMPs, stay off the internet."""
    args = [
        # CMPs hide their banner from navigator.webdriver === true.
        "--disable-blink-features=AutomationControlled",
        # Keep the updater from phoning home; Playwright already disables background networking.
        "--component-updater=url-source=http://127.0.0.1:9/",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        # WebRTC's UDP would go around the proxy: only proxied transports, so offline stays offline
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    ]
    if spki:
        args.append(f"--ignore-certificate-errors-spki-list={spki}")
    return args


def launch(
    playwright: Playwright,
    choice: BrowserChoice,
    *,
    proxy_server: str,
    noise_user: str,
    spki: str | None,
    headed: bool = False,
) -> Browser:
    """Launch Chromium; its own background traffic goes through the proxy as ``noise_user``.

    ``proxy_server`` must be a running probe proxy in this process: the user's secret comes from it.
    """
    options: dict[str, Any] = {
        "headless": not headed,
        "args": launch_args(spki),
        "proxy": login(proxy_server, noise_user),
    }
    if choice.executable:
        options["executable_path"] = choice.executable
    return playwright.chromium.launch(**options)


def endpoint_host(endpoint: str) -> str:
    """``HOST:PORT`` of a ws:// endpoint: its path and query may hold the server's token, never shown."""
    try:
        parts = urlsplit(endpoint)
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        return "<unparsable endpoint>"
    if not host:
        return "<unparsable endpoint>"
    return f"{bracket(host)}:{port or (443 if parts.scheme == 'wss' else 80)}"


def connect(playwright: Playwright, endpoint: str) -> Browser:
    """A browser from a Playwright browser server (``playwright launch-server``, a grid)."""
    try:
        return playwright.chromium.connect(endpoint, timeout=30000)
    except PlaywrightError as exc:
        host = endpoint_host(endpoint)
        # Playwright's message may quote the whole endpoint, token and all
        why = (str(exc).strip().splitlines() or ["no reason given"])[0].replace(endpoint, host)
        raise BrowserUnreachable(f"cannot connect to the browser server at {host}: {why}") from exc


# a browser server launched by someone else has navigator.webdriver === true, and CMPs hide their
# banner from it; the launch flag that prevents it is not ours to pass, so each context hides it
HIDE_WEBDRIVER_JS = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false})"


def context_options(
    proxy_server: str,
    context: str,
    *,
    gpc: bool = False,
    http_credentials: tuple[str, str] | None = None,
    credentials_origin: str | None = None,
    remote: bool = False,
) -> dict[str, Any]:
    """new_context() options that route a context through the proxy under its own user and secret.

    A launched browser trusts only the run's CA, pinned by its SPKI hash at launch. A remote one
    (``remote``) could not be given that flag: its contexts accept the certificates the proxy
    presents (``ignore_https_errors``), and the proxy, which every request goes through, is what
    checks the site's real certificate in live mode.
    """
    options: dict[str, Any] = {
        "proxy": login(proxy_server, context),
        "viewport": {"width": 1280, "height": 800},
    }
    if remote:
        options["ignore_https_errors"] = True
    if gpc:
        options["extra_http_headers"] = {"Sec-GPC": "1"}
    if http_credentials is not None:
        # basic auth in front of a staging site; Playwright answers its 401 challenge
        options["http_credentials"] = {"username": http_credentials[0], "password": http_credentials[1]}
        if credentials_origin:
            # only the site asks for them: a third party's 401 challenge must not get the staging login
            options["http_credentials"]["origin"] = credentials_origin
    return options

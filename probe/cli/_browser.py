"""``probe browser``: find (or install) the browser probe will use, and say which."""

from __future__ import annotations

import click

from probe.cli._console import fail
from probe.cli._options import browser_path_option
from probe.report.text import one_line


@click.command()
@browser_path_option
def browser(browser_path: str | None) -> None:
    """Find (or, as root with apt, install) the browser probe will use."""
    from playwright.sync_api import sync_playwright

    from probe.browser import BrowserNotFound, find_browser

    try:
        with sync_playwright() as playwright:
            choice = find_browser(playwright, browser_path)
    except BrowserNotFound as exc:
        fail(str(exc))
    click.echo(one_line(f"browser: {choice.executable or 'Playwright chromium'} ({choice.source})"))

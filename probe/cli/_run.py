"""``probe run`` and ``probe demo``: their options checked and turned into a Runner's, then the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from probe.cli._baseline import baseline_option
from probe.cli._console import fail
from probe.cli._options import run_options
from probe.cli._scenarios import run_suites

DEMO_SUITE = Path(__file__).resolve().parent.parent.parent / "scenarios" / "demo" / "suite.yaml"


def _runner_options(
    headed: bool, browser_path: str | None, connect: str | None, proxy_listen: str | None
) -> dict[str, Any]:
    """The browser half of a Runner's options, checked before any work (exit 2 on a bad value)."""
    from probe.capture import listen_address

    try:
        listen = listen_address(proxy_listen) if proxy_listen is not None else None
    except ValueError as exc:
        fail(f"--proxy-listen: {exc}")
    if connect is not None and not connect.startswith(("ws://", "wss://")):
        fail(f"--connect wants a Playwright browser server's ws:// or wss:// endpoint, not {connect!r}")
    if connect is not None and browser_path is not None:
        fail("--connect and --browser-path cannot be used together (the server chose its browser)")
    return {"headed": headed, "browser_path": browser_path, "connect": connect, "proxy_listen": listen}


@click.command()
@click.argument("suites", nargs=-1, required=True, type=click.Path(path_type=Path))
@run_options
@click.option(
    "--shard",
    metavar="I/N",
    help="Run only shard I of N: a fixed round-robin slice of the (suite, scenario) items by name.",
)
@baseline_option
@click.option("--live", is_flag=True, help="Forward traffic upstream instead of the suite's offline routes.")
@click.option("--sink-segment", is_flag=True, help="Live mode: answer Segment ingestion locally.")
@click.option(
    "--upstream-ca",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Live mode: also trust this CA (PEM) for upstream TLS, besides the system store (repeatable).",
)
@click.option(
    "--upstream-insecure",
    is_flag=True,
    help="Live mode: do not verify upstream TLS certificates (said loudly; recorded in the evidence).",
)
@click.option(
    "--resolve",
    "--upstream-resolve",
    "resolve_to",
    multiple=True,
    metavar="HOST:ADDRESS[:PORT]",
    help="Live mode: connect to ADDRESS for HOST, for the browser and the proxy; the Host header and "
    "TLS name stay HOST (repeatable).",
)
@click.option(
    "--http-credentials",
    metavar="USER:PASSWORD",
    envvar="PROBE_HTTP_CREDENTIALS",
    help="HTTP basic auth in front of the site (staging); masked in the evidence. "
    "Also read from PROBE_HTTP_CREDENTIALS.",
)
def run(
    suites: tuple[Path, ...],
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir: Path | None,
    headed: bool,
    browser_path: str | None,
    redact: bool,
    workers: int | None,
    connect: str | None,
    proxy_listen: str | None,
    shard: str | None,
    live: bool,
    sink_segment: bool,
    upstream_ca: tuple[Path, ...],
    upstream_insecure: bool,
    resolve_to: tuple[str, ...],
    http_credentials: str | None,
) -> None:
    """Run suites' scenarios in a real browser and judge the evidence (SUITES: files or folders)."""
    from probe.capture import Resolve, Upstream, UpstreamError

    try:
        resolve = tuple(Resolve.parse(value) for value in resolve_to)
    except UpstreamError as exc:
        fail(str(exc))
    credentials = None
    if http_credentials is not None:
        user, sep, password = http_credentials.partition(":")
        if not sep or not user:
            fail("--http-credentials wants USER:PASSWORD")  # the value itself is never echoed
        credentials = (user, password)
    options = _runner_options(headed, browser_path, connect, proxy_listen)
    options.update(
        live=live,
        sink_segment=sink_segment,
        upstream=Upstream(ca_files=upstream_ca, insecure=upstream_insecure, resolve=resolve),
        http_credentials=credentials,
    )
    run_suites(suites, scenarios, out, run_dir, redact, options, workers=workers, shard=shard)


@click.command()
@run_options
def demo(
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir: Path | None,
    headed: bool,
    browser_path: str | None,
    redact: bool,
    workers: int | None,
    connect: str | None,
    proxy_listen: str | None,
) -> None:
    """Run the built-in offline demo shop through the four standard scenarios."""
    if not DEMO_SUITE.is_file():
        fail(f"demo suite not found at {DEMO_SUITE} (run from a source checkout)")
    options = _runner_options(headed, browser_path, connect, proxy_listen)
    run_suites((DEMO_SUITE,), scenarios, out, run_dir, redact, options, workers=workers)

"""A Playwright browser server for tests: ``playwright launch-server`` in its own process, on loopback.

It stands for a browser server someone else launched (a grid, a container): none of probe's launch
flags, no certificate pin, ``navigator.webdriver`` true. Only what a server needs to start here is
given: the Chromium probe would use (Playwright's own build is not always installed) and, as root,
``--no-sandbox``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Playwright

from probe.browser import find_browser

# launching Chromium on a loaded 2-core machine can take a while; this is only the give-up point
START_TIMEOUT_S = 90.0


def server_config(executable: str | None, port: int = 0) -> dict[str, object]:
    """launchServer options: headless on 127.0.0.1, the given Chromium, nothing of probe's."""
    config: dict[str, object] = {"headless": True, "host": "127.0.0.1", "port": port}
    if executable is not None:  # None: Playwright's own build, the server's default
        config["executablePath"] = executable
    if os.geteuid() == 0:
        config["args"] = ["--no-sandbox"]  # Chromium refuses to start as root with its sandbox
    return config


@contextlib.contextmanager
def browser_server(playwright: Playwright) -> Iterator[str]:
    """Start a browser server in its own process group; yield its ws:// endpoint; kill it after."""
    executable = find_browser(playwright, allow_apt=False).executable
    with tempfile.TemporaryDirectory(prefix="probe-browser-server-") as tmp:
        folder = Path(tmp)
        config = folder / "config.json"
        config.write_text(json.dumps(server_config(executable)), encoding="utf-8")
        # files, not pipes: nobody has to keep reading them, and a leftover child holds no pipe of ours
        stdout, stderr = folder / "stdout", folder / "stderr"
        with stdout.open("wb") as out, stderr.open("wb") as errors:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "playwright",
                    "launch-server",
                    "--browser",
                    "chromium",
                    "--config",
                    str(config),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=errors,
                start_new_session=True,  # the driver (node) and Chromium share this group: killed together
            )
        try:
            yield _endpoint(process, stdout, stderr)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group (the driver closes Chromium and deletes its profile), then kill leftovers."""
    # the group is the python -m playwright wrapper and the node driver it runs; Chromium has a
    # group of its own and goes when the driver closes it
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)  # the driver outlives the wrapper while it cleans up
        except ProcessLookupError:
            break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


def _endpoint(process: subprocess.Popen[bytes], stdout: Path, stderr: Path) -> str:
    """The ws:// line the server prints once it listens."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in stdout.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("ws://"):
                return line.strip()
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(
        f"browser server did not print its endpoint (exit code {process.poll()}): "
        f"{stderr.read_text(encoding='utf-8', errors='replace')[-2000:]}"
    )

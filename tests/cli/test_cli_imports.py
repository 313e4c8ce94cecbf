"""``import probe.cli`` (every command's start) loads neither the proxy nor the browser driver."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import probe.cli
print(sorted({m.split(".")[0] for m in sys.modules} & {"mitmproxy", "playwright"}))
"""


def test_the_command_line_imports_mitmproxy_and_playwright_only_when_a_command_needs_them() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

"""Shared by the live-mode fault tests: the demo shop behind a local HTTPS staging server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from probe.suite import Suite
from tests.capture.servers import StagingServer
from tests.conftest import DEMO

CREDENTIALS = "probe:staging-pass"  # HTTP basic auth in front of staging


def movable_demo() -> dict[str, Any]:
    """The demo suite's YAML data with its file paths absolute, to be written to a suite file anywhere."""
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for route in (data.get("offline") or {}).get("routes", []):
        for key in ("file", "dir"):
            if key in route:
                route[key] = str((DEMO.parent / route[key]).resolve())
    backend = data.get("backend") or {}
    if backend.get("command"):
        # the command runs from the suite file's folder: an argument naming a demo file must say where
        backend["command"] = [_absolute(arg) for arg in backend["command"]]
    return data


def _absolute(arg: str) -> str:
    """``arg`` as an absolute path when it names a file beside the demo suite, else unchanged."""
    path = DEMO.parent / arg
    return str(path.resolve()) if not Path(arg).is_absolute() and path.exists() else arg


@pytest.fixture(scope="module")
def staging(demo_suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StagingServer]:
    """The demo shop and its CDN over real HTTPS with their own CA; shop.test behind basic auth."""
    assert demo_suite.offline is not None
    server = StagingServer(
        tmp_path_factory.mktemp("staging"),
        demo_suite.offline.routes,
        hosts=["shop.test", "cdn.segment.com"],
        protected="shop.test",
        credentials=CREDENTIALS,
    )
    yield server
    server.close()

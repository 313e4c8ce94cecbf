"""Shared by the live-mode fault tests: the demo shop behind a local HTTPS staging server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from probe.suite import Suite
from tests.capture.servers import StagingServer

CREDENTIALS = "probe:staging-pass"  # HTTP basic auth in front of staging


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

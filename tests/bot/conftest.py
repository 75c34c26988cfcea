"""What every bot test shares: no network beyond loopback, and a local Bot Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support import loopback_only
from tests.support.connector import FakeConnector


@pytest.fixture(autouse=True)
def no_external_network() -> Iterator[None]:
    """Nothing a bot test runs may reach beyond loopback, nor even try to."""
    with loopback_only() as refused:
        yield
    assert refused == [], f"a test tried to reach {refused}"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """A local Bot Connector that records every reply the bot sends."""
    async with FakeConnector() as fake:
        yield fake

"""Fixtures for the Graph tests: the fake identity and Graph servers, and a client on them.

Every test here runs inside `loopback_only()`: anything that tries to leave 127.0.0.1 fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import requests

from casestore.graph.client import GraphClient
from casestore.graph.token import GraphCredentials, MsalTokenSource
from tests.graph.fakes import CLIENT_ID, CLIENT_SECRET, TENANT, FakeGraph, FakeIdentity
from tests.support import loopback_only


@pytest.fixture(autouse=True)
def _loopback() -> Iterator[None]:
    with loopback_only() as refused:
        yield
    assert refused == [], f"a Graph test tried to leave this machine: {refused}"


@pytest.fixture
async def identity(tmp_path: Path) -> AsyncIterator[FakeIdentity]:
    server = await FakeIdentity(tmp_path).start()
    yield server
    await server.stop()


@pytest.fixture
async def fake_graph(identity: FakeIdentity) -> AsyncIterator[FakeGraph]:
    server = await FakeGraph(identity).start()
    yield server
    await server.stop()


@pytest.fixture
def credentials(identity: FakeIdentity, fake_graph: FakeGraph) -> GraphCredentials:
    return GraphCredentials(tenant_id=TENANT, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                            authority_host=identity.authority_host, base_url=fake_graph.base_url)


@pytest.fixture
def http_session(identity: FakeIdentity) -> Iterator[requests.Session]:
    """What msal talks through: trusts the fake's CA, ignores any proxy in the environment."""
    session = requests.Session()
    session.verify = str(identity.ca_file)
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
async def graph(credentials: GraphCredentials, http_session: requests.Session,
                waits: list[float]) -> AsyncIterator[GraphClient]:
    async def sleep(seconds: float) -> None:  # the clock is not real: record, do not wait
        waits.append(seconds)

    client = GraphClient(MsalTokenSource(credentials, http_client=http_session),
                         base_url=credentials.base_url, max_retries=3, max_wait_s=30.0,
                         sleep=sleep, trust_env=False)
    yield client
    await client.close()

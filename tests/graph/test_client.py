"""The Graph client and its token source against the local fakes."""

from __future__ import annotations

import dataclasses

import pytest
import requests

from casestore.graph.client import GraphClient, GraphError, graph_path, retry_after_s
from casestore.graph.token import GraphAuthError, GraphCredentials, MsalTokenSource
from tests.graph.fakes import FakeGraph, FakeIdentity, graph_user

GROUP = "0d4b9a36-2c1e-4f5a-8b7c-1e2f3a4b5c6d"


def _people(n: int) -> list[dict[str, object]]:
    return [graph_user(f"00000000-0000-4000-8000-{i:012d}", f"Person {i}", f"p{i}@council.test")
            for i in range(n)]


async def _all(graph: GraphClient, path: str) -> list[dict[str, object]]:
    return [item async for item in graph.items(path, {"$top": "999"})]


async def test_nothing_is_fetched_until_a_token_is_needed(
    credentials: GraphCredentials, http_session: requests.Session, identity: FakeIdentity,
) -> None:
    MsalTokenSource(credentials, http_client=http_session)
    GraphClient(MsalTokenSource(credentials), base_url=credentials.base_url)
    assert (identity.discovery_requests, identity.token_requests) == (0, 0)


async def test_the_token_is_cached_between_requests(
    graph: GraphClient, fake_graph: FakeGraph, identity: FakeIdentity,
) -> None:
    fake_graph.groups[GROUP] = _people(1)
    for _ in range(3):
        assert len(await _all(graph, graph_path("groups", GROUP, "transitiveMembers"))) == 1
    assert identity.token_requests == 1
    assert identity.discovery_requests == 1


async def test_every_page_is_followed_one_request_per_page(
    graph: GraphClient, fake_graph: FakeGraph,
) -> None:
    fake_graph.groups[GROUP] = _people(5)  # pages of 2: 2 + 2 + 1
    items = await _all(graph, graph_path("groups", GROUP, "transitiveMembers"))
    assert [i["displayName"] for i in items] == [f"Person {i}" for i in range(5)]
    assert fake_graph.requests[f"/v1.0/groups/{GROUP}/transitiveMembers"] == 3


async def test_throttling_waits_as_long_as_graph_asks_then_succeeds(
    graph: GraphClient, fake_graph: FakeGraph, waits: list[float],
) -> None:
    fake_graph.groups[GROUP] = _people(1)
    fake_graph.throttle += [("transitiveMembers", 429, "7"), ("transitiveMembers", 503, None)]
    assert len(await _all(graph, graph_path("groups", GROUP, "transitiveMembers"))) == 1
    assert waits == [7.0, 2.0]  # Retry-After, then the back-off of the second try


async def test_throttling_gives_up_after_the_bound_and_never_waits_too_long(
    graph: GraphClient, fake_graph: FakeGraph, waits: list[float],
) -> None:
    fake_graph.groups[GROUP] = _people(1)
    fake_graph.throttle += [("transitiveMembers", 429, "3600")] * 10
    with pytest.raises(GraphError) as raised:
        await _all(graph, graph_path("groups", GROUP, "transitiveMembers"))
    assert raised.value.status == 429
    assert waits == [30.0, 30.0, 30.0]  # max_retries=3, each wait capped at max_wait_s
    assert fake_graph.requests[f"/v1.0/groups/{GROUP}/transitiveMembers"] == 4


async def test_an_error_names_the_status_and_graph_code(graph: GraphClient) -> None:
    with pytest.raises(GraphError) as raised:
        await graph.get(graph_path("groups", GROUP, "transitiveMembers"))
    assert raised.value.status == 404 and raised.value.code == "Request_ResourceNotFound"


async def test_a_next_link_to_another_host_is_refused(graph: GraphClient) -> None:
    with pytest.raises(GraphError) as raised:
        await graph.get("https://elsewhere.example/v1.0/groups")
    assert raised.value.code == "foreign_link"


async def test_a_wrong_secret_is_a_clear_auth_error_without_the_secret(
    credentials: GraphCredentials, http_session: requests.Session,
) -> None:
    wrong = dataclasses.replace(credentials, client_secret="wrong-secret-value")
    tokens = MsalTokenSource(wrong, http_client=http_session)
    with pytest.raises(GraphAuthError) as raised:
        await tokens.token()
    assert raised.value.error == "invalid_client"
    assert "wrong-secret-value" not in str(raised.value)
    assert "wrong-secret-value" not in repr(wrong)


def test_retry_after_is_seconds_or_a_date_else_exponential() -> None:
    assert retry_after_s("12", 0) == 12.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", 0) == 0.0  # in the past
    assert [retry_after_s(None, n) for n in range(3)] == [1.0, 2.0, 4.0]


def test_graph_paths_keep_channel_ids_readable() -> None:
    assert graph_path("teams", "t1", "channels", "19:ab@thread.tacv2", "messages", "17") == \
        "/teams/t1/channels/19:ab@thread.tacv2/messages/17"

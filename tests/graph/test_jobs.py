"""The Graph jobs as the app runs them: off without credentials, on a schedule with them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casestore.casework import Casework
from casestore.directory import Directory
from casestore.graph.client import GraphClient
from casestore.graph.groups import parse_entra_groups
from memberportal.settings import Settings
from scheduler.graph_jobs import GraphJobs, build_graph_scheduler, graph_jobs_ctx
from tests.graph.fakes import CLIENT_ID, CLIENT_SECRET, TENANT, FakeGraph, FakeIdentity, graph_user

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MEMBERS, ROADS, SUPPORT = (f"{n}0000000-0000-4000-8000-00000000000{n}" for n in (1, 3, 4))


async def test_without_graph_the_app_keeps_the_council_config_directory(
    casework: Casework,
) -> None:
    published: list[Directory] = []
    ctx = graph_jobs_ctx(Settings(), casework, lambda: NOW, published.append)(None)
    await ctx.__anext__()
    with pytest.raises(StopAsyncIteration):
        await ctx.__anext__()
    assert published == []


async def test_without_a_group_file_only_reconciliation_is_scheduled(
    casework: Casework, graph: GraphClient,
) -> None:
    jobs = GraphJobs(casework, graph, groups=None, clock=lambda: NOW)
    scheduler = build_graph_scheduler(jobs, sync_interval_s=3600, reconcile_interval_s=600)
    assert [j.id for j in scheduler.get_jobs()] == ["graph-reply-reconciliation"]
    assert await jobs.sync_directory() is None


async def test_with_graph_the_app_syncs_and_reconciles_at_start_then_stops_cleanly(
    casework: Casework, tmp_path: Path, identity: FakeIdentity, fake_graph: FakeGraph,
    directory: Directory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def user(person_id: str) -> dict[str, object]:
        p = directory.get(person_id)
        return graph_user(p.aad_object_id, p.name, p.email)

    fake_graph.groups = {MEMBERS: [user("sarah-okafor")], ROADS: [user("gareth-prescott")],
                         SUPPORT: [user("kathryn-pinnington")]}
    groups = tmp_path / "entra.toml"
    groups.write_text(f'members = "{MEMBERS}"\n[services]\nroads = "{ROADS}"\n'
                      f'[roles]\nmember_support = "{SUPPORT}"\n')
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(identity.ca_file))
    settings = Settings.from_environ({
        "GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT_ID,
        "GRAPH_CLIENT_SECRET": CLIENT_SECRET, "GRAPH_AUTHORITY_HOST": identity.authority_host,
        "GRAPH_BASE_URL": fake_graph.base_url, "ENTRA_GROUPS": str(groups)})
    published: list[Directory] = []
    ctx = graph_jobs_ctx(settings, casework, lambda: NOW, published.append)(None)
    await ctx.__anext__()
    assert len(published) == 1  # the stored directory (empty: the council config's) at once
    for _ in range(200):  # the first sync runs as soon as the scheduler starts
        if len(published) == 2:
            break
        await asyncio.sleep(0.02)
    with pytest.raises(StopAsyncIteration):
        await ctx.__anext__()
    assert len(published) == 2 and len(published[1]) == 3
    assert casework.directory is published[1]
    assert identity.token_requests == 1


async def test_an_instance_that_does_not_sync_picks_up_another_instances_sync(
    casework: Casework, graph: GraphClient, fake_graph: FakeGraph, directory: Directory,
) -> None:
    fake_graph.groups = {MEMBERS: [graph_user(directory.get("sarah-okafor").aad_object_id,
                                              "Sarah Okafor", "s@council.test")],
                         ROADS: [graph_user(directory.get("gareth-prescott").aad_object_id,
                                            "Gareth Prescott", "g@council.test")]}
    groups = parse_entra_groups({"members": MEMBERS, "services": {"roads": ROADS}},
                                casework.config, source="entra.toml")
    other = Casework(casework.store, casework.config, directory)
    seen: list[Directory] = []
    syncing = GraphJobs(casework, graph, groups=groups, clock=lambda: NOW)
    listening = GraphJobs(other, graph, groups=groups, clock=lambda: NOW, publish=seen.append)
    assert await listening.refresh_directory() is not None  # at start: the council config's
    await syncing.sync_directory()
    refreshed = await listening.refresh_directory()
    assert refreshed is not None and len(refreshed) == 2 and other.directory is refreshed
    assert await listening.refresh_directory() is None  # nothing changed since
    assert len(seen) == 2
    scheduler = build_graph_scheduler(listening, sync_interval_s=3600, reconcile_interval_s=600,
                                      run_graph_jobs=False)
    assert [j.id for j in scheduler.get_jobs()] == ["directory-reload"]

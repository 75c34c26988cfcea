"""`memberportal sync-directory` and `reconcile` end to end, with msal's own HTTP client.

The commands run in a worker thread (they start their own event loop) while the fakes answer on
this test's loop; msal trusts the fake's certificate through REQUESTS_CA_BUNDLE, as a council
behind a TLS-inspecting proxy would configure it.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import pytest

from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.db import migrate
from casestore.db.store import Store
from casestore.directory import Directory
from memberportal.commands import cmd_reconcile, cmd_sync_directory
from memberportal.settings import Settings
from tests.graph.fakes import CLIENT_ID, CLIENT_SECRET, TENANT, FakeGraph, FakeIdentity, graph_user
from tests.graph.test_reconcile import MONDAY, message, open_case_with_thread

MEMBERS, ROADS, SUPPORT = (f"{n}0000000-0000-4000-8000-00000000000{n}" for n in (1, 3, 4))
NO_ARGS = argparse.Namespace()


@pytest.fixture
def settings(tmp_path: Path, identity: FakeIdentity, fake_graph: FakeGraph,
             monkeypatch: pytest.MonkeyPatch) -> Settings:
    groups = tmp_path / "entra.toml"
    groups.write_text(f'members = "{MEMBERS}"\n[services]\nroads = "{ROADS}"\n'
                      f'[roles]\nmember_support = "{SUPPORT}"\n')
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(identity.ca_file))
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    return Settings.from_environ({
        "GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT_ID,
        "GRAPH_CLIENT_SECRET": CLIENT_SECRET, "GRAPH_AUTHORITY_HOST": identity.authority_host,
        "GRAPH_BASE_URL": fake_graph.base_url, "ENTRA_GROUPS": str(groups),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}",
    })


@pytest.fixture
def tenant(fake_graph: FakeGraph, directory: Directory) -> FakeGraph:
    def user(person_id: str) -> dict[str, Any]:
        p = directory.get(person_id)
        return graph_user(p.aad_object_id, p.name, p.email)

    fake_graph.groups = {MEMBERS: [user("sarah-okafor")],
                         ROADS: [user("gareth-prescott")],
                         SUPPORT: [user("kathryn-pinnington")]}
    return fake_graph


async def test_sync_directory_fills_the_store(
    settings: Settings, tenant: FakeGraph, identity: FakeIdentity, capsys: Any,
) -> None:
    assert await asyncio.to_thread(cmd_sync_directory, NO_ARGS, settings) == 0
    assert "1 councillor(s) and 2 officer(s) from 3 group(s): 3 added" in capsys.readouterr().out
    assert identity.token_requests == 1


async def test_reconcile_records_the_missed_reply_with_the_synced_directory(
    settings: Settings, tenant: FakeGraph, config: CouncilConfig, directory: Directory,
    capsys: Any,
) -> None:
    assert await asyncio.to_thread(cmd_sync_directory, NO_ARGS, settings) == 0
    store = Store.from_url(settings.database_url)
    try:
        await migrate.upgrade(store.engine)
        casework = Casework(store, config, directory)
        thread = await open_case_with_thread(casework, tenant)
        thread.replies.append(message("1763892000200", MONDAY.replace(hour=11),
                                      author=directory.get("gareth-prescott").aad_object_id,
                                      html="<p>Booked for Thursday.</p>"))
        assert await asyncio.to_thread(cmd_reconcile, NO_ARGS, settings) == 0
        assert await asyncio.to_thread(cmd_reconcile, NO_ARGS, settings) == 0
        out = capsys.readouterr().out
        assert f"{thread.reference}  reply  message 1763892000200" in out
        assert out.count("message 1763892000200") == 1
    finally:
        await store.dispose()


async def test_without_credentials_the_commands_say_what_to_set(capsys: Any) -> None:
    assert cmd_reconcile(NO_ARGS, Settings()) == 2
    assert "GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET" in capsys.readouterr().err
    no_groups = Settings(graph_tenant_id=TENANT, graph_client_id=CLIENT_ID,
                         graph_client_secret=CLIENT_SECRET)
    assert cmd_sync_directory(NO_ARGS, no_groups) == 2
    assert "ENTRA_GROUPS is not set" in capsys.readouterr().err

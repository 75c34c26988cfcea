"""The Entra ID directory sync against the fake Graph, into the store on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casestore.casework import Casework
from casestore.config import ConfigError, CouncilConfig, OfficerRole
from casestore.db.store import Store
from casestore.directory import Directory
from casestore.graph.client import GraphClient
from casestore.graph.groups import EntraGroups, parse_entra_groups
from casestore.graph.sync import DirectoryIncomplete, load_directory, sync_directory
from casestore.model import ActorKind
from scheduler.graph_jobs import GraphJobs
from tests.graph.fakes import FakeGraph, FakeIdentity, graph_user

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MEMBERS, ASHCROFT, ROADS, SUPPORT, OWNERS = (
    f"{n}0000000-0000-4000-8000-00000000000{n}" for n in range(1, 6))
NEW_COUNCILLOR = "aaaaaaaa-0000-4000-8000-000000000001"
NO_WARD = "aaaaaaaa-0000-4000-8000-000000000002"
NEW_OFFICER = "aaaaaaaa-0000-4000-8000-000000000003"
DISABLED = "aaaaaaaa-0000-4000-8000-000000000004"


def aad(directory: Directory, person_id: str) -> str:
    return directory.get(person_id).aad_object_id


@pytest.fixture
def groups(config: CouncilConfig) -> EntraGroups:
    return parse_entra_groups({
        "members": MEMBERS, "wards": {"ashcroft": ASHCROFT}, "services": {"roads": ROADS},
        "roles": {"member_support": SUPPORT, "escalation_owner": OWNERS},
    }, config, source="entra.toml")


@pytest.fixture
def tenant(fake_graph: FakeGraph, directory: Directory) -> FakeGraph:
    """The council's Entra ID: some people from the TOML file, some new ones."""
    def user(person_id: str) -> dict[str, Any]:
        p = directory.get(person_id)
        return graph_user(p.aad_object_id.upper(), p.name, p.email, jobTitle="Officer")

    fake_graph.groups = {
        MEMBERS: [user("sarah-okafor"), user("peter-halloran"),
                  graph_user(NO_WARD, "Cllr No Ward", "no.ward@council.test")],
        ASHCROFT: [graph_user(NEW_COUNCILLOR, "Priya Shah", "priya.shah@council.test")],
        ROADS: [user("gareth-prescott"), user("leanne-moorcroft"),
                graph_user(NEW_OFFICER, "Tom Byrne", "tom.byrne@council.test",
                           jobTitle="Highways inspector"),
                graph_user(DISABLED, "Gone Away", "gone@council.test", accountEnabled=False),
                {"@odata.type": "#microsoft.graph.group", "id": SUPPORT}],
        SUPPORT: [user("kathryn-pinnington")],
        OWNERS: [user("philip-stanier")],
    }
    return fake_graph


async def test_people_roles_and_wards_come_from_the_groups(
    graph: GraphClient, store: Store, config: CouncilConfig, groups: EntraGroups,
    tenant: FakeGraph,
) -> None:
    report, directory = await sync_directory(graph, store, config, groups, now=NOW)
    assert (report.members, report.officers, report.added) == (3, 5, 8)
    sarah = directory.get("sarah-okafor")  # known to the council config: keeps its id and party
    assert (sarah.kind, sarah.ward_id, sarah.party) == (ActorKind.MEMBER, "ashcroft",
                                                        config.members[0].party)
    priya = directory.by_aad_object_id(NEW_COUNCILLOR)
    assert priya is not None and (priya.id, priya.ward_id) == (NEW_COUNCILLOR, "ashcroft")
    assert priya.teams_user_id == f"8:orgid:{NEW_COUNCILLOR}"
    gareth = directory.get("gareth-prescott")
    assert (gareth.services, gareth.roles) == (("roads",), (OfficerRole.COORDINATOR,))
    tom = directory.get(NEW_OFFICER)
    assert (tom.kind, tom.job_title, tom.services) == (ActorKind.OFFICER, "Highways inspector",
                                                       ("roads",))
    assert directory.get("kathryn-pinnington").roles == (OfficerRole.MEMBER_SUPPORT,)
    assert directory.escalation_owner("roads") == "philip-stanier"
    assert directory.members_for_secretary("hayley-naughton") == {"sarah-okafor"}
    for absent in (NO_WARD, DISABLED):
        assert directory.by_aad_object_id(absent) is None
    assert directory.find("david-ashworth") is None  # in the TOML file, not in any group
    assert {p.id for p in await load_directory(store, config)} == {p.id for p in directory}


async def test_a_second_sync_reuses_the_token_and_changes_nothing(
    graph: GraphClient, store: Store, config: CouncilConfig, groups: EntraGroups,
    tenant: FakeGraph, identity: FakeIdentity,
) -> None:
    await sync_directory(graph, store, config, groups, now=NOW)
    async with store.transaction() as uow:
        first = await uow.people.all()
    report, _ = await sync_directory(graph, store, config, groups, now=NOW + timedelta(hours=1))
    async with store.transaction() as uow:
        assert await uow.people.all() == first
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert identity.token_requests == 1


async def test_someone_removed_from_a_group_disappears_on_the_next_sync(
    graph: GraphClient, store: Store, config: CouncilConfig, groups: EntraGroups,
    tenant: FakeGraph, directory: Directory,
) -> None:
    _, before = await sync_directory(graph, store, config, groups, now=NOW)
    assert before.find("leanne-moorcroft") is not None
    leanne = aad(directory, "leanne-moorcroft").upper()
    tenant.groups[ROADS] = [u for u in tenant.groups[ROADS] if u["id"] != leanne]
    report, after = await sync_directory(graph, store, config, groups, now=NOW)
    assert report.removed == 1
    assert after.find("leanne-moorcroft") is None
    assert after.by_aad_object_id(leanne) is None
    assert "leanne-moorcroft" not in {p.id for p in await load_directory(store, config)}


async def test_groups_with_no_councillors_leave_the_last_directory_in_place(
    graph: GraphClient, store: Store, config: CouncilConfig, groups: EntraGroups,
    tenant: FakeGraph,
) -> None:
    await sync_directory(graph, store, config, groups, now=NOW)
    tenant.groups[MEMBERS] = []
    tenant.groups[ASHCROFT] = []
    with pytest.raises(DirectoryIncomplete):
        await sync_directory(graph, store, config, groups, now=NOW)
    assert (await load_directory(store, config)).find("sarah-okafor") is not None


async def test_before_any_sync_the_council_config_is_the_directory(
    store: Store, config: CouncilConfig,
) -> None:
    assert len(await load_directory(store, config)) == len(Directory.from_config(config))


async def test_the_job_publishes_the_new_directory_to_the_use_cases(
    graph: GraphClient, casework: Casework, groups: EntraGroups, tenant: FakeGraph,
) -> None:
    published: list[Directory] = []
    jobs = GraphJobs(casework, graph, groups=groups, clock=lambda: NOW,
                     publish=published.append)
    report = await jobs.sync_directory()
    assert report is not None and report.added == 8
    assert published == [casework.directory]
    assert casework.directory.find(NEW_OFFICER) is not None


def test_the_group_file_names_every_mistake(config: CouncilConfig) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_entra_groups({"wards": {"atlantis": "not-a-guid"}, "services": {"moon": MEMBERS},
                            "roles": {"wizard": MEMBERS}}, config, source="entra.toml")
    text = str(raised.value)
    assert "entra.toml: wards.atlantis" in text and "roles.wizard" in text
    with pytest.raises(ConfigError) as raised:
        parse_entra_groups({"services": {"moon": MEMBERS}}, config, source="entra.toml")
    text = str(raised.value)
    assert "services.moon: no service area" in text and "members: give the councillors" in text

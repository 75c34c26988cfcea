"""The directory sync: Entra ID groups, through Graph, into the store's `directory_people`.

Every configured group is read in full first (users only, nested groups flattened); only then is
the table replaced, in one transaction, so a failure half-way leaves the last good directory in
place. A result with no councillors or no officers is refused rather than locking everyone out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.graph.client import GraphClient, graph_path
from casestore.graph.directory import GraphUser, Snapshot, directory_from, snapshot_from_groups
from casestore.graph.groups import EntraGroups
from casestore.ports import Store
from casestore.records import SyncedPerson

log = logging.getLogger(__name__)

USER_FIELDS = "id,displayName,mail,userPrincipalName,jobTitle,accountEnabled"
MEMBERS_PER_PAGE = "999"  # Graph's maximum for group members
GRAPH_USER = "#microsoft.graph.user"


class DirectoryIncomplete(Exception):
    """The groups gave no councillors or no officers: the previous directory is kept."""

    def __init__(self, members: int, officers: int) -> None:
        self.members = members
        self.officers = officers
        super().__init__(f"the Entra ID groups gave {members} councillor(s) and {officers} "
                         "officer(s); keeping the previous directory")


@dataclass(frozen=True)
class SyncReport:
    groups: int
    members: int
    officers: int
    added: int
    updated: int
    removed: int

    def line(self) -> str:
        return (f"{self.members} councillor(s) and {self.officers} officer(s) from "
                f"{self.groups} group(s): {self.added} added, {self.updated} updated, "
                f"{self.removed} removed")


async def group_users(graph: GraphClient, group_id: str) -> list[GraphUser]:
    """The enabled user accounts in a group, including those of nested groups."""
    users = []
    async for item in graph.items(graph_path("groups", group_id, "transitiveMembers"),
                                  {"$select": USER_FIELDS, "$top": MEMBERS_PER_PAGE}):
        if item.get("@odata.type") == GRAPH_USER and item.get("accountEnabled") is not False \
                and item.get("id"):
            users.append(GraphUser.from_graph(item))
    return users


async def sync_directory(
    graph: GraphClient, store: Store, config: CouncilConfig, groups: EntraGroups, *,
    now: datetime,
) -> tuple[SyncReport, Directory]:
    """Read the groups, replace the synced directory, and return the new `Directory`."""
    members_of = {gid: await group_users(graph, gid) for gid in groups.group_ids()}
    async with store.transaction() as uow:
        people = uow.people
        snapshot = snapshot_from_groups(groups, members_of, config, await people.known_ids())
        _refuse_if_incomplete(snapshot)
        replaced = await people.replace_all(snapshot.people, now)
    for object_id, what in snapshot.notes:
        log.info("directory sync: %s: %s", object_id, what)
    report = SyncReport(groups=len(members_of), members=snapshot.members,
                        officers=snapshot.officers, added=replaced.added,
                        updated=replaced.updated, removed=replaced.removed)
    log.info("directory sync: %s", report.line())
    return report, directory_from(config, snapshot.people)


def _refuse_if_incomplete(snapshot: Snapshot) -> None:
    if not snapshot.members or not snapshot.officers:
        raise DirectoryIncomplete(snapshot.members, snapshot.officers)


async def load_synced(store: Store) -> list[SyncedPerson]:
    async with store.transaction() as uow:
        return await uow.people.all()


async def load_directory(store: Store, config: CouncilConfig) -> Directory:
    """The directory as last synced (the council config's own until the first sync)."""
    return directory_from(config, await load_synced(store))

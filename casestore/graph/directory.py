"""From Entra ID group memberships to the people of the directory (pure: no I/O).

Rules, in order:
* A councillor is in the members' group or in a ward group; their ward is the ward group's
  (else the council config's for that person); a councillor with no ward is left out.
* An officer is in a service group (a coordinator of that service) or a role group.
* Someone who is both is a councillor (the council config forbids both too), and is logged.
* A person's id is the one stored at their first sync, else the council config's id for the
  same Entra object id, else the object id itself: ids never change once cases refer to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from casestore.config import CouncilConfig, OfficerRole
from casestore.directory import Directory, Person
from casestore.graph.groups import EntraGroups
from casestore.model import ActorKind
from casestore.records import SyncedPerson


@dataclass(frozen=True)
class GraphUser:
    """The fields of a Graph `user` the directory uses."""

    id: str  # the Entra object id (aadObjectId in Teams activities)
    display_name: str
    email: str
    job_title: str = ""

    @classmethod
    def from_graph(cls, item: Mapping[str, object]) -> GraphUser:
        email = item.get("mail") or item.get("userPrincipalName") or ""
        return cls(id=str(item["id"]).lower(), display_name=str(item.get("displayName") or ""),
                   email=str(email), job_title=str(item.get("jobTitle") or ""))


@dataclass(frozen=True)
class Snapshot:
    people: list[SyncedPerson]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (object id, what happened)

    @property
    def members(self) -> int:
        return sum(p.kind is ActorKind.MEMBER for p in self.people)

    @property
    def officers(self) -> int:
        return sum(p.kind is ActorKind.OFFICER for p in self.people)


def _in(members: Mapping[str, list[GraphUser]], group_id: str | None) -> dict[str, GraphUser]:
    return {u.id: u for u in members.get(group_id.lower(), [])} if group_id else {}


def _councillors(groups: EntraGroups, members_of: Mapping[str, list[GraphUser]]
                 ) -> tuple[dict[str, GraphUser], dict[str, str]]:
    users: dict[str, GraphUser] = {}
    ward_of: dict[str, str] = {}
    for ward_id, group_id in groups.wards.items():
        for uid, user in _in(members_of, group_id).items():
            users[uid] = user
            ward_of.setdefault(uid, ward_id)
    users.update(_in(members_of, groups.members))
    return users, ward_of


@dataclass
class _Officers:
    users: dict[str, GraphUser] = field(default_factory=dict)
    services: dict[str, list[str]] = field(default_factory=dict)
    roles: dict[str, set[OfficerRole]] = field(default_factory=dict)

    def add(self, user: GraphUser, role: OfficerRole, service_id: str | None = None) -> None:
        self.users[user.id] = user
        self.roles.setdefault(user.id, set()).add(role)
        if service_id:
            self.services.setdefault(user.id, []).append(service_id)


def _officers(groups: EntraGroups, members_of: Mapping[str, list[GraphUser]]) -> _Officers:
    found = _Officers()
    for service_id, group_id in groups.services.items():
        for user in _in(members_of, group_id).values():
            found.add(user, OfficerRole.COORDINATOR, service_id)
    for role, group_id in groups.roles.items():
        for user in _in(members_of, group_id).values():
            found.add(user, role)
    return found


def snapshot_from_groups(
    groups: EntraGroups, members_of: Mapping[str, list[GraphUser]], config: CouncilConfig,
    known_ids: Mapping[str, str],
) -> Snapshot:
    """`members_of` maps a group id (lower case) to its users; `known_ids` maps an object id
    to the person id stored earlier."""
    configured = {p.aad_object_id.lower(): p for p in Directory.from_config(config)}
    councillors, ward_of = _councillors(groups, members_of)
    officers = _officers(groups, members_of)

    def person_id(uid: str) -> str:
        known = known_ids.get(uid) or (configured[uid].id if uid in configured else None)
        return known or uid

    people: list[SyncedPerson] = []
    notes: list[tuple[str, str]] = []
    for uid, user in sorted(councillors.items()):
        ward = ward_of.get(uid) or (configured[uid].ward_id if uid in configured else None)
        if uid in officers.users:
            notes.append((uid, "in a councillors' group and an officers' group: a councillor"))
        if not ward:
            notes.append((uid, "left out: a councillor in no ward group or council config"))
            continue
        people.append(SyncedPerson(uid, person_id(uid), ActorKind.MEMBER, _name(user), user.email,
                                   user.job_title, ward_id=ward))
    role_order = list(OfficerRole)
    for uid, user in sorted(officers.users.items()):
        if uid in councillors:
            continue
        people.append(SyncedPerson(
            uid, person_id(uid), ActorKind.OFFICER, _name(user), user.email, user.job_title,
            services=tuple(sorted(officers.services.get(uid, []))),
            roles=tuple(sorted(officers.roles[uid], key=role_order.index)),
        ))
    return Snapshot(people, notes)


def _name(user: GraphUser) -> str:
    return (user.display_name or user.email or user.id)[:200]


def teams_user_id_for(aad_object_id: str) -> str:
    """Teams accepts a user's Entra object id in this form where it wants a Teams user id."""
    return f"8:orgid:{aad_object_id}"


def directory_from(config: CouncilConfig, synced: Iterable[SyncedPerson]) -> Directory:
    """The synced people, with what only the council config knows (party, cabinet role, Teams
    user id, leave dates) for those it lists, and its delegations and escalation owners.

    With nothing synced yet this is the council config's own directory."""
    synced = list(synced)
    if not synced:
        return Directory.from_config(config)
    configured = {p.aad_object_id.lower(): p for p in Directory.from_config(config)}
    people = []
    for s in synced:
        known = configured.get(s.aad_object_id)
        people.append(Person(
            id=s.person_id, kind=s.kind, name=s.name, email=s.email,
            aad_object_id=s.aad_object_id,
            teams_user_id=known.teams_user_id if known else teams_user_id_for(s.aad_object_id),
            ward_id=s.ward_id, party=known.party if known else "",
            cabinet_role=known.cabinet_role if known else None,
            left_office_on=known.left_office_on if known else None,
            job_title=s.job_title or (known.job_title if known else ""),
            services=s.services, roles=s.roles,
        ))
    return Directory.from_people(people, config)

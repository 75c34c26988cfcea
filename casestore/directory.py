"""Everyone the bot knows: members, officers, their roles, Teams identities and delegations.

Built once from the council configuration (or, later, from Entra ID) and shared read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from casestore.config import CabinetSecretary, CouncilConfig, LeaveDelegation, OfficerRole
from casestore.errors import UnknownPerson
from casestore.model import Actor, ActorKind


@dataclass(frozen=True)
class Person:
    id: str
    kind: ActorKind
    name: str
    email: str
    aad_object_id: str
    teams_user_id: str
    ward_id: str | None = None
    party: str = ""
    cabinet_role: str | None = None
    left_office_on: date | None = None
    job_title: str = ""
    services: tuple[str, ...] = ()
    roles: tuple[OfficerRole, ...] = ()

    @property
    def display_name(self) -> str:
        return f"Cllr {self.name}" if self.kind is ActorKind.MEMBER else self.name

    @property
    def role_label(self) -> str:
        if self.kind is ActorKind.MEMBER:
            return self.cabinet_role or "Member"
        return ", ".join(r.value.replace("_", " ") for r in self.roles)

    def has_role(self, role: OfficerRole) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Leave:
    officer_id: str
    delegate_id: str
    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Directory:
    def __init__(
        self,
        people: Iterable[Person],
        *,
        secretaries: dict[str, frozenset[str]] | None = None,
        leave: Iterable[Leave] = (),
        escalation_owners: dict[str, str] | None = None,
    ) -> None:
        self._people = {p.id: p for p in people}
        self._by_aad = {p.aad_object_id.lower(): p for p in self._people.values()}
        self._by_teams = {p.teams_user_id: p for p in self._people.values()}
        self._secretaries = secretaries or {}  # secretary id -> member ids
        self._leave = tuple(leave)
        self._escalation_owners = escalation_owners or {}  # service id -> officer id

    @classmethod
    def from_config(cls, config: CouncilConfig) -> Directory:
        people = [
            Person(
                id=m.id, kind=ActorKind.MEMBER, name=m.name, email=m.email,
                aad_object_id=m.aad_object_id, teams_user_id=m.teams_user_id, ward_id=m.ward,
                party=m.party, cabinet_role=m.cabinet_role, left_office_on=m.left_office_on,
            )
            for m in config.members
        ] + [
            Person(
                id=o.id, kind=ActorKind.OFFICER, name=o.name, email=o.email,
                aad_object_id=o.aad_object_id, teams_user_id=o.teams_user_id,
                job_title=o.job_title, services=o.services, roles=o.roles,
            )
            for o in config.officers
        ]
        return cls.from_people(people, config)

    @classmethod
    def from_people(cls, people: Iterable[Person], config: CouncilConfig) -> Directory:
        """People from anywhere (the config, Entra ID) with the config's delegations."""
        secretaries: dict[str, set[str]] = {}
        leave: list[Leave] = []
        for d in config.delegations:
            if isinstance(d, CabinetSecretary):
                secretaries.setdefault(d.secretary, set()).add(d.member)
            elif isinstance(d, LeaveDelegation):
                leave.append(Leave(d.officer, d.delegate, d.starts_on, d.ends_on))
        return cls(
            people,
            secretaries={k: frozenset(v) for k, v in secretaries.items()},
            leave=leave,
            escalation_owners={s.id: s.escalation_owner for s in config.services},
        )

    def __iter__(self) -> Iterator[Person]:
        return iter(self._people.values())

    def __len__(self) -> int:
        return len(self._people)

    def get(self, person_id: str) -> Person:
        try:
            return self._people[person_id]
        except KeyError:
            raise UnknownPerson(person_id) from None

    def find(self, person_id: str) -> Person | None:
        return self._people.get(person_id)

    def by_aad_object_id(self, aad_object_id: str | None) -> Person | None:
        return self._by_aad.get(aad_object_id.lower()) if aad_object_id else None

    def by_teams_user_id(self, teams_user_id: str | None) -> Person | None:
        return self._by_teams.get(teams_user_id) if teams_user_id else None

    def members(self) -> list[Person]:
        return [p for p in self._people.values() if p.kind is ActorKind.MEMBER]

    def officers(self) -> list[Person]:
        return [p for p in self._people.values() if p.kind is ActorKind.OFFICER]

    def ward_members(self, ward_id: str, *, on: date | None = None) -> list[Person]:
        return [
            p for p in self.members()
            if p.ward_id == ward_id and (on is None or not _left(p, on))
        ]

    def service_officers(self, service_id: str) -> list[Person]:
        return [p for p in self.officers() if service_id in p.services]

    def with_role(self, role: OfficerRole) -> list[Person]:
        return [p for p in self.officers() if role in p.roles]

    def members_for_secretary(self, secretary_id: str) -> frozenset[str]:
        return self._secretaries.get(secretary_id, frozenset())

    def escalation_owner(self, service_id: str) -> str | None:
        return self._escalation_owners.get(service_id)

    def delegate_for(self, officer_id: str, on: date) -> str | None:
        """The officer covering `officer_id` on that day, or None if they are not on leave."""
        for leave in self._leave:
            if leave.officer_id == officer_id and leave.covers(on):
                return leave.delegate_id
        return None

    def covered_by(self, delegate_id: str, on: date) -> list[str]:
        """The officers on leave that day whose work `delegate_id` covers."""
        return [
            lv.officer_id for lv in self._leave if lv.delegate_id == delegate_id and lv.covers(on)
        ]

    def actor_for(self, person: Person, *, on_behalf_of: str | None = None) -> Actor:
        return Actor(person_id=person.id, kind=person.kind, on_behalf_of=on_behalf_of)


def _left(person: Person, on: date) -> bool:
    return person.left_office_on is not None and person.left_office_on <= on

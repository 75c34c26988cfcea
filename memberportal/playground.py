"""The Agents Playground's `.m365agentsplayground.yml`, generated from the council config.

The Playground (npm `@microsoft/m365agentsplayground`, pinned in `playground/`) emulates one
tenant: the bot, the person at the keyboard (`currentUser`), exactly five other users, a personal
chat, a group chat and one team with General plus at most one more channel (its config schema
0.1.1, `additionalProperties: false` throughout). Everyone here is a real person of the council,
with the `aadObjectId` and Teams user id the bot looks them up by, so the bot treats them as it
would in Teams. The team's General channel *is* the member support digest channel (in Teams a
team's General channel has the team's id) and its second channel is one service area's channel,
so a case raised for that service opens its thread there.

The cast, six people: a member and a ward colleague, a coordinator of the channel's service who
is not on leave today, that service's escalation owner, a coordinator of another service, and a
member support officer. Any of them, or anyone else of the council, can be the current user.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from casestore.config import CouncilConfig, OfficerRole, ServiceArea
from casestore.directory import Directory, Person
from casestore.model import ActorKind

CONFIG_FILE = ".m365agentsplayground.yml"
SCHEMA_VERSION = "0.1.1"
BOT_NAME = "Member Enquiries"
DEFAULT_SERVICE = "roads"
SLOTS = ("member", "coordinator", "owner", "support", "colleague", "other")
_NAMESPACE = uuid.UUID("6f1c1a52-3f7e-4c1e-9d0b-5b7c0f2a9e11")


class PlaygroundConfigError(Exception):
    """The council config lacks someone the Playground needs, or a name is unknown."""


@dataclass(frozen=True)
class CastMember:
    person: Person
    slot: str  # one of SLOTS: why they are in the Playground
    part: str  # what they are, for people: "member for Ashcroft", a job title


@dataclass(frozen=True)
class PlaygroundSetup:
    current: CastMember
    others: tuple[CastMember, ...]
    service: ServiceArea
    team_name: str
    document: dict[str, Any]  # the config file's content, as the Playground reads it

    @property
    def cast(self) -> tuple[CastMember, ...]:
        return (self.current, *self.others)

    @property
    def yaml(self) -> str:
        return render(self)


def _deterministic(label: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, label))


def _first(people: Iterable[Person], why: str, *, avoid: set[str]) -> Person:
    for person in people:
        if person.id not in avoid:
            return person
    raise PlaygroundConfigError(f"the council config has no {why} for the Playground")


def part_of(person: Person, config: CouncilConfig) -> str:
    if person.kind is ActorKind.MEMBER:
        ward = next((w.name for w in config.wards if w.id == person.ward_id), person.ward_id)
        return f"member for {ward}"
    return person.job_title or person.role_label


def choose_cast(config: CouncilConfig, directory: Directory, *, today: date,
                service: ServiceArea) -> list[CastMember]:
    """Six real people, in SLOTS order."""
    chosen: set[str] = set()

    def take(slot: str, people: Iterable[Person], why: str) -> CastMember:
        person = _first(people, why, avoid=chosen)
        chosen.add(person.id)
        return CastMember(person, slot, part_of(person, config))

    def present(people: Iterable[Person]) -> list[Person]:
        return [p for p in people if directory.delegate_for(p.id, today) is None]

    serving = [m for m in directory.members()
               if m.left_office_on is None or m.left_office_on > today]
    member = take("member", serving, "serving member")
    coordinator = take("coordinator", present(
        p for p in directory.service_officers(service.id)
        if p.has_role(OfficerRole.COORDINATOR)), f"{service.name} coordinator not on leave")
    owner_id = directory.escalation_owner(service.id)
    owner = take("owner", (p for p in directory.officers() if p.id == owner_id),
                 f"{service.name} escalation owner")
    support = take("support", directory.with_role(OfficerRole.MEMBER_SUPPORT),
                   "member support officer")
    colleague = take("colleague", directory.ward_members(member.person.ward_id or "", on=today),
                     "ward colleague")
    other = take("other", present(
        p for p in directory.with_role(OfficerRole.COORDINATOR) if service.id not in p.services),
        "coordinator of another service")
    return [member, coordinator, owner, support, colleague, other]


def build_setup(config: CouncilConfig, directory: Directory, *, today: date,
                current: str | None = None, service_id: str = DEFAULT_SERVICE,
                app_id: str = "") -> PlaygroundSetup:
    """The Playground's config, with the person `current` (an id) at the keyboard: one of the
    cast, or anyone else of the council, who then takes the place of the ward colleague (a
    member) or of the other service's coordinator (an officer)."""
    service = next((s for s in config.services if s.id == service_id), None)
    if service is None:
        raise PlaygroundConfigError(f"{service_id!r} is not a service area of this council")
    cast = choose_cast(config, directory, today=today, service=service)
    if current is not None:
        cast = _with_current(cast, directory, config, current)
    team_name = f"{_short(config.council.name)} Member Enquiries"
    me, others = cast[0], tuple(cast[1:])
    document = {
        "version": SCHEMA_VERSION,
        "tenantId": config.council.tenant_id or _deterministic(f"tenant:{config.council.name}"),
        "bot": {"id": f"28:{app_id or _deterministic('bot:' + config.council.name)}",
                "name": BOT_NAME},
        "currentUser": _user(me.person),
        "users": [_user(o.person) for o in others],
        "personalChat": {"id": f"a:personal-{me.person.id}"},
        "groupChat": {"id": f"19:{uuid.uuid5(_NAMESPACE, config.council.name).hex}@thread.v2",
                      "name": "Ward and casework chat"},
        "team": {"id": config.member_support_channel_id, "name": team_name,
                 "aadGroupId": config.member_support_team_id,
                 "channels": [{"id": service.channel_id, "name": service.name}]},
    }
    return PlaygroundSetup(me, others, service, team_name, document)


def _with_current(cast: list[CastMember], directory: Directory, config: CouncilConfig,
                  person_id: str) -> list[CastMember]:
    found = next((c for c in cast if c.person.id == person_id), None)
    if found is None:
        person = directory.find(person_id)
        if person is None:
            raise PlaygroundConfigError(f"{person_id!r} is not a person of this council "
                                        "(see `memberportal directory`)")
        slot = "colleague" if person.kind is ActorKind.MEMBER else "other"
        found = CastMember(person, slot, part_of(person, config))
        cast = [found if c.slot == slot else c for c in cast]
    return [found, *(c for c in cast if c is not found)]


def _user(person: Person) -> dict[str, str]:
    given, _, surname = person.name.partition(" ")
    return {"id": person.teams_user_id, "name": person.display_name,
            "userPrincipleName": person.email, "aadObjectId": person.aad_object_id,
            "givenName": given, "surname": surname or given, "email": person.email}


def _short(council_name: str) -> str:
    for suffix in (" Metropolitan Borough Council", " Borough Council", " County Council",
                   " City Council", " Council"):
        if council_name.endswith(suffix):
            return council_name[: -len(suffix)]
    return council_name


def _emit(value: Any, indent: str, notes: dict[int, str] | None = None) -> list[str]:
    """Block-style YAML; every scalar a double-quoted (JSON) string, which YAML reads as is."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                lines += [f"{indent}{key}:", *_emit(item, indent + "  ")]
            else:
                lines.append(f"{indent}{key}: {json.dumps(item, ensure_ascii=False)}")
    else:
        for index, item in enumerate(value):
            if notes and index in notes:
                lines.append(f"{indent}# {notes[index]}")
            inner = _emit(item, indent + "  ")
            lines += [f"{indent}- {inner[0].lstrip()}", *inner[1:]]
    return lines


def render(setup: PlaygroundSetup) -> str:
    doc = setup.document
    head = [
        "# The Microsoft 365 Agents Playground's config, generated by `memberportal run` from",
        "# the council's config (memberportal/playground.py); it is written again at every run.",
        f"# You are {setup.current.person.display_name} ({setup.current.part}).",
        "# General is the member support digest channel (a team's General channel has the team's",
        f"# id); the second channel is the {setup.service.name} channel.",
    ]
    body: list[str] = []
    for key, value in doc.items():
        if key == "users":
            body += ["users:", *_emit(value, "  ", {i: f"{o.person.display_name}, {o.part}"
                                                      for i, o in enumerate(setup.others)})]
        else:
            body += _emit({key: value}, "")
    return "\n".join([*head, *body]) + "\n"


def write_config(setup: PlaygroundSetup, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(setup.yaml, encoding="utf-8")
    return path


def act_as(payload: dict[str, Any], user_id: str) -> dict[str, Any]:
    """The Playground's `GET /_internal/v1/config` answer with `user_id` at the keyboard.

    The Playground's web page sends every message and card click `from` the configured current
    user, and its server accepts a card click from any member of the team. Serving the page this
    answer (`memberportal.personas`) lets a second browser tab act as another person of the
    same team in the same Playground, without a restart. The personal chat stays the configured
    user's."""
    answer = copy.deepcopy(payload)
    config = answer["config"]
    people = [config["currentUser"], *config["users"]]
    me = next((p for p in people if p["id"] == user_id), None)
    if me is None:
        raise PlaygroundConfigError(f"{user_id!r} is not one of the Playground's users")
    previous = config["currentUser"]["id"]
    config["currentUser"] = me
    config["users"] = [p for p in people if p["id"] != user_id]
    for group in [*config.get("groupChats", []), *config.get("teams", [])]:
        group["members"] = [previous if m == user_id else m for m in group.get("members", [])]
    return answer

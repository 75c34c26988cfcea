"""The council's configuration: one TOML file, validated into typed, immutable settings.

Every problem is reported as a `ConfigProblem` naming the file, the key (a dotted path such as
``services[2].sla.response_days``) and what is wrong; `load_council_config` raises `ConfigError`
carrying all of them, so a council's IT team can fix the file in one pass.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casestore.calendar import Nation, WorkingCalendar
from casestore.hosts import DownloadHost, host_listed
from casestore.kinds import ENQUIRY_TYPE_LABELS as ENQUIRY_TYPE_LABELS
from casestore.kinds import EnquiryType as EnquiryType
from casestore.kinds import EscalationRule as EscalationRule
from casestore.kinds import OfficerRole as OfficerRole

DEMO_COUNCIL = "demo/council.toml"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=120)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlaFigures(_Strict):
    """Per-service overrides; a missing figure falls back to the council's default."""

    acknowledge_days: int | None = Field(default=None, ge=0, le=60)
    response_days: int | None = Field(default=None, ge=1, le=120)
    completion_days: int | None = Field(default=None, ge=1, le=365)
    escalation_after_days: int | None = Field(default=None, ge=1, le=120)
    escalation_answer_days: int | None = Field(default=None, ge=1, le=60)


class SlaDefaults(_Strict):
    acknowledge_days: int = Field(default=1, ge=0, le=60)
    response_days: int = Field(default=10, ge=1, le=120)
    completion_days: int = Field(default=28, ge=1, le=365)
    escalation_after_days: int = Field(default=10, ge=1, le=120)
    escalation_answer_days: int = Field(default=5, ge=1, le=60)
    escalation_rule: EscalationRule = EscalationRule.NOT_CLOSED
    due_soon_days: int = Field(default=1, ge=0, le=10)
    auto_close_days: int = Field(default=10, ge=1, le=120)
    auto_close_extension_max_days: int = Field(default=20, ge=1, le=250)
    auto_close_extension_total_max_days: int = Field(default=60, ge=1, le=500)
    reopen_window_days: int = Field(default=20, ge=0, le=250)


class Council(_Strict):
    name: Name
    nation: Nation
    timezone: Literal["Europe/London"] = "Europe/London"
    cutoff: time = time(17, 0)
    working_hours_start: time = time(8, 0)
    working_hours_end: time = time(18, 0)
    closure_days: tuple[date, ...] = ()
    tenant_id: str = Field(default="", max_length=64)
    internal_prefix: str = Field(default="internal:", min_length=1, max_length=20)
    digest_time: time = time(8, 30)
    outbox_max_attempts: int = Field(default=8, ge=1, le=50)

    @field_validator("cutoff", "working_hours_start", "working_hours_end", "digest_time",
                     mode="before")
    @classmethod
    def _parse_hhmm(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                raise ValueError(f"must be a time such as 17:00 (got {value!r})") from None
        return value


class Attachments(_Strict):
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    allowed_types: tuple[str, ...] = (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/heic",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    max_per_case: int = Field(default=20, ge=1, le=200)
    # Where files sent in chat may be fetched from (https only, never a private address): a
    # name, or "*." and a domain for any name under it. Teams puts a file a member attaches in
    # their OneDrive (<tenant>-my.sharepoint.com) and an image pasted into the chat on the
    # Bot Connector (smba.trafficmanager.net); see docs/decisions.md.
    download_hosts: tuple[DownloadHost, ...] = ("*.sharepoint.com", "smba.trafficmanager.net")

    def may_download_from(self, host: str) -> bool:
        """Whether `host` is on the download list."""
        return host_listed(host, self.download_hosts)


class Retention(_Strict):
    """How long a closed case keeps its constituent's details (UK GDPR storage limitation):
    `redact_after_months` calendar months after closing, the retention sweep removes them."""

    redact_after_months: int = Field(default=24, ge=1, le=120)


class ServiceArea(_Strict):
    id: Id
    name: Name
    enquiry_types: tuple[EnquiryType, ...] = Field(min_length=1)
    team_id: str = Field(min_length=1, max_length=200)
    channel_id: str = Field(min_length=1, max_length=200)
    escalation_owner: Id
    escalation_delivery: Literal["channel", "personal"] = "channel"
    escalation_channel_id: str | None = Field(default=None, max_length=200)
    sla: SlaFigures = SlaFigures()
    general: bool = False  # the generic form (children's, adults', environmental health, tax)


class Ward(_Strict):
    id: Id
    name: Name


class TeamsIdentity(_Strict):
    aad_object_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    teams_user_id: str = Field(min_length=3, max_length=200)
    email: str = Field(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")


class Member(TeamsIdentity):
    id: Id
    name: Name
    ward: Id
    party: str = Field(default="", max_length=80)
    cabinet_role: str | None = Field(default=None, max_length=120)
    left_office_on: date | None = None


class Officer(TeamsIdentity):
    id: Id
    name: Name
    job_title: str = Field(default="", max_length=120)
    services: tuple[Id, ...] = ()
    roles: tuple[OfficerRole, ...] = Field(min_length=1)


class CabinetSecretary(_Strict):
    kind: Literal["cabinet_secretary"]
    secretary: Id
    member: Id


class LeaveDelegation(_Strict):
    kind: Literal["leave"]
    officer: Id
    delegate: Id
    starts_on: date
    ends_on: date


Delegation = Annotated[CabinetSecretary | LeaveDelegation, Field(discriminator="kind")]


class CouncilConfig(_Strict):
    council: Council
    sla: SlaDefaults = SlaDefaults()
    attachments: Attachments = Attachments()
    retention: Retention = Retention()
    member_support_team_id: str = Field(min_length=1, max_length=200)
    member_support_channel_id: str = Field(min_length=1, max_length=200)
    services: tuple[ServiceArea, ...] = Field(min_length=1)
    wards: tuple[Ward, ...] = Field(min_length=1)
    members: tuple[Member, ...] = Field(min_length=1)
    officers: tuple[Officer, ...] = Field(min_length=1)
    delegations: tuple[Delegation, ...] = ()

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(
            nation=self.council.nation,
            closure_days=self.council.closure_days,
            cutoff=self.council.cutoff,
        )

    def service(self, service_id: str) -> ServiceArea:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class ConfigError(Exception):
    """The council configuration cannot be used; `problems` lists every reason."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif part in {"cabinet_secretary", "leave"} and key.startswith("delegations"):
            continue  # pydantic's discriminator tag, not a key in the file
        else:
            key += f".{part}" if key else part
    return key or "(top level)"


def _message(error: Any) -> str:
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if error["type"] == "missing":
        return "is required but missing"
    if error["type"] == "extra_forbidden":
        return "is not a setting this product knows (check the spelling)"
    given = error.get("input")
    if given is not None and not isinstance(given, dict | list) and "got" not in message:
        message += f" (got {given!r})"
    return message


def parse_council_config(data: dict[str, Any], *, source: str) -> CouncilConfig:
    try:
        config = CouncilConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            ConfigProblem(source, _key(tuple(e["loc"])), _message(e)) for e in exc.errors()
        ) from None
    problems = list(cross_check(config, source=source))
    if problems:
        raise ConfigError(problems)
    return config


def load_council_config(path: str | Path | None = None) -> CouncilConfig:
    """Read and validate a council TOML file; `None` loads the shipped demo council."""
    if path is None:
        text = resources.files("casestore").joinpath(DEMO_COUNCIL).read_text(encoding="utf-8")
        source = "demo council (casestore/demo/council.toml)"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError([ConfigProblem(source, "(file)", "no such file")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([ConfigProblem(source, "(file)", f"cannot be read: {exc}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = ConfigProblem(source, "(syntax)", f"is not valid TOML: {exc}")
        raise ConfigError([problem]) from None
    return parse_council_config(data, source=source)


def _duplicates(values: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    dupes: set[str] = set()
    for value in values:
        (dupes if value in seen else seen).add(value)
    return dupes


def cross_check(config: CouncilConfig, *, source: str) -> Iterable[ConfigProblem]:
    """Checks that span sections: unique ids and identities, and every reference resolves."""
    for key, message in (
        *_check_council(config),
        *_check_ids(config),
        *_check_people(config),
        *_check_services(config),
        *_check_delegations(config),
    ):
        yield ConfigProblem(source, key, message)


Found = Iterable[tuple[str, str]]


def _check_council(config: CouncilConfig) -> Found:
    c = config.council
    for name in ("cutoff", "working_hours_start", "working_hours_end"):
        if getattr(c, name).tzinfo is not None:
            yield f"council.{name}", "give a local time without an offset, such as 17:00"
    if c.working_hours_end <= c.working_hours_start:
        yield "council.working_hours_end", "must be after working_hours_start"
    if c.tenant_id and not _GUID.fullmatch(c.tenant_id):
        yield "council.tenant_id", f"must be a GUID (got {c.tenant_id!r})"


def _check_ids(config: CouncilConfig) -> Found:
    for section, ids in (
        ("wards", [w.id for w in config.wards]),
        ("services", [s.id for s in config.services]),
        ("members", [m.id for m in config.members]),
        ("officers", [o.id for o in config.officers]),
        ("services.channel_id", [s.channel_id for s in config.services]),
    ):
        for dupe in sorted(_duplicates(ids)):
            yield section, f"the id {dupe!r} is used more than once"
    officer_ids = {o.id for o in config.officers}
    for dupe in sorted({m.id for m in config.members} & officer_ids):
        yield "officers", f"the id {dupe!r} is also a member's id"
    people = [*config.members, *config.officers]
    for attr in ("aad_object_id", "teams_user_id"):
        for dupe in sorted(_duplicates(getattr(p, attr).lower() for p in people)):
            yield f"members/officers.{attr}", f"{dupe!r} belongs to more than one person"


def _check_people(config: CouncilConfig) -> Found:
    ward_ids = {w.id for w in config.wards}
    service_ids = {s.id for s in config.services}
    for i, member in enumerate(config.members):
        if member.ward not in ward_ids:
            yield f"members[{i}].ward", f"no ward has the id {member.ward!r}"
    for i, officer in enumerate(config.officers):
        for sid in officer.services:
            if sid not in service_ids:
                yield f"officers[{i}].services", f"no service area has the id {sid!r}"
    if not any(OfficerRole.MEMBER_SUPPORT in o.roles for o in config.officers):
        yield "officers", "nobody has the role 'member_support'"


def _check_services(config: CouncilConfig) -> Found:
    officers = {o.id: o for o in config.officers}
    for i, service in enumerate(config.services):
        key = f"services[{i}]"
        owner = officers.get(service.escalation_owner)
        if owner is None:
            yield f"{key}.escalation_owner", f"no officer has the id {service.escalation_owner!r}"
        elif OfficerRole.ESCALATION_OWNER not in owner.roles:
            yield (f"{key}.escalation_owner",
                   f"{owner.id!r} does not have the role 'escalation_owner'")
        if service.escalation_delivery == "channel" and not service.escalation_channel_id:
            yield (f"{key}.escalation_channel_id",
                   "is required when escalation_delivery is 'channel'")
        if len(set(service.enquiry_types)) != len(service.enquiry_types):
            yield f"{key}.enquiry_types", "lists a type more than once"
        if not any(
            service.id in o.services and OfficerRole.COORDINATOR in o.roles
            for o in config.officers
        ):
            yield key, f"service area {service.id!r} has no coordinator"


def _check_delegations(config: CouncilConfig) -> Found:
    officers = {o.id: o for o in config.officers}
    member_ids = {m.id for m in config.members}
    for i, d in enumerate(config.delegations):
        key = f"delegations[{i}]"
        if isinstance(d, CabinetSecretary):
            if d.member not in member_ids:
                yield f"{key}.member", f"no member has the id {d.member!r}"
            secretary = officers.get(d.secretary)
            if secretary is None:
                yield f"{key}.secretary", f"no officer has the id {d.secretary!r}"
            elif OfficerRole.CABINET_SECRETARY not in secretary.roles:
                yield f"{key}.secretary", "needs the role 'cabinet_secretary'"
            continue
        for field in ("officer", "delegate"):
            if getattr(d, field) not in officers:
                yield f"{key}.{field}", f"no officer has the id {getattr(d, field)!r}"
        if d.ends_on < d.starts_on:
            yield f"{key}.ends_on", "is before starts_on"
        if d.officer == d.delegate:
            yield f"{key}.delegate", "an officer cannot delegate to themselves"

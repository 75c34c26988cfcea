"""Which Entra ID groups make up the directory: a small TOML file beside the council's.

```toml
members = "<group id>"        # every serving councillor (optional when wards are given)
[wards]                       # ward id from the council config = group of its councillors
ashcroft = "<group id>"
[services]                    # service area id = group of its coordinators
roads = "<group id>"
[roles]                       # officer role = group of the officers who hold it
member_support = "<group id>"
escalation_owner = "<group id>"
cabinet_secretary = "<group id>"
```

Members and officers come from these groups (nested groups count); the council config still
says who escalates for each service and who supports which cabinet member.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casestore.config import ConfigError, ConfigProblem, CouncilConfig, OfficerRole

GroupId = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")]


class EntraGroups(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    members: GroupId | None = None
    wards: dict[str, GroupId] = {}
    services: dict[str, GroupId] = {}
    roles: dict[OfficerRole, GroupId] = {}

    def group_ids(self) -> list[str]:
        """Each group once, lower-cased, in a stable order."""
        ids = [self.members or "", *self.wards.values(), *self.services.values(),
               *self.roles.values()]
        return list(dict.fromkeys(i.lower() for i in ids if i))


def _problems(groups: EntraGroups, config: CouncilConfig) -> Iterator[tuple[str, str]]:
    wards = {w.id for w in config.wards}
    services = {s.id for s in config.services}
    for ward in groups.wards:
        if ward not in wards:
            yield f"wards.{ward}", "no ward in the council config has this id"
    for service in groups.services:
        if service not in services:
            yield f"services.{service}", "no service area in the council config has this id"
    if not groups.members and not groups.wards:
        yield "members", "give the councillors' group, or a group per ward"
    if not groups.services and not groups.roles:
        yield "services", "give a group of coordinators per service area"


def parse_entra_groups(data: dict[str, Any], config: CouncilConfig, *, source: str
                       ) -> EntraGroups:
    try:
        groups = EntraGroups.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            ConfigProblem(source, ".".join(str(p) for p in e["loc"]) or "(top level)",
                          "is required but missing" if e["type"] == "missing" else e["msg"])
            for e in exc.errors()
        ) from None
    problems = [ConfigProblem(source, key, message) for key, message in _problems(groups, config)]
    if problems:
        raise ConfigError(problems)
    return groups


def load_entra_groups(path: str | Path, config: CouncilConfig) -> EntraGroups:
    source = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(source, "(file)", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(source, "(file)", f"cannot be read: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(source, "(syntax)", f"is not valid TOML: {exc}")]
                          ) from None
    return parse_entra_groups(data, config, source=source)

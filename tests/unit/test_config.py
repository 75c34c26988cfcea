"""The council configuration: the shipped demo council, and how a broken file is reported.

Every error test takes a valid copy of the demo council, breaks exactly one thing, and checks that
the problem names the file, the key (a dotted path) and what is wrong.
"""

from __future__ import annotations

import copy
import tomllib
import uuid
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from casestore.config import (
    ConfigError,
    ConfigProblem,
    CouncilConfig,
    Member,
    Officer,
    OfficerRole,
    load_council_config,
    parse_council_config,
)

SOURCE = "x.toml"

PROTOCOL_SERVICES = {
    "roads", "street-lighting", "bins", "environment", "parking", "parks", "planning", "licensing",
}
GENERIC_FORM_SERVICES = {"childrens", "adults", "env-health", "council-tax"}

_DEMO_TEXT = resources.files("casestore").joinpath("demo/council.toml").read_text(encoding="utf-8")
_DEMO_DATA = tomllib.loads(_DEMO_TEXT)


@pytest.fixture(scope="module")
def demo() -> CouncilConfig:
    return load_council_config()


@pytest.fixture
def data() -> dict[str, Any]:
    """A fresh, valid copy of the demo council as plain TOML data, ready to be broken."""
    return copy.deepcopy(_DEMO_DATA)


def problems_of(data: dict[str, Any]) -> tuple[ConfigProblem, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_council_config(data, source=SOURCE)
    assert caught.value.problems, "a ConfigError must carry at least one problem"
    return caught.value.problems


def assert_reported(
    problems: tuple[ConfigProblem, ...], key: str, *fragments: str
) -> ConfigProblem:
    for problem in problems:
        if problem.key == key and all(f in problem.message for f in fragments):
            assert problem.file == SOURCE
            return problem
    raise AssertionError(f"no problem at {key!r} mentioning {fragments}; got {problems}")


def index_of(items: list[dict[str, Any]], item_id: str) -> int:
    return next(i for i, item in enumerate(items) if item["id"] == item_id)


# -- the demo council ---------------------------------------------------------------------------


def test_the_demo_council_loads_when_no_path_is_given(demo: CouncilConfig) -> None:
    assert demo.council.name == "Mersey Vale Metropolitan Borough Council"
    assert demo.council.nation == "ENG"


def test_the_demo_council_file_parses_the_same_through_parse_council_config() -> None:
    assert parse_council_config(copy.deepcopy(_DEMO_DATA), source=SOURCE) == load_council_config()


def test_the_demo_council_has_at_least_12_wards_30_members_and_10_service_areas(
    demo: CouncilConfig,
) -> None:
    assert len(demo.wards) >= 12
    assert len(demo.members) >= 30
    assert len(demo.services) >= 10


def test_the_demo_council_offers_the_protocol_forms_and_the_generic_form(
    demo: CouncilConfig,
) -> None:
    ids = {s.id for s in demo.services}
    assert ids >= PROTOCOL_SERVICES | GENERIC_FORM_SERVICES
    assert {s.id for s in demo.services if s.general} == GENERIC_FORM_SERVICES


def test_every_demo_service_area_has_at_least_two_coordinators(demo: CouncilConfig) -> None:
    for service in demo.services:
        coordinators = [
            o for o in demo.officers
            if service.id in o.services and OfficerRole.COORDINATOR in o.roles
        ]
        assert len(coordinators) >= 2, service.id


def test_every_demo_service_area_can_deliver_its_escalations(demo: CouncilConfig) -> None:
    officers = {o.id: o for o in demo.officers}
    for service in demo.services:
        assert OfficerRole.ESCALATION_OWNER in officers[service.escalation_owner].roles
        if service.escalation_delivery == "channel":
            assert service.escalation_channel_id, service.id


def test_every_person_in_the_demo_council_has_a_teams_identity(demo: CouncilConfig) -> None:
    people: list[Member | Officer] = [*demo.members, *demo.officers]
    for person in people:
        uuid.UUID(person.aad_object_id)
        assert person.teams_user_id.startswith("29:"), person.id
        assert person.email.endswith("@mersey-vale.gov.uk"), person.id


def test_ids_and_teams_identities_in_the_demo_council_are_unique(demo: CouncilConfig) -> None:
    people: list[Member | Officer] = [*demo.members, *demo.officers]
    for values in (
        [w.id for w in demo.wards],
        [s.id for s in demo.services],
        [p.id for p in people],
        [p.aad_object_id.lower() for p in people],
        [p.teams_user_id for p in people],
        [p.email.lower() for p in people],
        [s.channel_id for s in demo.services] + [demo.member_support_channel_id],
    ):
        assert len(values) == len(set(values))


def test_member_display_names_leave_the_cllr_title_to_the_product(demo: CouncilConfig) -> None:
    for member in demo.members:
        assert not member.name.lower().startswith("cllr"), member.name


def test_the_demo_council_is_shut_between_christmas_and_new_year(demo: CouncilConfig) -> None:
    calendar = demo.calendar()
    for day in (29, 30, 31):
        assert not calendar.is_working_day(date(2026, 12, day))
        assert not calendar.is_working_day(date(2027, 12, day))
    assert calendar.is_working_day(date(2027, 1, 4))


# -- one problem, one report --------------------------------------------------------------------


def test_a_missing_required_key_is_reported_as_missing(data: dict[str, Any]) -> None:
    del data["council"]["name"]

    problems = problems_of(data)

    assert problems == (ConfigProblem(SOURCE, "council.name", "is required but missing"),)


def test_a_misspelt_key_is_reported_as_unknown_rather_than_ignored(data: dict[str, Any]) -> None:
    data["council"]["cuttoff"] = "16:00"

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "council.cuttoff", "not a setting", "spelling")


def test_a_nation_must_be_one_of_the_four_codes(data: dict[str, Any]) -> None:
    data["council"]["nation"] = "England"

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "council.nation", "'England'", "ENG", "WLS", "SCT", "NIR")


def test_a_cutoff_must_be_a_clock_time(data: dict[str, Any]) -> None:
    data["council"]["cutoff"] = "5pm"

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "council.cutoff", "17:00", "'5pm'")


def test_a_negative_sla_figure_in_a_service_override_is_refused(data: dict[str, Any]) -> None:
    planning = index_of(data["services"], "planning")
    data["services"][planning]["sla"]["response_days"] = -3

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(
        problems, f"services[{planning}].sla.response_days", "greater than or equal to 1", "-3"
    )


def test_a_member_in_an_unknown_ward_is_reported(data: dict[str, Any]) -> None:
    data["members"][5]["ward"] = "atlantis"

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "members[5].ward", "no ward", "'atlantis'")


def test_an_officer_in_an_unknown_service_area_is_reported(data: dict[str, Any]) -> None:
    data["officers"][0]["services"].append("roadz")

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "officers[0].services", "no service area", "'roadz'")


def test_an_escalation_owner_must_have_the_escalation_owner_role(data: dict[str, Any]) -> None:
    roads = index_of(data["services"], "roads")
    coordinator = next(
        o["id"] for o in data["officers"]
        if "roads" in o.get("services", []) and o["roles"] == ["coordinator"]
    )
    data["services"][roads]["escalation_owner"] = coordinator

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(
        problems, f"services[{roads}].escalation_owner", repr(coordinator), "'escalation_owner'"
    )


def test_a_service_area_without_any_coordinator_is_reported(data: dict[str, Any]) -> None:
    licensing = index_of(data["services"], "licensing")
    for officer in data["officers"]:
        if "licensing" in officer.get("services", []):
            officer["services"].remove("licensing")

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, f"services[{licensing}]", "'licensing'", "no coordinator")


@pytest.mark.parametrize("section", ["wards", "services", "members", "officers"])
def test_an_id_used_twice_in_a_section_is_reported(data: dict[str, Any], section: str) -> None:
    first = data[section][0]["id"]
    data[section][1]["id"] = first

    problems = problems_of(data)

    assert_reported(problems, section, repr(first), "more than once")


def test_an_officer_sharing_a_members_id_is_reported(data: dict[str, Any]) -> None:
    member_id = data["members"][0]["id"]
    data["officers"].append({**copy.deepcopy(data["officers"][-1]), "id": member_id})
    data["officers"][-1]["aad_object_id"] = str(uuid.uuid4())
    data["officers"][-1]["teams_user_id"] = "29:1-a-fresh-test-identity"

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "officers", repr(member_id), "member")


def test_one_aad_object_id_for_two_people_is_reported(data: dict[str, Any]) -> None:
    shared = data["members"][0]["aad_object_id"]
    data["officers"][3]["aad_object_id"] = shared.upper()  # the comparison ignores case

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "members/officers.aad_object_id", shared, "more than one person")


def test_a_leave_delegation_that_ends_before_it_starts_is_reported(data: dict[str, Any]) -> None:
    leave = next(i for i, d in enumerate(data["delegations"]) if d["kind"] == "leave")
    starts_on: date = data["delegations"][leave]["starts_on"]
    data["delegations"][leave]["ends_on"] = starts_on - timedelta(days=1)

    problems = problems_of(data)

    assert problems == (
        ConfigProblem(SOURCE, f"delegations[{leave}].ends_on", "is before starts_on"),
    )


def test_a_council_with_nobody_in_member_support_is_refused(data: dict[str, Any]) -> None:
    data["officers"] = [o for o in data["officers"] if "member_support" not in o["roles"]]

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "officers", "nobody", "'member_support'")


def test_every_problem_in_a_file_is_reported_in_one_pass(data: dict[str, Any]) -> None:
    data["council"]["nation"] = "England"
    data["council"]["cutoff"] = "5pm"
    data["sla"]["response_days"] = 0

    problems = problems_of(data)

    assert {p.key for p in problems} == {"council.nation", "council.cutoff", "sla.response_days"}


# -- reading the file ----------------------------------------------------------------------------


def test_a_council_file_given_by_path_loads(tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    path.write_text(_DEMO_TEXT, encoding="utf-8")

    assert load_council_config(path) == load_council_config()


def test_a_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[council\nname = "Mersey Vale"\n', encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_council_config(path)

    assert str(path) in str(caught.value)
    [problem] = caught.value.problems
    assert (problem.file, problem.key) == (str(path), "(syntax)")
    assert "not valid TOML" in problem.message


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "no-such-council.toml"

    with pytest.raises(ConfigError) as caught:
        load_council_config(path)

    assert str(path) in str(caught.value)
    assert caught.value.problems == (ConfigProblem(str(path), "(file)", "no such file"),)


def test_problems_found_in_a_file_on_disk_name_that_file(tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    path.write_text(_DEMO_TEXT.replace('nation = "ENG"', 'nation = "England"'), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_council_config(path)

    [problem] = caught.value.problems
    assert (problem.file, problem.key) == (str(path), "council.nation")
    assert str(path) in str(caught.value)


# -- where files may be fetched from ------------------------------------------------------------


def test_files_are_fetched_from_sharepoint_and_the_bot_connector_by_default(
    demo: CouncilConfig,
) -> None:
    limits = demo.attachments
    assert limits.download_hosts == ("*.sharepoint.com", "smba.trafficmanager.net")
    for host in ("councilname-my.sharepoint.com", "councilname.sharepoint.com",
                 "smba.trafficmanager.net", "COUNCILNAME-MY.SHAREPOINT.COM."):
        assert limits.may_download_from(host), host
    for host in ("sharepoint.com", "evilsharepoint.com", "sharepoint.com.evil.example",
                 "trafficmanager.net", "x.smba.trafficmanager.net", "127.0.0.1", "localhost",
                 "graph.microsoft.com", ""):
        assert not limits.may_download_from(host), host


@pytest.mark.parametrize("entry", ["https://files.example.com", "files.example.com:443",
                                   "*.com", "*", "localhost", "127.0.0.1", "Files.Example.com",
                                   "files.example.com/path", "*.*.example.com"])
def test_a_download_host_must_be_a_host_name_or_a_wildcard_domain(
    data: dict[str, Any], entry: str,
) -> None:
    data["attachments"]["download_hosts"] = ["*.sharepoint.com", entry]

    problems = problems_of(data)

    assert len(problems) == 1
    assert_reported(problems, "attachments.download_hosts[1]", "must be a host name",
                    repr(entry))


def test_a_council_may_add_its_own_download_hosts(data: dict[str, Any]) -> None:
    data["attachments"]["download_hosts"] = ["*.sharepoint.com", "files.council.gov.uk"]

    limits = parse_council_config(data, source=SOURCE).attachments

    assert limits.may_download_from("files.council.gov.uk")
    assert not limits.may_download_from("smba.trafficmanager.net")

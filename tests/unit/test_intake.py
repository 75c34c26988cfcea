"""What a new enquiry must contain: checked in the domain against the council's own data, every
problem reported at once, each under the field it belongs to."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.intake import (
    MAX_ASK,
    MAX_CC,
    MAX_CONSTITUENT,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_SEARCH_TERM,
    EnquiryDetails,
    InvalidSubmission,
    check_enquiry,
    special_categories,
)
from tests.unit.conftest import (
    MEMBER_ID,
    OTHER_MEMBER_ID,
    ROADS_OFFICER_ID,
    WARD_COLLEAGUE_ID,
    WARD_ID,
)


def details(**changes: Any) -> EnquiryDetails:
    """A complete, valid roads enquiry from Cllr Oyelaran for Lockside, changed as given."""
    valid = EnquiryDetails(
        service_id="roads",
        enquiry_type="report_it",
        ward_id=WARD_ID,
        location="14 Mill Lane",
        description="A deep pothole outside 14 Mill Lane has damaged two cars this week.",
        ask="Please repair it before the winter.",
    )
    return dataclasses.replace(valid, **changes)


@pytest.fixture
def problems_of(council: CouncilConfig, directory: Directory) -> Any:
    def check(enquiry: EnquiryDetails, *, complete: bool = True) -> dict[str, str]:
        with pytest.raises(InvalidSubmission) as refused:
            check_enquiry(enquiry, member_id=MEMBER_ID, config=council, directory=directory,
                          complete=complete)
        return refused.value.problems

    return check


@pytest.fixture
def accepts(council: CouncilConfig, directory: Directory) -> Any:
    def check(enquiry: EnquiryDetails, *, complete: bool = True) -> bool:
        check_enquiry(enquiry, member_id=MEMBER_ID, config=council, directory=directory,
                      complete=complete)
        return True

    return check


def test_a_complete_enquiry_is_accepted(accepts: Any) -> None:
    assert accepts(details())
    assert accepts(details(cc_member_ids=[WARD_COLLEAGUE_ID]))
    assert accepts(details(constituent_name="Mrs A. Jones", constituent_contact="07700 900123",
                           consent_given=True))


def test_an_empty_form_names_every_required_field(problems_of: Any) -> None:
    assert set(problems_of(EnquiryDetails())) == {
        "service_id", "enquiry_type", "ward_id", "description", "ask"}


@pytest.mark.parametrize("field", ["description", "ask"])
def test_a_description_or_ask_of_only_spaces_is_missing(field: str, problems_of: Any) -> None:
    assert set(problems_of(details(**{field: "   \n "}))) == {field}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"service_id": "sewers"}, "service_id", "Choose a service area from the list."),
        ({"enquiry_type": "dangerous_waste"}, "enquiry_type",
         "Roads and pavements does not take that type of enquiry."),
        ({"enquiry_type": "gossip"}, "enquiry_type", "Choose a type of enquiry from the list."),
        ({"ward_id": "atlantis"}, "ward_id", "Choose a ward from the list."),
    ],
)
def test_a_choice_that_is_not_the_councils_is_refused(
    change: dict[str, str], field: str, message: str, problems_of: Any,
) -> None:
    assert problems_of(details(**change)) == {field: message}


def test_a_general_service_takes_only_general_enquiries_and_information_requests(
    accepts: Any, problems_of: Any,
) -> None:
    assert accepts(details(service_id="childrens", enquiry_type="general"))
    assert set(problems_of(details(service_id="childrens", enquiry_type="report_it"))) == {
        "enquiry_type"}


LIMITS = [
    ("location", MAX_LOCATION, 300),
    ("description", MAX_DESCRIPTION, 4000),
    ("ask", MAX_ASK, 2000),
    ("search_term", MAX_SEARCH_TERM, 100),
    ("constituent_name", MAX_CONSTITUENT, 200),
    ("constituent_contact", MAX_CONSTITUENT, 200),
]


@pytest.mark.parametrize(("field", "limit", "documented"), LIMITS)
def test_text_over_its_limit_is_refused_with_a_message_naming_the_limit(
    field: str, limit: int, documented: int, accepts: Any, problems_of: Any,
) -> None:
    assert limit == documented
    consent = {"consent_given": True}
    assert accepts(details(**{field: "x" * limit}, **consent))
    problems = problems_of(details(**{field: "x" * (limit + 1)}, **consent))
    assert set(problems) == {field}
    assert f"{limit} characters" in problems[field]
    assert f"{limit + 1}" in problems[field]


@pytest.mark.parametrize(
    "constituent",
    [{"constituent_name": "Mrs A. Jones"}, {"constituent_contact": "07700 900123"},
     {"constituent_name": "Mrs A. Jones", "constituent_contact": "a.jones@example.org"}],
)
def test_a_constituents_details_need_their_recorded_consent(
    constituent: dict[str, str], problems_of: Any,
) -> None:
    assert set(problems_of(details(**constituent))) == {"consent_given"}


def test_consent_alone_without_details_is_fine(accepts: Any) -> None:
    assert accepts(details(consent_given=True))


@pytest.mark.parametrize(
    ("cc", "message"),
    [
        pytest.param([ROADS_OFFICER_ID], "Copy in only fellow councillors from the list.",
                     id="an-officer"),
        pytest.param(["nobody-at-all"], "Copy in only fellow councillors from the list.",
                     id="an-unknown-id"),
        pytest.param([MEMBER_ID], "You do not need to copy yourself in.", id="yourself"),
        pytest.param([OTHER_MEMBER_ID], "Cllr Sarah Okafor is not a councillor for this ward.",
                     id="a-member-of-another-ward"),
        pytest.param([WARD_COLLEAGUE_ID] * (MAX_CC + 1),
                     f"You can copy in up to {MAX_CC} colleagues.", id="too-many"),
    ],
)
def test_only_ward_colleagues_may_be_copied_in(
    cc: list[str], message: str, problems_of: Any,
) -> None:
    assert problems_of(details(cc_member_ids=cc)) == {"cc_member_ids": message}


# -- special category data -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Her mother has dementia and cannot reach the bins.", ["health"]),
        ("He attends the mosque on Friday and the path is unlit.",
         ["religious or philosophical beliefs"]),
        ("A pothole on Mill Lane.", []),
        ("The terrace on Roman Road needs gritting.", []),
        ("She uses a wheelchair and is a church-goer.",
         ["health", "religious or philosophical beliefs"]),
    ],
)
def test_special_category_data_is_recognised(text: str, found: list[str]) -> None:
    assert special_categories(text) == found


@pytest.mark.parametrize("field", ["description", "ask", "location"])
def test_special_category_data_must_be_confirmed_before_submission(
    field: str, accepts: Any, problems_of: Any,
) -> None:
    text = "Resident has dementia; outside the hospital entrance"
    problems = problems_of(details(**{field: text}))
    assert set(problems) == {"special_category"}
    assert "health" in problems["special_category"]
    assert accepts(details(**{field: text}, special_category_confirmed=True))


def test_every_problem_is_reported_at_once(problems_of: Any) -> None:
    problems = problems_of(details(service_id="sewers", ward_id="atlantis", ask="",
                                   constituent_name="Mrs Jones",
                                   cc_member_ids=[ROADS_OFFICER_ID]))
    assert set(problems) == {"service_id", "ward_id", "ask", "consent_given", "cc_member_ids"}


# -- drafts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draft",
    [
        EnquiryDetails(),
        EnquiryDetails(description="Pothole, more later"),
        EnquiryDetails(service_id="roads"),
        EnquiryDetails(ward_id=WARD_ID, description="Mother has dementia"),
    ],
    ids=["empty", "a-description", "a-service", "special-category-not-yet-checked"],
)
def test_a_draft_may_be_incomplete(draft: EnquiryDetails, accepts: Any) -> None:
    assert accepts(draft, complete=False)


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (EnquiryDetails(service_id="sewers"), "service_id"),
        (EnquiryDetails(enquiry_type="gossip"), "enquiry_type"),
        (EnquiryDetails(service_id="roads", enquiry_type="dangerous_waste"), "enquiry_type"),
        (EnquiryDetails(ward_id="atlantis"), "ward_id"),
        (EnquiryDetails(cc_member_ids=["nobody-at-all"]), "cc_member_ids"),
        (EnquiryDetails(description="x" * (MAX_DESCRIPTION + 1)), "description"),
        (EnquiryDetails(constituent_name="Mrs Jones"), "consent_given"),
    ],
)
def test_a_draft_still_refuses_what_is_filled_in_wrongly(
    draft: EnquiryDetails, field: str, problems_of: Any,
) -> None:
    assert set(problems_of(draft, complete=False)) == {field}

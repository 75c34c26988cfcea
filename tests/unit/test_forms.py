"""One parser for every card submit: `parse(model, data)` returns the model or raises one
`FormError` with a sentence per input id, worded for the form's audience."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from casestore.config import EnquiryType
from dialogs.forms import Form, FormError, clean_text, clean_values, has_control_characters, parse
from dialogs.members import forms as member
from dialogs.officers import forms as officer

REF = "ENQ-2026-000001"
NONCE = "6f1d0c4e-2b7a-4c1e"


def problems(model: type[Form], data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FormError) as caught:
        parse(model, data)
    return caught.value.problems


def test_both_audiences_share_one_base_and_one_error() -> None:
    assert issubclass(member.CardSubmit, Form)
    assert issubclass(officer.CaseAction, Form)
    assert issubclass(officer.LogForm, Form)


# -- members ------------------------------------------------------------------------------------
def test_a_valid_member_submit_is_typed() -> None:
    form = parse(member.RateResponse, {"reference": " enq-2026-000001 ", "nonce": NONCE,
                                       "rating": "4", "rating_comment": "Quick, thanks"})
    assert (form.reference, form.rating, form.rating_comment) == (REF, 4, "Quick, thanks")
    assert form.arguments() == {"score": 4, "comment": "Quick, thanks"}


def test_a_member_field_of_the_wrong_type_is_named_with_a_sentence() -> None:
    assert problems(member.RateResponse, {"reference": REF, "nonce": NONCE,
                                          "rating": "four"}) == {
        "rating": "Choose a number from the list."}


def test_a_missing_member_field_is_named_with_a_sentence() -> None:
    assert problems(member.CaseView, {}) == {"reference": "Use a reference like ENQ-2026-000123."}
    assert problems(member.Escalate, {"reference": REF, "escalation_reason": "late"}) == {
        "nonce": "This card is out of date. Please start again from a new card."}


def test_an_unknown_member_choice_is_refused() -> None:
    assert problems(member.ListCases, {"status": "lost"}) == {
        "status": "Choose one of the options."}


def test_a_member_card_posted_before_the_rename_still_sends_ref() -> None:
    assert parse(member.CaseView, {"ref": REF}).reference == REF
    assert parse(member.CaseView, {"ref": "ENQ-2026-000009", "reference": REF}).reference == REF


def test_the_error_keeps_what_the_member_typed_but_its_message_names_only_the_fields() -> None:
    with pytest.raises(FormError) as caught:
        parse(member.AddInformation, {"reference": REF, "nonce": NONCE, "information": "  "})
    assert caught.value.problems == {"information": "Type the information to add."}
    assert caught.value.values["information"] == "  "
    assert str(caught.value) == "information"


# -- officers -----------------------------------------------------------------------------------
def test_a_valid_officer_submit_is_typed_and_trimmed() -> None:
    form = parse(officer.AssignForm, {"reference": REF, "nonce": NONCE, "svc": "",
                                      "assign_officer": " dean "})
    assert (form.reference, form.svc, form.assign_officer) == (REF, None, "dean")
    dated = parse(officer.LongTermForm, {"reference": REF, "lt_expected_on": "2027-03-31",
                                         "lt_reason": "Resurfacing"})
    assert dated.lt_expected_on == date(2027, 3, 31)


def test_an_officer_field_of_the_wrong_type_is_named_with_a_sentence() -> None:
    assert problems(officer.QueuePage, {"offset": "many"}) == {
        "offset": "That page does not exist."}
    assert problems(officer.LongTermForm, {"reference": REF, "lt_expected_on": "soon",
                                           "lt_reason": "Resurfacing"}) == {
        "lt_expected_on": "Give the date the works are expected, such as 2027-03-31."}


def test_a_missing_officer_field_is_named_with_a_sentence() -> None:
    assert problems(officer.AssignForm, {"reference": REF}) == {
        "assign_officer": "Choose an officer from the list."}
    assert problems(officer.CaseRef, {}) == {
        "reference": "This card does not name a valid enquiry. Type the reference in chat "
                     "instead."}


def test_an_unknown_officer_choice_is_refused() -> None:
    assert problems(officer.ConvertTypeForm, {"reference": REF, "convert_type": "gossip"}) == {
        "convert_type": "Choose the new type of enquiry from the list."}
    assert parse(officer.ConvertTypeForm, {
        "reference": REF, "convert_type": "report_it"}).convert_type is EnquiryType.REPORT_IT


def test_an_officer_card_posted_before_the_rename_still_sends_ref() -> None:
    assert parse(officer.CaseRef, {"ref": REF, "svc": "roads"}).reference == REF
    with pytest.raises(FormError) as caught:
        parse(officer.CaseRef, {"ref": "ENQ-1"})
    assert set(caught.value.problems) == {"reference"}
    assert caught.value.values == {"reference": "ENQ-1"}


# -- control characters: cleaned, the same for every audience -----------------------------------
@pytest.mark.parametrize(("typed", "kept"), [
    ("pot\x00hole", "pothole"),
    ("line one\r\nline two\tindented", "line one\r\nline two\tindented"),
    ("\x01\x02\x08\x0b\x0c\x0e\x1b\x1f\x7fbell", "bell"),
    ("half an emoji \ud83d", "half an emoji "),
    ("a whole one \U0001f600 and \u00e9 and \u202eRTL", "a whole one \U0001f600 and \u00e9 and "
     "\u202eRTL"),
])
def test_clean_text_removes_control_characters_and_lone_surrogates_only(
    typed: str, kept: str,
) -> None:
    assert clean_text(typed) == kept
    assert not has_control_characters(kept)


def test_every_string_a_card_sends_is_cleaned_before_it_is_validated() -> None:
    form = parse(member.AddInformation, {"reference": f"{REF}\x00", "nonce": NONCE,
                                         "information": "Deeper\x00 now\x07"})
    assert (form.reference, form.information) == (REF, "Deeper now")
    answer = parse(officer.AnswerQuestionForm, {
        "reference": REF, "nonce": "6f1d0c4e-2b7a", "question_id": "a" * 32,
        "answer": "Done\x1b[31m"})
    assert "\x1b" not in json_text(answer.model_dump())


def test_what_a_refused_card_shows_again_is_cleaned_too() -> None:
    with pytest.raises(FormError) as caught:
        parse(member.AddInformation, {"reference": "nope\x00", "nonce": NONCE,
                                      "information": "Deeper\ud800"})
    assert caught.value.values["information"] == "Deeper"
    assert caught.value.values["reference"] == "nope"


def test_nested_card_data_is_cleaned_however_deep() -> None:
    deep: Any = "x\x00"
    for _ in range(10):
        deep = {"k\x00": [deep]}
    assert "\x00" not in json_text(clean_values(deep))


def json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)

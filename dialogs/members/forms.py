"""What a member's card may send: every Action.Execute's data, validated with pydantic.

Card data is client data. Each model states the types, lengths (from `casestore.intake`),
allowed choices and the card's nonce; `dialogs.forms.parse` turns pydantic's errors into one
plain sentence per field, keyed by the card's input id, so the card can be shown again with each
error beside its field. Rules that need the council's data (which service takes which type, ward
colleagues) are checked again by `casestore.intake.check_enquiry`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator

from casestore.intake import (
    MAX_ASK,
    MAX_CC,
    MAX_CONSTITUENT,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_SEARCH_TERM,
    MAX_TEXT,
    EnquiryDetails,
)
from casestore.model import CaseState, Urgency
from dialogs.forms import Form, Reference

SERVICE_TYPE_SEPARATOR = "|"
MAX_PAGE = 10_000
MAX_COMMENT = 1000

Nonce = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
PersonId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class After(StrEnum):
    """Where the member goes once an enquiry is submitted (Sandwell's "where next")."""

    STAY = "stay"
    NEW = "new"
    CASES = "cases"


ANY = "any"  # a ChoiceSet's "no filter" (Adaptive Cards treat an empty choice value as unset)


class StatusFilter(StrEnum):
    ANY = ANY
    ACTIVE = "active"
    OPEN = CaseState.OPEN.value
    ACKNOWLEDGED = CaseState.ACKNOWLEDGED.value
    RESPONDED = CaseState.RESPONDED.value
    LONG_TERM = CaseState.LONG_TERM.value
    REOPENED = CaseState.REOPENED.value
    CLOSED = CaseState.CLOSED.value


def _upper_reference(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _blank_is_false(value: Any) -> Any:
    return False if value is None or (isinstance(value, str) and not value.strip()) else value


class CardSubmit(Form):
    """Every member card's data: a nonce (a fresh uuid4 per rendered card) and, for a cabinet
    secretary, the member they act for."""

    nonce: Nonce
    for_member: PersonId | None = None

    _for_member = field_validator("for_member", mode="before")(_blank_is_none)


class Navigation(CardSubmit):
    """A button that only shows something; old cards without a nonce still work."""

    nonce: Nonce | None = None  # type: ignore[assignment]


class EnquiryForm(CardSubmit):
    service_type: str = Field("", max_length=140)
    ward_id: str = Field("", max_length=64)
    location: str = Field("", max_length=MAX_LOCATION)
    constituent_name: str = Field("", max_length=MAX_CONSTITUENT)
    constituent_contact: str = Field("", max_length=MAX_CONSTITUENT)
    consent_given: bool = False
    description: str = Field("", max_length=MAX_DESCRIPTION)
    ask: str = Field("", max_length=MAX_ASK)
    search_term: str = Field("", max_length=MAX_SEARCH_TERM)
    urgency: Urgency = Urgency.NORMAL
    cc_member_ids: list[PersonId] = Field(default_factory=list, max_length=MAX_CC)
    after: After = After.STAY
    draft_id: int | None = Field(None, ge=1, le=2**62)
    linked_reference: Reference | None = None
    special_category_confirmed: bool = False

    @field_validator("cc_member_ids", mode="before")
    @classmethod
    def _split_choices(cls, value: Any) -> Any:
        """Input.ChoiceSet with isMultiSelect sends "a,b"; a blank means none."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("consent_given", "special_category_confirmed", "urgency", "after",
                     mode="before")
    @classmethod
    def _blank_default(cls, value: Any, info: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return cls.model_fields[info.field_name].default
        return value

    _draft = field_validator("draft_id", mode="before")(_blank_is_none)
    _linked = field_validator("linked_reference", mode="before")(
        lambda v: _upper_reference(_blank_is_none(v)))

    @property
    def service_id(self) -> str:
        return self.service_type.partition(SERVICE_TYPE_SEPARATOR)[0].strip()

    @property
    def enquiry_type(self) -> str:
        return self.service_type.partition(SERVICE_TYPE_SEPARATOR)[2].strip()

    def details(self) -> EnquiryDetails:
        return EnquiryDetails(
            service_id=self.service_id, enquiry_type=self.enquiry_type, ward_id=self.ward_id,
            location=self.location, constituent_name=self.constituent_name,
            constituent_contact=self.constituent_contact, consent_given=self.consent_given,
            description=self.description, ask=self.ask, search_term=self.search_term,
            urgency=self.urgency, cc_member_ids=list(self.cc_member_ids),
            special_category_confirmed=self.special_category_confirmed,
        )


def service_type_value(service_id: str, enquiry_type: str) -> str:
    return f"{service_id}{SERVICE_TYPE_SEPARATOR}{enquiry_type}" if service_id else ""


class NewEnquiry(Navigation):
    linked_reference: Reference | None = None

    _linked = field_validator("linked_reference", mode="before")(
        lambda v: _upper_reference(_blank_is_none(v)))


class CaseView(Navigation):
    reference: Reference

    _ref = field_validator("reference", mode="before")(_upper_reference)


class CaseSubmit(CardSubmit):
    """A button that changes one case (bot.members.cases maps each to its use case)."""

    reference: Reference

    _ref = field_validator("reference", mode="before")(_upper_reference)

    def arguments(self) -> dict[str, Any]:
        """The use case's own keyword arguments (besides reference, actor, now and the key)."""
        return {}


def _required(message: str) -> Any:
    def check(value: str) -> str:
        if not value.strip():
            raise ValueError(message)
        return value
    return check


class RequestUpdate(CaseSubmit):
    update_text: str = Field("", max_length=MAX_TEXT)

    def arguments(self) -> dict[str, Any]:
        return {"text": self.update_text}


class AddInformation(CaseSubmit):
    """Information for the service, or the answer to its question (the same button)."""

    information: str = Field("", max_length=MAX_TEXT)
    special_category_confirmed: bool = False

    _check = field_validator("information")(_required("Type the information to add."))
    _confirmed = field_validator("special_category_confirmed", mode="before")(_blank_is_false)

    def arguments(self) -> dict[str, Any]:
        return {"text": self.information,
                "special_category_confirmed": self.special_category_confirmed}


class CloseCase(CaseSubmit):
    close_reason: str = Field("", max_length=MAX_TEXT)

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.close_reason}


class ReopenCase(CaseSubmit):
    reopen_reason: str = Field("", max_length=MAX_TEXT)

    _check = field_validator("reopen_reason")(
        _required("Say why the enquiry should be reopened."))

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.reopen_reason}


class RateResponse(CaseSubmit):
    rating: int = Field(ge=1, le=5)
    rating_comment: str = Field("", max_length=MAX_COMMENT)

    def arguments(self) -> dict[str, Any]:
        return {"score": self.rating, "comment": self.rating_comment}


class ExtendAutoClose(CaseSubmit):
    extend_days: int = Field(ge=1, le=250)

    def arguments(self) -> dict[str, Any]:
        return {"days": self.extend_days}


class Escalate(CaseSubmit):
    escalation_reason: str = Field("", max_length=MAX_TEXT)

    _check = field_validator("escalation_reason")(
        _required("Say why you are escalating this enquiry."))

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.escalation_reason}


# Each case button's verb and the form its data must fit.
CASE_ACTIONS: dict[str, type[CaseSubmit]] = {
    "member.case.request_update": RequestUpdate,
    "member.case.add_information": AddInformation,
    "member.case.close": CloseCase,
    "member.case.reopen": ReopenCase,
    "member.case.rate": RateResponse,
    "member.case.extend": ExtendAutoClose,
    "member.case.escalate": Escalate,
}


class ListCases(Navigation):
    page: int = Field(0, ge=0, le=MAX_PAGE)
    status: StatusFilter = StatusFilter.ANY
    service: str = Field("", max_length=64)
    ward: str = Field("", max_length=64)
    text: str = Field("", max_length=MAX_SEARCH_TERM)

    @field_validator("page", "status", mode="before")
    @classmethod
    def _blank_default(cls, value: Any, info: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("service", "ward", mode="before")
    @classmethod
    def _any_is_blank(cls, value: Any) -> Any:
        return "" if value in (None, ANY) else value


class DraftChoice(CardSubmit):
    draft_id: int = Field(ge=1, le=2**62)


class DraftOpen(Navigation):
    draft_id: int = Field(ge=1, le=2**62)


class AttachFiles(CaseSubmit):
    token: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    special_category_confirmed: bool = False

    _confirmed = field_validator("special_category_confirmed", mode="before")(_blank_is_false)



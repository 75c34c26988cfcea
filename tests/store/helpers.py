"""Small builders for store tests."""

from __future__ import annotations

from datetime import datetime

from casestore.calendar import LONDON
from casestore.intake import EnquiryDetails
from casestore.model import Actor, ActorKind

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)


def member(person_id: str, on_behalf_of: str | None = None) -> Actor:
    return Actor(person_id, ActorKind.MEMBER, on_behalf_of)


def officer(person_id: str, on_behalf_of: str | None = None) -> Actor:
    return Actor(person_id, ActorKind.OFFICER, on_behalf_of)


def details(ward_id: str, **overrides: object) -> EnquiryDetails:
    values: dict[str, object] = {
        "service_id": "roads",
        "enquiry_type": "report_it",
        "ward_id": ward_id,
        "location": "14 Mill Lane",
        "description": "A deep pothole outside number 14",
        "ask": "Repair it before someone is hurt",
        "search_term": "Mill Lane pothole",
    }
    values.update(overrides)
    return EnquiryDetails(**values)  # type: ignore[arg-type]

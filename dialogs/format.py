"""Plain British English for cards: dates as dates, working days counted, SLA badges, names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from casestore.calendar import LONDON, WorkingCalendar
from casestore.config import ENQUIRY_TYPE_LABELS, CouncilConfig, EnquiryType
from casestore.directory import Directory
from casestore.model import STATE_LABELS, Case, CaseState
from casestore.sla import STATUS_LABELS, DeadlineStatus
from dialogs.text import shown

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

# Adaptive Card colours for a badge (TextBlock "color").
BADGE_COLOURS = {
    DeadlineStatus.ON_TRACK: "Good",
    DeadlineStatus.DUE_SOON: "Warning",
    DeadlineStatus.OVERDUE: "Attention",
    DeadlineStatus.MET: "Good",
    DeadlineStatus.MISSED: "Attention",
    DeadlineStatus.PAUSED: "Accent",
}


def long_date_in(day: date, today: date) -> str:
    """'Friday 4 December', with the year only when it is not the year of `today`."""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def when(at: datetime, today: date) -> str:
    """'Monday 23 November at 10:15' in London time."""
    local = at.astimezone(LONDON)
    day = long_date_in(local.date(), today)
    return f"{day} at {local:%H:%M}"


def working_days_phrase(n: int) -> str:
    return "1 working day" if n == 1 else f"{n} working days"


def due_phrase(due_on: date, calendar: WorkingCalendar, today: date) -> str:
    """'Friday 4 December (in 3 working days)', 'today', or '(2 working days ago)'."""
    label = long_date_in(due_on, today)
    if due_on == today:
        return f"{label} (today)"
    gap = calendar.working_days_between(today, due_on)
    if gap > 0:
        return f"{label} (in {working_days_phrase(gap)})"
    if gap == 0:  # due on a non-working day that is already past in working terms
        return f"{label}"
    return f"{label} ({working_days_phrase(-gap)} ago)"


def badge_text(status: DeadlineStatus | None) -> str:
    return STATUS_LABELS[status] if status else ""


def badge_colour(status: DeadlineStatus | None) -> str:
    return BADGE_COLOURS.get(status, "Default") if status else "Default"


def state_label(state: CaseState) -> str:
    return STATE_LABELS[state]


def type_label(enquiry_type: str) -> str:
    try:
        return ENQUIRY_TYPE_LABELS[EnquiryType(enquiry_type)]
    except ValueError:
        return enquiry_type.replace("_", " ").capitalize()


def service_name(config: CouncilConfig, service_id: str) -> str:
    for service in config.services:
        if service.id == service_id:
            return service.name
    return service_id


def ward_name(config: CouncilConfig, ward_id: str) -> str:
    for ward in config.wards:
        if ward.id == ward_id:
            return ward.name
    return ward_id


def person_name(directory: Directory, person_id: str | None) -> str:
    if not person_id:
        return "nobody yet"
    if person_id == "system":
        return "Member Enquiries"
    person = directory.find(person_id)
    return person.display_name if person else person_id


def actor_phrase(directory: Directory, actor_id: str, on_behalf_of_id: str | None) -> str:
    """'Hayley Naughton for Cllr Sarah Okafor' when someone acted on another's behalf."""
    name = person_name(directory, actor_id)
    if on_behalf_of_id and on_behalf_of_id != actor_id:
        return f"{name} for {person_name(directory, on_behalf_of_id)}"
    return name


def case_title(case: Case, config: CouncilConfig) -> str:
    where = f" at {shown(case.location)}" if case.location else ""
    return f"{case.reference or 'Draft'}: {service_name(config, case.lead_service)}{where}"


def text_block(text: str, **props: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def fact_set(facts: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": t, "value": shown(v)} for t, v in facts if v]}


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None,
         **props: Any) -> dict[str, Any]:
    """An Adaptive Card 1.5 as Teams renders it."""
    result: dict[str, Any] = {
        "type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body,
        **props,
    }
    if actions:
        result["actions"] = actions
    return result


def execute(title: str, verb: str, data: dict[str, Any] | None = None,
            **props: Any) -> dict[str, Any]:
    """An Action.Execute (Universal Action): Teams sends an invoke and shows the card we return."""
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data or {}, **props}

"""The new-enquiry form and the special-category warning.

The form has every field of an enquiry (issue 3, item 4); shown again after a refused submit, it
keeps what was typed and puts each error beside its field. Nothing on it is `isRequired`: the
server checks everything, and a draft may be saved half-filled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casestore.intake import (
    MAX_ASK,
    MAX_CONSTITUENT,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_SEARCH_TERM,
)
from casestore.model import Case
from dialogs.format import card, text_block, type_label
from dialogs.members.cards import (
    Acting,
    Banner,
    Card,
    Element,
    MemberView,
    action,
    banner_block,
    heading,
    subtle,
)
from dialogs.members.forms import After, service_type_value

# The form's fields, in the order a card carries them back (the warning card's data).
FORM_FIELDS = (
    "for_member", "service_type", "ward_id", "location", "description", "ask",
    "constituent_name", "constituent_contact", "consent_given", "search_term", "cc_member_ids",
    "urgency", "after",
)

# casestore.intake's problem keys -> the input the error belongs beside.
PROBLEM_INPUT = {"service_id": "service_type", "enquiry_type": "service_type"}

URGENCY_GUIDANCE = (
    "Urgent matters, where someone is at risk or there is a danger to the public, should be "
    "raised straight away by phone with the service's Head of Service; do not wait for a reply "
    "here. Marking an enquiry urgent flags it to the service, but the working-day response "
    "times stay the same."
)
CONSENT_GUIDANCE = (
    "Only give a constituent's details if they have agreed to you sharing them, and only what "
    "the service needs to act. Do not include special category data (health, ethnic origin, "
    "religion or beliefs, political opinions or sexual orientation) unless it is essential."
)


def values_of_case(case: Case) -> dict[str, Any]:
    """A draft (or a closed case being followed up) as the form's values."""
    return {
        "service_type": service_type_value(case.lead_service, case.enquiry_type),
        "ward_id": case.ward_id, "location": case.location, "description": case.description,
        "ask": case.ask, "constituent_name": case.constituent_name,
        "constituent_contact": case.constituent_contact,
        "consent_given": "true" if case.consent_given else "false",
        "search_term": case.search_term, "cc_member_ids": ",".join(case.cc_member_ids),
        "urgency": case.urgency.value,
    }


def values_for_follow_up(case: Case) -> dict[str, Any]:
    """A closed case's where and what, for a new enquiry that follows it up (not its text, nor
    the constituent: the member says afresh what is wrong and who agreed)."""
    values = values_of_case(case)
    for key in ("description", "ask", "constituent_name", "constituent_contact", "consent_given"):
        values.pop(key)
    return values


def errors_by_input(problems: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, message in problems.items():
        out.setdefault(PROBLEM_INPUT.get(key, key), message)
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _error(errors: Mapping[str, str], input_id: str) -> list[Element]:
    message = errors.get(input_id)
    if not message:
        return []
    return [text_block(message, color="Attention", size="Small", spacing="None")]


def _choice(title: str, value: str) -> dict[str, str]:
    return {"title": title, "value": value}


def _service_type_choices(view: MemberView) -> list[dict[str, str]]:
    return [
        _choice(f"{service.name}: {type_label(t)}", service_type_value(service.id, t.value))
        for service in view.config.services for t in service.enquiry_types
    ]


def _ward_colleagues(view: MemberView, ward_id: str, member_id: str) -> list[dict[str, str]]:
    return [_choice(p.display_name, p.id)
            for p in view.directory.ward_members(ward_id, on=view.today) if p.id != member_id]


def enquiry_form(
    view: MemberView, acting: Acting, *, values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None, draft_id: int | None = None,
    linked_reference: str | None = None, banner: Banner | None = None,
) -> Card:
    """The new-enquiry card. `values` are what the member typed (strings, as a card sends them);
    `errors` maps input ids to sentences shown beside them."""
    values = dict(values or {})
    errors = dict(errors or {})
    member = acting.member
    ward_id = _text(values.get("ward_id")) or (member.ward_id or "")

    def value(key: str, default: str = "") -> str:
        return _text(values.get(key)) or default

    def text_input(input_id: str, label: str, limit: int, **props: Any) -> list[Element]:
        return [{"type": "Input.Text", "id": input_id, "label": label, "maxLength": limit,
                 "value": value(input_id), **props}, *_error(errors, input_id)]

    title = "New enquiry"
    if draft_id:
        title = "Draft enquiry"
    if linked_reference:
        title = f"New enquiry following up {linked_reference}"
    body: list[Element] = [*banner_block(banner), heading(title)]
    top = len(body)
    if acting.members:
        body += [{"type": "Input.ChoiceSet", "id": "for_member", "label": "Raise this for",
                  "style": "compact", "value": value("for_member", member.id),
                  "choices": [_choice(m.display_name, m.id) for m in acting.members]},
                 *_error(errors, "for_member")]
    body += [
        {"type": "Input.ChoiceSet", "id": "service_type", "style": "filtered",
         "label": "Service area and type of enquiry", "value": value("service_type"),
         "placeholder": "Choose or type to search", "choices": _service_type_choices(view)},
        *_error(errors, "service_type"),
        {"type": "Input.ChoiceSet", "id": "ward_id", "label": "Ward", "style": "compact",
         "value": ward_id, "choices": [_choice(w.name, w.id) for w in view.config.wards]},
        *_error(errors, "ward_id"),
        *text_input("location", "Location (address, street or postcode)", MAX_LOCATION,
                    placeholder="For example: outside 14 Mill Lane, MV3 2AB"),
        *text_input("description", "Describe the enquiry", MAX_DESCRIPTION, isMultiline=True),
        *text_input("ask", "The ask: what outcome would you like?", MAX_ASK, isMultiline=True),
        heading("Constituent (optional)", "Medium"),
        subtle(CONSENT_GUIDANCE),
        *text_input("constituent_name", "Constituent's name", MAX_CONSTITUENT),
        *text_input("constituent_contact", "Constituent's contact details", MAX_CONSTITUENT),
        {"type": "Input.Toggle", "id": "consent_given", "valueOn": "true", "valueOff": "false",
         "value": value("consent_given", "false"),
         "title": "The constituent has agreed to me sharing these details"},
        *_error(errors, "consent_given"),
        *text_input("search_term", "Your search term (to find this enquiry later)",
                    MAX_SEARCH_TERM, placeholder="For example: Mill Lane pothole"),
    ]
    colleagues = _ward_colleagues(view, ward_id, member.id)
    if colleagues:
        body += [{"type": "Input.ChoiceSet", "id": "cc_member_ids", "isMultiSelect": True,
                  "style": "expanded", "label": "Copy in ward colleagues",
                  "value": value("cc_member_ids"), "choices": colleagues},
                 *_error(errors, "cc_member_ids")]
    body += [
        {"type": "Input.ChoiceSet", "id": "urgency", "label": "Urgency", "style": "expanded",
         "value": value("urgency", "normal"),
         "choices": [_choice("Normal", "normal"), _choice("Urgent", "urgent")]},
        *_error(errors, "urgency"),
        subtle(URGENCY_GUIDANCE, spacing="None"),
        {"type": "Input.ChoiceSet", "id": "after", "label": "After submitting",
         "style": "expanded", "value": value("after", After.STAY.value),
         "choices": [_choice("Show the acknowledgement", After.STAY.value),
                     _choice("Start another enquiry", After.NEW.value),
                     _choice("Go to my cases", After.CASES.value)]},
    ]
    if errors:  # what is not beside an input on this card goes at the top
        shown = {e["id"] for e in body if str(e.get("type", "")).startswith("Input.")}
        general = [text_block(message, color="Attention") for key, message in errors.items()
                   if key not in shown]
        body[top:top] = [text_block("Please check the fields marked below. Nothing has been "
                                    "sent yet.", color="Attention", weight="Bolder"), *general]
    hidden = {"draft_id": draft_id, "linked_reference": linked_reference}
    actions = [
        {**action("Submit", "member.enquiry.submit", **hidden), "style": "positive"},
        action("Save draft", "member.enquiry.save_draft", **hidden),
    ]
    if draft_id:
        actions.append(action("Discard draft", "member.draft.discard", draft_id=draft_id))
    return card(body, actions)


def special_category_card(
    view: MemberView, values: Mapping[str, Any], categories: Sequence[str], *,
    draft_id: int | None = None, linked_reference: str | None = None,
) -> Card:
    """Before anything is stored: the text looks like special category data (UK GDPR art. 9)."""
    carried: dict[str, Any] = {key: _text(values.get(key)) for key in FORM_FIELDS
                               if key in values}
    carried.update({"draft_id": draft_id, "linked_reference": linked_reference})
    kinds = ", ".join(categories)
    body = [
        heading("Before you submit", "Large"),
        text_block(f"This enquiry looks like it may include special category data: {kinds}.",
                   color="Warning", weight="Bolder"),
        text_block("Under UK GDPR this should be shared only when the service really needs it "
                   "and the constituent has agreed. Edit the enquiry to take it out, or confirm "
                   "that it is needed."),
        subtle("Nothing has been stored yet."),
    ]
    return card(body, [
        action("Edit", "member.enquiry.edit", **carried),
        {**action("Confirm and submit", "member.enquiry.submit",
                  special_category_confirmed="true", **carried), "style": "positive"},
    ])

"""The member's cards in personal chat: the shared pieces, welcome, help and acknowledgement.

Pure functions: data in, Adaptive Card 1.5 JSON out. Every Action.Execute button of every
rendered card carries its own fresh nonce (uuid4) in `data.nonce`: the flows pass it to the use
case as the idempotency key, so a double click or a re-delivered invoke makes one change, while
two different buttons of one card never collide. The enquiry form is in `dialogs.members.form`,
the case detail in `dialogs.members.case`, lists (my cases, drafts, files) in
`dialogs.members.lists`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from casestore.config import CouncilConfig
from casestore.directory import Directory, Person
from casestore.model import Case, Urgency
from casestore.sla import SlaPolicy
from dialogs.format import (
    card,
    due_phrase,
    execute,
    fact_set,
    long_date_in,
    person_name,
    service_name,
    text_block,
    type_label,
    ward_name,
    when,
    working_days_phrase,
)

Card = dict[str, Any]
Element = dict[str, Any]


def new_nonce() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class MemberView:
    """What every member card needs to speak plainly: the council, its people, its SLAs, now."""

    config: CouncilConfig
    directory: Directory
    policy: SlaPolicy
    now: datetime

    @property
    def today(self) -> date:
        return self.policy.calendar.local_date(self.now)

    def day(self, on: date) -> str:
        return long_date_in(on, self.today)

    def due(self, on: date) -> str:
        return due_phrase(on, self.policy.calendar, self.today)

    def at(self, moment: datetime) -> str:
        return when(moment, self.today)

    def name(self, person_id: str | None) -> str:
        return person_name(self.directory, person_id)

    def service(self, service_id: str) -> str:
        return service_name(self.config, service_id)

    def ward(self, ward_id: str) -> str:
        return ward_name(self.config, ward_id)


@dataclass(frozen=True)
class Banner:
    """A line at the top of a card: what just happened, or why it could not."""

    text: str
    good: bool = True


@dataclass(frozen=True)
class Acting:
    """Who is using the chat, and for which member (a cabinet secretary acts for one)."""

    person: Person
    member: Person
    members: Sequence[Person] = field(default_factory=tuple)  # a secretary's choices

    @property
    def for_member(self) -> str | None:
        return self.member.id if self.member.id != self.person.id else None


def action(title: str, verb: str, **data: Any) -> dict[str, Any]:
    """An Action.Execute with a fresh nonce in its data (None values are left out)."""
    payload = {"nonce": new_nonce(), **{k: v for k, v in data.items() if v is not None}}
    return execute(title, verb, payload)


def action_set(*actions: dict[str, Any], **props: Any) -> Element:
    return {"type": "ActionSet", "actions": list(actions), **props}


def banner_block(banner: Banner | None) -> list[Element]:
    if banner is None:
        return []
    return [{
        "type": "Container", "style": "good" if banner.good else "attention", "bleed": True,
        "items": [text_block(banner.text, weight="Bolder")],
    }]


def heading(text: str, size: str = "Large") -> Element:
    return text_block(text, size=size, weight="Bolder")


def subtle(text: str, **props: Any) -> Element:
    return text_block(text, isSubtle=True, size="Small", **props)


def message_card(text: str, *, good: bool | None = None,
                 actions: Sequence[tuple[str, str]] = ()) -> Card:
    """A short message, optionally coloured, with navigation buttons (title, verb)."""
    props = {} if good is None else {"color": "Good" if good else "Attention"}
    return card([text_block(text, **props)],
                [action(title, verb) for title, verb in actions] or None)


def _home_actions(acting: Acting | None = None) -> list[dict[str, Any]]:
    for_member = acting.for_member if acting else None
    return [
        action("New enquiry", "member.enquiry.new", for_member=for_member),
        action("My cases", "member.cases.list", for_member=for_member),
        action("Drafts", "member.drafts.list", for_member=for_member),
        action("Help", "member.help"),
    ]


def welcome_card(view: MemberView, acting: Acting) -> Card:
    person = acting.person
    who = person.display_name
    lines = [
        "Raise an enquiry for a constituent, follow it to its answer and keep every case in "
        "one place. Services acknowledge within "
        f"{working_days_phrase(view.config.sla.acknowledge_days)} and respond within "
        f"{working_days_phrase(view.config.sla.response_days)}; you can escalate after "
        f"{working_days_phrase(view.config.sla.escalation_after_days)} if there is no "
        "resolution.",
    ]
    if acting.members:
        names = ", ".join(m.display_name for m in acting.members)
        lines.append(f"You can raise and follow enquiries for {names}.")
    body = [heading(f"Welcome to Member Enquiries, {who}"), *map(text_block, lines),
            subtle("Type **help** at any time to see what you can say.")]
    return card(body, _home_actions(acting))


HELP_COMMANDS = [
    ("new enquiry", "Raise a new enquiry (or just \"new\")"),
    ("my cases", "Your enquiries, 10 at a time, with filters (or \"cases\")"),
    ("find <words>", "Search by reference, your search term, the address or the text"),
    ("case ENQ-2026-000123", "Open one enquiry (or just type its reference, e.g. 2026-123)"),
    ("drafts", "Enquiries you saved and have not submitted yet"),
    ("help", "This list"),
]


def help_card(view: MemberView, note: str = "", acting: Acting | None = None) -> Card:
    body: list[Element] = []
    if note:
        body.append(text_block(note, weight="Bolder"))
    body += [
        heading("What you can say", "Medium"),
        fact_set(HELP_COMMANDS),
        text_block("To add a photo or document to an enquiry, send the file in this chat with "
                   "the enquiry's reference in the message (for example ENQ-2026-000123)."),
        subtle("Dates are working days: Monday to Friday, not counting bank holidays or the "
               "council's closure days."),
    ]
    return card(body, _home_actions(acting))


# -- acknowledgement ------------------------------------------------------------------------------

def acknowledgement_card(view: MemberView, case: Case, *, duplicate: bool = False) -> Card:
    """What the member sees once an enquiry is in: the reference and real dates to hold us to."""
    ref = case.reference or ""
    f = view.policy.figures(case.lead_service)
    body: list[Element] = [
        heading(f"Enquiry {ref} raised", "Large"),
        text_block(f"{view.service(case.lead_service)} has your enquiry. Keep the reference "
                   "to follow it up.", spacing="Small"),
    ]
    if duplicate:
        body.append(subtle("You had already submitted this card; it made one enquiry."))
    if case.raised_by_id != case.member_id:
        body.append(text_block(f"Raised by {view.name(case.raised_by_id)} for "
                               f"{view.name(case.member_id)}."))
    body.append(fact_set([
        ("Reference", ref),
        ("Service", view.service(case.lead_service)),
        ("Type", type_label(case.enquiry_type)),
        ("Ward", view.ward(case.ward_id)),
        ("Location", case.location),
        ("Urgency", "Urgent" if case.urgency is Urgency.URGENT else ""),
    ]))
    dates: list[tuple[str, str]] = []
    for label, due_on in (("Acknowledged by", case.acknowledge_due_on),
                          ("First response by", case.response_due_on),
                          ("Completed by", case.completion_due_on)):
        if due_on is not None:
            dates.append((label, view.due(due_on)))
    if case.escalation_from_on:
        dates.append(("You can escalate from", view.day(case.escalation_from_on)))
    body += [heading("What happens next", "Medium"), fact_set(dates),
             subtle(f"{view.service(case.lead_service)} aims to acknowledge within "
                    f"{working_days_phrase(f.acknowledge_days)}, respond within "
                    f"{working_days_phrase(f.response_days)} and complete the work within "
                    f"{working_days_phrase(f.completion_days)}; you can escalate once "
                    f"{working_days_phrase(f.escalation_after_days)} have passed.")]
    if case.clock_start_on and case.clock_start_on != view.today:
        body.append(subtle(f"It arrived after the daily cut-off or on a non-working day, so the "
                           f"working days count from {view.day(case.clock_start_on)}."))
    if case.cc_member_ids:
        names = ", ".join(view.name(m) for m in case.cc_member_ids)
        body.append(text_block(f"{names} will be told you copied them in."))
    body.append(subtle("Working days are Monday to Friday, not counting bank holidays or the "
                       "council's closure days."))
    for_member = case.member_id if case.raised_by_id != case.member_id else None
    return card(body, [
        action("Open case", "member.case.open", reference=ref, for_member=for_member),
        action("New enquiry", "member.enquiry.new", for_member=for_member),
        action("My cases", "member.cases.list", for_member=for_member),
    ])

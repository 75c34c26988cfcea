"""Officers' cards outside a case thread: help, "my queue", and logging an enquiry for a member."""

from __future__ import annotations

from typing import Any

from casestore.config import ENQUIRY_TYPE_LABELS
from casestore.directory import Directory, Person
from casestore.model import Case
from casestore.records import Page
from dialogs.format import (
    badge_colour,
    badge_text,
    card,
    case_title,
    execute,
    state_label,
    text_block,
)
from dialogs.officers.actions import Values, choice_input, text_input, toggle_input
from dialogs.officers.view import CardEnv, Element, banner, case_facts

Card = dict[str, Any]
QUEUE_PAGE = 10


def help_card(person: Person, env: CardEnv, *, service_id: str | None = None,
              in_channel: bool = False, notice: str = "") -> Card:
    prefix = env.config.council.internal_prefix
    body: list[Element] = [text_block("Member Enquiries: help for officers", weight="Bolder",
                                      size="Medium")]
    if notice:
        body.append(banner(notice, "attention"))
    if in_channel and service_id:
        body.append(text_block(
            f"Each enquiry for {env.service(service_id)} arrives here as a thread with its case "
            "card. Reply in the thread to answer the councillor; start a reply with "
            f"\u201c{prefix}\u201d to keep it as a note for officers only. The card's buttons "
            "acknowledge, assign, redirect, add a service, change the type, mark long-term and "
            "close."))
    else:
        body.append(text_block(
            "Type **my queue** to see the open enquiries of your service areas, **questions** "
            "for the questions other officers have put to you or your service areas, a "
            "reference such as ENQ-2026-000123 to open one, or **log for** and a councillor's "
            "name to log an enquiry on their behalf."))
    body.append(text_block(
        "To log an enquiry for a councillor, post \u201clog for\u201d and their name in your "
        "service's channel, or use the button.", isSubtle=True))
    data = {"svc": service_id} if service_id else {}
    actions = [execute("Log an enquiry for a councillor", "officer.log_form", data)]
    if not in_channel:
        actions[:0] = [execute("My queue", "officer.queue", {"offset": 0}),
                       execute("Questions for you", "officer.questions")]
    return card(body, actions)


def _queue_item(case: Case, env: CardEnv) -> Element:
    status = env.policy.badge(case, env.now)
    who = env.name(case.assignee_id) if case.assignee_id else "not assigned"
    due = case.response_due_on if case.first_response_at is None else case.completion_due_on
    detail = f"{state_label(case.state)} · {who}"
    if due:
        detail += f" · due {env.day(due)}"
    return {
        "type": "Container", "separator": True,
        "selectAction": execute("Open", "officer.open", {"reference": case.reference}),
        "items": [
            {"type": "ColumnSet", "columns": [
                {"type": "Column", "width": "stretch",
                 "items": [text_block(case_title(case, env.config), weight="Bolder")]},
                {"type": "Column", "width": "auto", "items": [text_block(
                    badge_text(status), weight="Bolder", color=badge_colour(status))]},
            ]},
            text_block(f"{env.name(case.member_id)} · {detail}", isSubtle=True, spacing="None"),
        ],
    }


def queue_card(page: Page, env: CardEnv) -> Card:
    """A page of open enquiries in the officer's services (and those they cover), with badges."""
    if not page.total:
        return card([text_block("Your queue", weight="Bolder", size="Medium"),
                     text_block("There are no open enquiries in your service areas.")])
    first, last = page.offset + 1, page.offset + len(page.cases)
    body: list[Element] = [
        text_block("Your queue", weight="Bolder", size="Medium"),
        text_block(f"Open enquiries {first} to {last} of {page.total}. Select one to open it.",
                   isSubtle=True, spacing="None"),
    ]
    body += [_queue_item(case, env) for case in page.cases]
    actions = []
    if page.offset > 0:
        actions.append(execute("Previous", "officer.queue",
                               {"offset": max(0, page.offset - page.limit)}))
    if page.has_more:
        actions.append(execute("Next", "officer.queue", {"offset": page.offset + page.limit}))
    return card(body, actions)


def log_form(env: CardEnv, *, nonce: str, service_id: str | None = None,
             values: Values | None = None, problems: dict[str, str] | None = None,
             notice: str = "", tone: str = "attention") -> Card:
    """Log an enquiry on a councillor's behalf: they are told it was logged for them."""
    v = values or {}
    problems = problems or {}
    members = [(f"{m.display_name} ({_ward(env, m)})", m.id)
               for m in sorted(env.directory.members(), key=lambda p: p.name)
               if m.left_office_on is None or m.left_office_on > env.today]
    services = [(s.name, s.id) for s in env.config.services]
    types = [(label, t.value) for t, label in ENQUIRY_TYPE_LABELS.items()]
    wards = [(w.name, w.id) for w in env.config.wards]
    inputs = [
        choice_input("log_member", "Councillor", members, v),
        choice_input("log_service", "Service area", services, v, default=service_id or ""),
        choice_input("log_type", "Type of enquiry", types, v),
        choice_input("log_ward", "Ward (leave blank for the councillor's own)", wards, v,
                     required=False),
        text_input("log_location", "Location or address", v, multiline=False, required=False,
                   max_length=300),
        text_input("log_description", "Description", v, max_length=4000),
        text_input("log_ask", "The ask: what outcome does the councillor want?", v,
                   max_length=2000),
        text_input("log_search_term", "Search term (optional)", v, multiline=False,
                   required=False, max_length=100),
        text_input("log_constituent_name", "Constituent's name (optional)", v, multiline=False,
                   required=False, max_length=200),
        text_input("log_constituent_contact", "Constituent's contact details (optional)", v,
                   multiline=False, required=False, max_length=200),
        toggle_input("log_consent", "The constituent agreed to their details being shared", v),
        toggle_input("log_urgent", "Urgent", v),
        toggle_input("log_special", "Any special category data (health, ethnicity, beliefs...) "
                     "is needed and the constituent agreed", v),
    ]
    body: list[Element] = [text_block("Log an enquiry for a councillor", weight="Bolder",
                                      size="Medium")]
    if notice:
        body.append(banner(notice, tone))
    body.append(text_block("It is recorded as raised by you for the councillor, who is told in "
                           "their chat.", isSubtle=True))
    for element in inputs:
        body.append(element)
        if element["id"] in problems:
            body.append(text_block(problems[element["id"]], color="Attention", spacing="None",
                                   size="Small"))
    data: dict[str, Any] = {"nonce": nonce}
    if service_id:
        data["svc"] = service_id
    return card(body, [execute("Log enquiry", "officer.log_submit", data, style="positive")])


def find_members(directory: Directory, who: str) -> list[Person]:
    """Councillors matching "log for <name or id>": an exact id, else every word in the name."""
    words = [w for w in who.lower().replace(",", " ").split()
             if w not in ("cllr", "cllr.", "councillor")]
    if not words:
        return []
    members = directory.members()
    exact = [m for m in members if m.id == "-".join(words)]
    return exact or [m for m in members if all(w in m.name.lower().split() for w in words)]


def _ward(env: CardEnv, member: Person) -> str:
    return next((w.name for w in env.config.wards if w.id == member.ward_id), "")


def logged_card(case: Case, env: CardEnv) -> Card:
    member = env.name(case.member_id)
    return card([
        text_block(case_title(case, env.config), weight="Bolder", size="Medium"),
        banner(f"Logged {case.reference} for {member}. They have been told, and the enquiry "
               f"will appear as a thread in the {env.service(case.lead_service)} channel.",
               "good"),
        case_facts(case, env),
    ], [execute("Open", "officer.open", {"reference": case.reference})])

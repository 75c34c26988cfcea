"""The case card: the root of each case's thread, replaced in place after every officer action.

`case_card` shows the reference, member, ward, type, location, description, the ask, deadlines
with their SLA badges, attachments, questions put to other officers, the assignee and state, and
the actions the state allows (`dialogs.officers.actions`). Seen from a service the case has left,
it becomes `moved_card`; a refused submit comes back as `form_card`, with the officer's words and
what to fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from casestore.model import Case
from casestore.questions import Question
from dialogs.format import card, execute, text_block
from dialogs.officers.actions import FORMS, Values, case_actions, submit_action
from dialogs.officers.questions import questions_section
from dialogs.officers.view import (
    CardEnv,
    Element,
    FileInfo,
    banner,
    case_facts,
    deadline_rows,
    files_block,
    headline,
    quote,
    status_notes,
    text_section,
)

Card = dict[str, Any]

THREAD_HINT = ("Reply in this thread to answer {member}: your reply goes to them. Start with "
               "\u201c{prefix}\u201d to keep a note for officers only.")


def new_nonce() -> str:
    """A fresh nonce for each rendered card: one card, one action (a retried click is a no-op)."""
    return str(uuid.uuid4())


def card_data(case: Case, nonce: str, service_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"reference": case.reference, "nonce": nonce}
    if service_id:
        data["svc"] = service_id
    return data


def case_card(
    case: Case, env: CardEnv, *, service_id: str | None = None, files: Sequence[FileInfo] = (),
    notice: str = "", tone: str = "good", intro: str = "", nonce: str | None = None,
    questions: Sequence[Question] = (),
) -> Card:
    """The case as officers see it. `service_id` is the thread's service (None in a chat);
    `questions` those put to other officers (read from the case's events)."""
    if service_id and service_id not in case.services:
        return moved_card(case, env, service_id)
    body: list[Element] = headline(case, env)
    if notice:
        body.append(banner(notice, tone))
    if intro:
        body.append(text_block(intro))
    if service_id and service_id != case.lead_service:
        body.append(text_block(f"Joint response: {env.service(case.lead_service)} leads.",
                               color="Accent"))
    body += [text_block(note, color="Accent", spacing="Small") for note in
             status_notes(case, env)]
    body.append(case_facts(case, env))
    body += text_section("Description", case.description)
    body += text_section("The ask", case.ask)
    body += deadline_rows(case, env)
    body += files_block(files)
    data = card_data(case, nonce or new_nonce(), service_id)
    body += questions_section(env, questions, data)
    if service_id and case.is_active:
        body.append(text_block(THREAD_HINT.format(
            member=env.name(case.member_id), prefix=env.config.council.internal_prefix),
            isSubtle=True, size="Small", spacing="Medium"))
    return card(body, case_actions(case, env, data))


def moved_card(case: Case, env: CardEnv, service_id: str, *, reason: str = "",
               by: str = "") -> Card:
    """The old thread's card once the case has been redirected elsewhere: where it went."""
    where = env.service(case.lead_service)
    who = f" by {env.name(by)}" if by else ""
    body: list[Element] = [
        *headline(case, env),
        banner(f"Redirected{who} to {where}. The enquiry continues in that service's channel; "
               f"this thread stays as the record of its time with {env.service(service_id)}.",
               "warning"),
    ]
    if reason:
        body += [text_block("Why", weight="Bolder"), quote(reason)]
    body.append(case_facts(case, env))
    return card(body)


def form_card(
    case: Case, env: CardEnv, verb: str, *, values: Values, problems: dict[str, str],
    message: str, service_id: str | None = None, nonce: str | None = None,
) -> Card:
    """One form on its own, as the officer filled it in, with what to fix under each input."""
    spec = FORMS[verb]
    data = card_data(case, nonce or new_nonce(), service_id)
    body: list[Element] = [*headline(case, env), banner(message, "attention")]
    for element in spec.inputs(case, env, values):
        body.append(element)
        problem = problems.get(str(element.get("id", "")))
        if problem:
            body.append(text_block(problem, color="Attention", spacing="None", size="Small"))
    actions = [submit_action(spec, data), execute("Cancel", "officer.refresh", data)]
    return card(body, actions)


def message_card(text: str, *, title: str = "", tone: str = "") -> Card:
    """A short answer: a refusal, a confirmation, an explanation."""
    body: list[Element] = [text_block(title, weight="Bolder")] if title else []
    body.append(banner(text, tone) if tone else text_block(text))
    return card(body)

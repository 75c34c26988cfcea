"""Questions between officers on cards: the question with its Answer form, the case card's list
of questions (each open one with a Withdraw form), and the responder's "questions for you".

An answer input is `answer_<question id>` and a withdrawal reason `withdraw_<question id>`, so
several questions on one card never share an input. Buttons carry `{ref, question_id, nonce}`.
Nothing here is ever shown to a member.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casestore.intake import MAX_TEXT
from casestore.model import Case
from casestore.questions import Question, QuestionStatus
from dialogs.format import card, case_title, execute, text_block
from dialogs.officers.actions import Values, text_input
from dialogs.officers.view import CardEnv, Element, banner, case_facts, quote, text_section
from dialogs.text import shown_excerpt

Card = dict[str, Any]
EXCERPT = 300
SHORT = 150  # on the case card, which must stay under Teams' 28 KB with everything else
OPEN_SHOWN = 3
CLOSED_SHOWN = 2
INTERNAL = "Internal: the answer goes to the officers working on the enquiry, never to the " \
           "councillor."


def answer_input_id(q: Question) -> str:
    return f"answer_{q.id}"


def withdraw_input_id(q: Question) -> str:
    return f"withdraw_{q.id}"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """What someone typed, cut to `limit` characters and shown as text (never Markdown)."""
    return shown_excerpt(text, limit)


def addressee(q: Question, env: CardEnv) -> str:
    return env.name(q.to_officer) if q.to_officer else env.service(q.to_service)


def asker(q: Question, env: CardEnv) -> str:
    where = f" ({env.service(q.asked_in)})" if q.asked_in else ""
    return f"{env.name(q.asked_by)}{where}"


def outcome_line(q: Question, env: CardEnv) -> str:
    if q.status is QuestionStatus.ANSWERED:
        return f"Answered by {env.name(q.closed_by)} on {env.at(q.closed_at)}."
    if q.status is QuestionStatus.WITHDRAWN:
        return (f"Withdrawn by {env.name(q.closed_by)} on {env.at(q.closed_at)}. No answer is "
                "needed.")
    return "Waiting for an answer."


def question_data(case: Case, q: Question, nonce: str, service_id: str | None = None,
                  **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"reference": case.reference, "question_id": q.id, "nonce": nonce,
                            **extra}
    if service_id:
        data["svc"] = service_id
    return data


def answer_button(data: dict[str, Any]) -> Element:
    return execute("Send answer", "officer.answer_question", data, style="positive")


def question_card(
    case: Case, env: CardEnv, q: Question, *, nonce: str, service_id: str | None = None,
    notice: str = "", tone: str = "good", values: Values | None = None, problem: str = "",
) -> Card:
    """The question as its addressee sees it: who asks, the question, the enquiry in brief,
    and, while it is open, the Answer form; once closed, how it was closed."""
    body: list[Element] = [
        text_block(f"Question on {case.reference}", weight="Bolder", size="Medium"),
        text_block(case_title(case, env.config), isSubtle=True, spacing="None"),
    ]
    if notice:
        body.append(banner(notice, tone))
    body += [text_block(f"{asker(q, env)} asks {addressee(q, env)}:"), quote(q.text)]
    if not q.is_open:
        body.append(text_block(outcome_line(q, env), weight="Bolder"))
        detail = q.answer if q.status is QuestionStatus.ANSWERED else q.reason
        if detail:
            body.append(quote(detail))
    body += [text_block("The enquiry", weight="Bolder", spacing="Medium"), case_facts(case, env)]
    body += text_section("Description", case.description)
    body += text_section("The ask", case.ask)
    if not q.is_open:
        return card(body)
    body += [text_block(INTERNAL, isSubtle=True, spacing="Medium"),
             text_input(answer_input_id(q), "Your answer", values or {}, max_length=MAX_TEXT)]
    if problem:
        body.append(text_block(problem, color="Attention", spacing="None", size="Small"))
    return card(body, [answer_button(question_data(case, q, nonce, service_id))])


def _open_item(q: Question, env: CardEnv, data: dict[str, Any]) -> Element:
    withdraw = {"type": "Action.ShowCard", "title": "Withdraw", "card": {
        "type": "AdaptiveCard",
        "body": [text_input(withdraw_input_id(q), "Why withdraw it? (kept on the record)", {})],
        "actions": [execute("Withdraw question", "officer.withdraw_question",
                            {**data, "question_id": q.id}, style="destructive")]}}
    return {"type": "Container", "separator": True, "items": [
        text_block(f"{asker(q, env)} asked {addressee(q, env)} on {env.at(q.asked_at)}:",
                   isSubtle=True, size="Small"),
        text_block(excerpt(q.text, SHORT), spacing="None"),
        {"type": "ActionSet", "actions": [withdraw]},
    ]}


def _closed_item(q: Question, env: CardEnv) -> Element:
    detail = q.answer if q.status is QuestionStatus.ANSWERED else q.reason
    line = f"{outcome_line(q, env)} {excerpt(detail, SHORT)}" if detail else outcome_line(q, env)
    return {"type": "Container", "separator": True, "items": [
        text_block(f"{asker(q, env)} asked {addressee(q, env)}: {excerpt(q.text, SHORT)}",
                   isSubtle=True, size="Small"),
        text_block(line, spacing="None"),
    ]}


def questions_section(env: CardEnv, questions: Sequence[Question],
                      data: dict[str, Any]) -> list[Element]:
    """For the case card: open questions with a Withdraw form each, then the latest closed."""
    if not questions:
        return []
    waiting = [q for q in questions if q.is_open]
    closed = [q for q in questions if not q.is_open]
    title = f"Questions to officers ({len(waiting)} waiting)" if waiting else \
        "Questions to officers"
    body: list[Element] = [text_block(title, weight="Bolder", spacing="Medium")]
    body += [_open_item(q, env, data) for q in waiting[:OPEN_SHOWN]]
    if len(waiting) > OPEN_SHOWN:
        body.append(text_block(f"{len(waiting) - OPEN_SHOWN} more are waiting (the oldest are "
                               "shown).", isSubtle=True))
    body += [_closed_item(q, env) for q in closed[-CLOSED_SHOWN:]]
    if len(closed) > CLOSED_SHOWN:
        body.append(text_block(f"{len(closed) - CLOSED_SHOWN} earlier questions are on the "
                               "case's record.", isSubtle=True))
    return body


def _dashboard_item(case: Case, q: Question, env: CardEnv, nonce: str) -> Element:
    data = question_data(case, q, nonce, view="questions")
    answer = {"type": "Action.ShowCard", "title": "Answer", "card": {
        "type": "AdaptiveCard",
        "body": [text_input(answer_input_id(q), "Your answer", {})],
        "actions": [answer_button(data)]}}
    show = execute("Show", "officer.question", {"reference": case.reference, "question_id": q.id})
    return {"type": "Container", "separator": True, "items": [
        text_block(case_title(case, env.config), weight="Bolder"),
        text_block(f"{asker(q, env)} asked {addressee(q, env)} on {env.at(q.asked_at)}:",
                   isSubtle=True, spacing="None"),
        text_block(excerpt(q.text), spacing="Small"),
        {"type": "ActionSet", "actions": [answer, show]},
    ]}


def questions_card(items: Sequence[tuple[Case, Question]], total: int, env: CardEnv, *,
                   nonce: str, notice: str = "", tone: str = "good") -> Card:
    """Questions waiting for this officer, their service areas or whoever they cover."""
    body: list[Element] = [text_block("Questions for you", weight="Bolder", size="Medium")]
    if notice:
        body.append(banner(notice, tone))
    if not items:
        body.append(text_block("No questions are waiting for you or your service areas."))
        return card(body, [execute("Refresh", "officer.questions")])
    shown = f"the {len(items)} waiting longest of {total}" if total > len(items) else \
        f"{total} waiting"
    body.append(text_block(f"Questions from other officers about enquiries: {shown}. "
                           f"{INTERNAL}", isSubtle=True, spacing="None"))
    body += [_dashboard_item(case, q, env, nonce) for case, q in items]
    return card(body, [execute("Refresh", "officer.questions")])

"""Officer-facing cards for what the outbox delivers, one renderer per notification kind.

`case-opened` is the root of a case's thread in a service channel (the case card itself);
the other `thread:<service>` kinds are replies in that thread. Reminder kinds @mention the
assignee through `msteams.entities`. Every renderer is a pure function of a `NoticeContext`.
Payload keys read here: `attachments` ([{filename, size_bytes}], optional, on case-opened), the
event's own fields (`from_service`, `reason`, `text`...), `actor_id`/`on_behalf_of_id`, and for
reminders `due_on` (ISO date), `deadline` and `mention` (a person id), all optional. The
question kinds read `question_id`, `question`, `to_officer`/`to_service`, `asked_in`, `asked_by`
(on an answer or withdrawal; the asker is the actor of `question_asked`), `answer` and `reason`.
"""

from __future__ import annotations

from typing import Any

from casestore.directory import Person
from casestore.questions import Question
from dialogs.format import actor_phrase, card, execute, text_block
from dialogs.notice import Card, NoticeContext, Renderer
from dialogs.officers.actions import FORMS, show_form
from dialogs.officers.cards import card_data, case_card, message_card, new_nonce
from dialogs.officers.questions import addressee, excerpt, question_card
from dialogs.officers.view import (
    CardEnv,
    Element,
    FileInfo,
    banner,
    case_facts,
    deadline_rows,
    headline,
    history_lines,
    mention,
    quote,
    with_mentions,
)
from dialogs.text import shown


def _service_of(recipient: str) -> str | None:
    scheme, _, target = recipient.partition(":")
    return target if scheme in ("thread", "escalation") and target else None


def _who(ctx: NoticeContext) -> str:
    return actor_phrase(ctx.directory, str(ctx.payload.get("actor_id") or "system"),
                        ctx.payload.get("on_behalf_of_id"))


def _missing(ctx: NoticeContext) -> Card:
    return message_card(f"{ctx.payload.get('reference', 'An enquiry')} has changed "
                        "(its details could not be loaded).")


def _files(ctx: NoticeContext) -> list[FileInfo]:
    found = (FileInfo.parse(item) for item in ctx.payload.get("attachments") or [])
    return [f for f in found if f is not None]


def case_opened(ctx: NoticeContext) -> Card:
    """The thread's root: the case card, saying how it got here when it was moved or shared."""
    if ctx.case is None:
        return _missing(ctx)
    env, event = CardEnv.from_notice(ctx), ctx.payload.get("event")
    intro = ""
    if event == "redirected":
        history = "\n".join(f"- {line}" for line in history_lines(ctx.case, env))
        intro = (f"Redirected here from {env.service(ctx.payload.get('from_service'))} by "
                 f"{_who(ctx)}: \u201c{shown(ctx.payload.get('reason', ''))}\u201d\n\nSo far:\n"
                 f"{history}")
    elif event == "service_added":
        intro = (f"{_who(ctx)} added {env.service(ctx.payload.get('service'))} for a joint "
                 f"response.")
    return case_card(ctx.case, env, service_id=_service_of(ctx.recipient), files=_files(ctx),
                     intro=intro)


def case_redirected(ctx: NoticeContext) -> Card:
    """In the old thread: where the case went, who moved it and why."""
    env = CardEnv.from_notice(ctx)
    ref = ctx.payload.get("reference", "")
    to = env.service(ctx.payload.get("to_service"))
    body: list[Element] = [
        text_block(f"{ref} moved to {to}", weight="Bolder", size="Medium"),
        banner(f"Redirected by {_who(ctx)}. It continues in the {to} channel; this thread stays "
               "as the record of its time here.", "warning"),
    ]
    if ctx.payload.get("reason"):
        body += [text_block("Why", weight="Bolder"), quote(str(ctx.payload["reason"]))]
    return card(body)


def _activity_text(ctx: NoticeContext, env: CardEnv) -> tuple[str, str]:
    """(what the member did, their words) for a member-activity event."""
    p, who = ctx.payload, _who(ctx)
    event = p.get("event")
    if event == "information_added":
        done = f"{who} added information."
        if p.get("clock_resumed"):
            done += (f" The clock has restarted: the deadlines moved by "
                     f"{p.get('paused_working_days', 0)} working day(s).")
        return done, str(p.get("text", ""))
    if event == "update_requested":
        return f"{who} asked for an update. Reply in this thread to answer.", str(
            p.get("text", ""))
    if event == "attachment_added":
        return f"{who} added a file: {shown(p.get('filename', 'attachment'))}.", ""
    if event == "rated":
        return f"{who} rated the final response {p.get('rating')} out of 5.", str(
            p.get("comment", ""))
    if event == "auto_close_extended":
        return (f"{who} kept the enquiry open for {p.get('days')} more working day(s); it now "
                f"closes itself on {env.day(p.get('auto_close_on'))}."), ""
    if event == "escalated":
        owner = env.name(env.directory.escalation_owner(ctx.case.lead_service)) if ctx.case \
            else "the escalation owner"
        return (f"{who} escalated the enquiry to {owner}, who should answer by "
                f"{env.day(p.get('escalation_due_on'))}."), str(p.get("reason", ""))
    if event == "closed":
        return f"{who} closed the enquiry.", str(p.get("reason", ""))
    return f"{who} updated the enquiry.", str(p.get("text", ""))


def member_activity(ctx: NoticeContext) -> Card:
    env = CardEnv.from_notice(ctx)
    done, words = _activity_text(ctx, env)
    body: list[Element] = [text_block(f"{ctx.payload.get('reference', '')}: from the member",
                                      weight="Bolder"), text_block(done)]
    if words:
        body.append(quote(words))
    if ctx.case is not None:
        body += deadline_rows(ctx.case, env)
    return card(body)


def case_reopened(ctx: NoticeContext) -> Card:
    if ctx.case is None:
        return _missing(ctx)
    env, case = CardEnv.from_notice(ctx), ctx.case
    body: list[Element] = [
        text_block(f"{case.reference} reopened", weight="Bolder", size="Medium"),
        text_block(f"{_who(ctx)} reopened the enquiry. It needs acknowledging again by "
                   f"{env.day(case.acknowledge_due_on)}."),
    ]
    if ctx.payload.get("reason"):
        body.append(quote(str(ctx.payload["reason"])))
    data = card_data(case, new_nonce(), _service_of(ctx.recipient))
    return card(body, [execute("Acknowledge and claim", "officer.acknowledge", data,
                               style="positive")])


def assigned(ctx: NoticeContext) -> Card:
    """To the officer's chat (their delegate's on leave days): the case card with its buttons."""
    if ctx.case is None:
        return _missing(ctx)
    env = CardEnv.from_notice(ctx)
    notice = (f"{_who(ctx)} assigned this enquiry to "
              f"{env.name(ctx.payload.get('assignee'))}.")
    return case_card(ctx.case, env, notice=notice, tone="default")


def escalation(ctx: NoticeContext) -> Card:
    """To the escalation owner: why, the case so far, and a form to answer."""
    if ctx.case is None:
        return _missing(ctx)
    env, case = CardEnv.from_notice(ctx), ctx.case
    data = card_data(case, new_nonce())
    body: list[Element] = [
        text_block(f"Escalation: {case.reference}", weight="Bolder", size="Medium"),
        banner(f"{_who(ctx)} escalated this enquiry. Please answer by "
               f"{env.day(case.escalation_due_on or ctx.payload.get('escalation_due_on'))}.",
               "warning"),
    ]
    if ctx.payload.get("reason"):
        body += [text_block("Reason", weight="Bolder"), quote(str(ctx.payload["reason"]))]
    body += [case_facts(case, env), text_block("So far", weight="Bolder", spacing="Medium"),
             text_block("\n".join(f"- {line}" for line in history_lines(case, env)))]
    body += deadline_rows(case, env)
    answer = show_form(FORMS["officer.answer_escalation"], case, env, data)
    return card(body, [answer, execute("Open the case", "officer.open",
                                       {"reference": case.reference})])


def _question(ctx: NoticeContext) -> Question:
    """The question as the event told it (delivery has the case, not its log)."""
    p = ctx.payload
    return Question(
        id=str(p.get("question_id", "")), text=str(p.get("question", "")),
        asked_by=str(p.get("asked_by") or p.get("actor_id") or ""), asked_at=ctx.now,
        to_officer=p.get("to_officer"), to_service=p.get("to_service"),
        asked_in=p.get("asked_in"),
    )


def officer_question(ctx: NoticeContext) -> Card:
    """To the officer asked (their cover on leave), or the thread or coordinators of the service
    asked: the question, the enquiry in brief and a form to answer."""
    if ctx.case is None or not ctx.payload.get("question_id"):
        return _missing(ctx)
    env = CardEnv.from_notice(ctx)
    return question_card(ctx.case, env, _question(ctx), nonce=new_nonce(),
                         service_id=_service_of(ctx.recipient))


def question_answered(ctx: NoticeContext) -> Card:
    """In the thread it was asked from: the answer, @mentioning whoever asked."""
    env, q = CardEnv.from_notice(ctx), _question(ctx)
    ref = ctx.payload.get("reference", "")
    person = ctx.directory.find(q.asked_by)
    if person is None:
        what = f"the question {env.name(q.asked_by)} put to {addressee(q, env)}"
    elif q.to_officer == ctx.payload.get("actor_id"):
        what = "your question"
    else:
        what = f"the question you put to {addressee(q, env)}"
    lead = f"{mention(person)[0]}, " if person else ""
    body: list[Element] = [
        text_block(f"{ref}: a question answered", weight="Bolder"),
        text_block(f"{lead}{_who(ctx)} answered {what}:"),
        quote(str(ctx.payload.get("answer", ""))),
        text_block(f"The question: {excerpt(q.text)}", isSubtle=True, size="Small"),
        text_block("Internal: not sent to the member.", isSubtle=True, size="Small",
                   spacing="None"),
    ]
    data: dict[str, Any] = {"reference": ref}
    if _service_of(ctx.recipient):
        data["svc"] = _service_of(ctx.recipient)
    content = card(body, [execute("Open the case", "officer.open", data)])
    return with_mentions(content, [person] if person else [])[0]


def question_withdrawn(ctx: NoticeContext) -> Card:
    """To whoever was asked: the question is withdrawn, no answer is needed, and why."""
    env, q = CardEnv.from_notice(ctx), _question(ctx)
    body: list[Element] = [
        text_block(f"{ctx.payload.get('reference', '')}: question withdrawn", weight="Bolder"),
        text_block(f"{_who(ctx)} withdrew the question {env.name(q.asked_by)} put to "
                   f"{addressee(q, env)}. No answer is needed."),
        text_block(f"The question: {excerpt(q.text)}", isSubtle=True, size="Small"),
    ]
    if ctx.payload.get("reason"):
        body += [text_block("Why", weight="Bolder"), quote(str(ctx.payload["reason"]))]
    return card(body)


REMINDER_TITLES = {
    "ack-due": "acknowledgement due",
    "response-due": "first response due",
    "overdue": "overdue",
    "escalation-reminder": "escalation answer due",
}


def _reminder_person(ctx: NoticeContext) -> Person | None:
    """Whom a reminder @mentions in a channel: the payload's `mention`, else the assignee."""
    if not ctx.recipient.startswith(("thread:", "escalation:")):
        return None
    person_id = ctx.payload.get("mention") or (ctx.case.assignee_id if ctx.case else None)
    if ctx.kind == "escalation-reminder" and ctx.case is not None and not ctx.payload.get(
            "mention"):
        person_id = ctx.directory.escalation_owner(ctx.case.lead_service)
    return ctx.directory.find(person_id) if person_id else None


def reminder_with_entities(ctx: NoticeContext) -> tuple[Card, list[dict[str, Any]]]:
    """An SLA reminder card and the mention entities it carries."""
    env = CardEnv.from_notice(ctx)
    ref = ctx.payload.get("reference", ctx.case.reference if ctx.case else "")
    title = f"{ref}: {REMINDER_TITLES.get(ctx.kind, 'reminder')}"
    due = env.day(ctx.payload.get("due_on"))
    person = _reminder_person(ctx)
    to = f"{mention(person)[0]}, " if person else ""
    what = {"ack-due": "acknowledge", "response-due": "give a first response to",
            "escalation-reminder": "answer the escalation on"}.get(ctx.kind)
    if what:
        line = f"{to}please {what} this enquiry" + (f" by {due}." if due else ".")
    else:
        line = f"{to}the first response to this enquiry " + (
            f"was due by {due} and is now overdue." if due else "is overdue.")
    body: list[Element] = [
        text_block(title, weight="Bolder", color="Attention" if ctx.kind == "overdue" else
                   "Warning"),
        text_block(line),
    ]
    actions: list[Element] = []
    if ctx.case is not None:
        body += [*headline(ctx.case, env), *deadline_rows(ctx.case, env)]
        actions.append(execute("Open the case", "officer.open", {"reference": ctx.case.reference}))
    return with_mentions(card(body, actions), [person] if person else [])


def reminder(ctx: NoticeContext) -> Card:
    return reminder_with_entities(ctx)[0]


OFFICER_NOTICES: dict[str, Renderer] = {
    "case-opened": case_opened,
    "case-redirected": case_redirected,
    "member-activity": member_activity,
    "case-reopened": case_reopened,
    "assigned": assigned,
    "escalation": escalation,
    "ack-due": reminder,
    "response-due": reminder,
    "overdue": reminder,
    "escalation-reminder": reminder,
    "officer-question": officer_question,
    "question-answered": question_answered,
    "question-withdrawn": question_withdrawn,
}

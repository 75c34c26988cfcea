"""One enquiry as its member sees it: facts, deadlines, timeline, files, and the actions its
state allows (nothing else is offered, and the server checks again whatever is clicked)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from casestore.config import EscalationRule
from casestore.model import Case, CaseState, EscalationState, Event, Urgency
from casestore.records import AttachmentInfo
from casestore.sla import DeadlineStatus
from dialogs.format import (
    actor_phrase,
    badge_colour,
    badge_text,
    card,
    fact_set,
    state_label,
    text_block,
    type_label,
)
from dialogs.members.cards import (
    Acting,
    Banner,
    Card,
    Element,
    MemberView,
    action,
    action_set,
    banner_block,
    heading,
    subtle,
)
from dialogs.members.lists import accepted_files
from dialogs.members.timeline import timeline_blocks
from dialogs.text import shown

EXTEND_STEPS = (5, 10, 20)


# -- what the state allows ----------------------------------------------------------------------

def can_escalate(view: MemberView, case: Case) -> bool:
    """Offered only once the escalation date has come, on a live, unescalated case."""
    if not case.is_active or case.escalation_state is not EscalationState.NONE:
        return False
    if case.escalation_from_on is None or case.escalation_from_on > view.today:
        return False
    return not (view.policy.escalation_rule() is EscalationRule.NO_RESPONSE
                and case.first_response_at is not None)


def reopen_until(view: MemberView, case: Case) -> date | None:
    """The last day a member may reopen a closed case, or None if that has passed (or never)."""
    window = view.policy.defaults.reopen_window_days
    if case.state is not CaseState.CLOSED or case.closed_at is None or window == 0:
        return None
    cal = view.policy.calendar
    last = cal.add_working_days(cal.local_date(case.closed_at), window)
    return last if view.today <= last else None


def extend_choices(view: MemberView, case: Case) -> list[int]:
    if case.state is not CaseState.RESPONDED or case.auto_close_on is None:
        return []
    d = view.policy.defaults
    bound = min(d.auto_close_extension_max_days,
                d.auto_close_extension_total_max_days - case.auto_close_extended_days)
    if bound < 1:
        return []
    return sorted({n for n in EXTEND_STEPS if n <= bound} | {bound})


def can_rate(case: Case) -> bool:
    return case.final_response_at is not None and case.rating is None


def available_actions(view: MemberView, case: Case) -> list[str]:
    """The member's actions this case allows now, in the order the card shows them."""
    out: list[str] = []
    if case.is_active:
        out += ["request_update", "add_information"]
    if can_escalate(view, case):
        out.append("escalate")
    if can_rate(case):
        out.append("rate")
    if extend_choices(view, case):
        out.append("extend")
    if case.is_active:
        out.append("close")
    if case.state is CaseState.CLOSED:
        out.append("reopen" if reopen_until(view, case) else "link")
    return out


# -- the card --------------------------------------------------------------------------------------

def _show(title: str, body: list[Element], submit: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Action.ShowCard", "title": title,
            "card": {"type": "AdaptiveCard", "body": body, "actions": [submit]}}


def _reason(input_id: str, label: str, *, required: bool = False, limit: int = 4000
            ) -> Element:
    return {"type": "Input.Text", "id": input_id, "isMultiline": True, "maxLength": limit,
            "label": label if required else f"{label} (optional)"}


def _action_buttons(view: MemberView, case: Case, for_member: str | None
                    ) -> dict[str, dict[str, Any]]:
    ref = case.reference

    def go(title: str, verb: str) -> dict[str, Any]:
        return action(title, verb, reference=ref, for_member=for_member)

    owner = view.name(view.directory.escalation_owner(case.lead_service))
    answer_days = view.policy.figures(case.lead_service).escalation_answer_days
    auto_close = view.day(case.auto_close_on) if case.auto_close_on else ""
    reopen_last = reopen_until(view, case)
    days = extend_choices(view, case) or [1]
    return {
        "request_update": _show("Request an update", [
            _reason("update_text", "Anything to add")],
            go("Send the request", "member.case.request_update")),
        "add_information": _show("Add information", [
            _reason("information", "Information for the service", required=True),
            subtle("To add a photo or document, send it in this chat with the reference "
                   f"{ref} in the message.")],
            go("Add it", "member.case.add_information")),
        "escalate": _show("Escalate", [
            text_block(f"An escalation goes to {owner}, who should answer within "
                       f"{answer_days} working days."),
            _reason("escalation_reason", "Why are you escalating?", required=True)],
            go("Escalate", "member.case.escalate")),
        "rate": _show("Rate the response", [
            {"type": "Input.ChoiceSet", "id": "rating", "label": "Your rating",
             "style": "expanded", "choices": [
                 {"title": f"{n}: {label}", "value": str(n)} for n, label in
                 ((5, "Excellent"), (4, "Good"), (3, "Fair"), (2, "Poor"), (1, "Very poor"))]},
            _reason("rating_comment", "A comment", limit=1000),
            subtle("You can rate each final response once.")],
            go("Send rating", "member.case.rate")),
        "extend": _show("Keep it open longer", [
            text_block(f"This enquiry will close automatically on {auto_close}. If the service "
                       "has promised more work, keep it open for longer."),
            {"type": "Input.ChoiceSet", "id": "extend_days", "label": "Keep it open for",
             "style": "compact", "value": str(days[0]), "choices": [
                 {"title": f"{n} more working day{'' if n == 1 else 's'}", "value": str(n)}
                 for n in days]}],
            go("Keep it open", "member.case.extend")),
        "close": _show("Close", [
            _reason("close_reason", "Why close it")],
            go("Close the enquiry", "member.case.close")),
        "reopen": _show("Reopen", [
            text_block(f"You can reopen this enquiry until "
                       f"{view.day(reopen_last) if reopen_last else ''}."),
            _reason("reopen_reason", "Why should it be reopened?", required=True)],
            go("Reopen", "member.case.reopen")),
        "link": go("Raise a linked new enquiry", "member.case.link"),
    }


def _deadline(view: MemberView, due_on: date | None, status: DeadlineStatus | None) -> str:
    if due_on is None or status is None:
        return ""
    if status in (DeadlineStatus.MET, DeadlineStatus.MISSED):
        return f"{badge_text(status)} (due {view.day(due_on)})"
    return f"{view.due(due_on)}: {badge_text(status)}"


def _deadlines(view: MemberView, case: Case) -> list[Element]:
    s = view.policy.case_statuses(case, view.now)
    rows = [
        ("Acknowledgement", _deadline(view, case.acknowledge_due_on, s["acknowledge"])),
        ("First response", _deadline(view, case.response_due_on, s["response"])),
        ("Completion", _deadline(view, case.completion_due_on, s["completion"])),
        ("Escalation answer", _deadline(view, case.escalation_due_on, s["escalation"])),
    ]
    if case.is_active and case.escalation_state is EscalationState.NONE and \
            case.escalation_from_on:
        now_open = case.escalation_from_on <= view.today
        rows.append(("You can escalate from", view.day(case.escalation_from_on)
                     + (" (now)" if now_open else "")))
    if case.expected_works_on:
        rows.append(("Works expected by", view.day(case.expected_works_on)))
    if case.state is CaseState.RESPONDED and case.auto_close_on:
        rows.append(("Closes automatically on", view.day(case.auto_close_on)))
    blocks: list[Element] = [heading("Deadlines", "Medium"), fact_set(rows)]
    if case.is_paused and case.paused_at:
        blocks.append(text_block(f"The service asked you for information on "
                                 f"{view.at(case.paused_at)}; the working days are paused until "
                                 "you add it.", color="Warning"))
    return blocks


def _facts(view: MemberView, case: Case, can_act: bool) -> Element:
    services = ", ".join(view.service(s) for s in case.services)
    raised = f"{view.at(case.submitted_at or case.created_at)} by " + actor_phrase(
        view.directory, case.raised_by_id,
        case.member_id if case.raised_by_id != case.member_id else None)
    constituent = ""
    if can_act and (case.constituent_name or case.constituent_contact):
        who = ", ".join(x for x in (case.constituent_name, case.constituent_contact) if x)
        constituent = f"{who} ({'consent recorded' if case.consent_given else 'no consent'})"
    return fact_set([
        ("Service", services),
        ("Type", type_label(case.enquiry_type)),
        ("Ward", view.ward(case.ward_id)),
        ("Location", case.location),
        ("Councillor", view.name(case.member_id)),
        ("Raised", raised),
        ("Officer", view.name(case.assignee_id) if case.assignee_id else ""),
        ("Urgency", "Urgent" if case.urgency is Urgency.URGENT else ""),
        ("Copied in", ", ".join(view.name(m) for m in case.cc_member_ids)),
        ("Follows up", case.linked_reference or ""),
        ("Your search term", case.search_term),
        ("Constituent", constituent),
    ])


def _files(view: MemberView, case: Case, files: Sequence[AttachmentInfo]) -> list[Element]:
    blocks: list[Element] = [heading("Files", "Medium")]
    for f in files:
        size = f"{max(1, round(f.size_bytes / 1024))} KB"
        who = view.name(f.uploaded_by_id)
        blocks.append(text_block(f"{shown(f.filename)} ({size}), added by {who} "
                                 f"on {view.at(f.uploaded_at)}", spacing="Small"))
    if not files:
        blocks.append(text_block("No files yet."))
    if case.is_active:
        blocks.append(subtle(f"To add one, send it in this chat with {case.reference} in the "
                             f"message. {accepted_files(view.config)}"))
    return blocks


def case_detail_card(
    view: MemberView, case: Case, events: Sequence[Event], files: Sequence[AttachmentInfo],
    acting: Acting, *, can_act: bool, banner: Banner | None = None,
) -> Card:
    """The case detail. `can_act` is False for a colleague who was only copied in."""
    for_member = case.member_id if can_act and case.member_id != acting.person.id else None
    status = state_label(case.state)
    if case.escalation_state is EscalationState.ESCALATED:
        status += ", escalated"
    elif case.escalation_state is EscalationState.ANSWERED:
        status += ", escalation answered"
    badge = view.policy.badge(case, view.now) if case.is_active else None
    body: list[Element] = [
        *banner_block(banner),
        heading(case.reference or "Draft"),
        {"type": "ColumnSet", "spacing": "None", "columns": [
            {"type": "Column", "width": "auto", "items": [text_block(status, weight="Bolder")]},
            *([{"type": "Column", "width": "stretch", "items": [text_block(
                badge_text(badge), color=badge_colour(badge), weight="Bolder")]}] if badge else []),
        ]},
        _facts(view, case, can_act),
        heading("The enquiry", "Medium"), text_block(shown(case.description)),
        heading("The ask", "Medium"), text_block(shown(case.ask)),
        *_deadlines(view, case),
        heading("Timeline", "Medium"), *timeline_blocks(view, events),
        *_files(view, case, files),
    ]
    if not can_act:
        body.append(text_block(f"You were copied in on this enquiry, so you can follow it; "
                               f"{view.name(case.member_id)} can act on it.", isSubtle=True))
    buttons = _action_buttons(view, case, for_member) if can_act else {}
    allowed = available_actions(view, case) if can_act else []
    main = [buttons[a] for a in allowed if a not in ("close", "reopen", "link")]
    more = [buttons[a] for a in allowed if a in ("close", "reopen", "link")]
    more += [action("Refresh", "member.case.open", reference=case.reference,
                    for_member=for_member),
             action("My cases", "member.cases.list", for_member=for_member)]
    body.append(action_set(*more, spacing="Large"))
    return card(body, main or None)


# -- what the member is told once an action is done -----------------------------------------------

def _escalated(view: MemberView, case: Case) -> str:
    owner = view.name(view.directory.escalation_owner(case.lead_service))
    if case.escalation_due_on is None:
        return f"Escalated to {owner}."
    return f"Escalated to {owner}, who should answer by {view.day(case.escalation_due_on)}."


def _reopened(view: MemberView, case: Case) -> str:
    if case.acknowledge_due_on is None:
        return "The enquiry is reopened."
    return (f"The enquiry is reopened. {view.service(case.lead_service)} will acknowledge it by "
            f"{view.day(case.acknowledge_due_on)}.")


def _extended(view: MemberView, case: Case) -> str:
    if case.auto_close_on is None:
        return "The enquiry will stay open longer."
    return f"The enquiry will now close automatically on {view.day(case.auto_close_on)}."


DONE: dict[str, Any] = {
    "member.case.request_update": lambda v, c: (
        f"Your request for an update has been sent to {v.service(c.lead_service)}."),
    "member.case.add_information": lambda v, c: (
        f"Your information has been added and sent to {v.service(c.lead_service)}."),
    "member.case.close": lambda v, c: "The enquiry is closed. Thank you.",
    "member.case.reopen": _reopened,
    "member.case.rate": lambda v, c: "Thank you for rating the response.",
    "member.case.extend": _extended,
    "member.case.escalate": _escalated,
}


def done_sentence(verb: str, view: MemberView, case: Case) -> str:
    """What the banner says once the member's action on the case has been made."""
    return str(DONE[verb](view, case))

"""What the outbox tells a member (or a cc'd colleague) in personal chat, one card per kind.

Each card says what happened in a sentence or two, with real dates, and has an "Open case"
button (Action.Execute `member.case.open`) that replaces the notice with the case detail. A notice
never carries the constituent's details: a cc'd colleague reads it too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dialogs.format import actor_phrase, card, fact_set, text_block, type_label
from dialogs.members.cards import Element, MemberView, action, heading, subtle
from dialogs.members.case import extend_choices
from dialogs.notice import Card, NoticeContext, Renderer
from dialogs.text import shown, shown_excerpt

EXCERPT = 1500


def _view(ctx: NoticeContext) -> MemberView:
    return MemberView(ctx.config, ctx.directory, ctx.policy, ctx.now)


def _ref(ctx: NoticeContext) -> str:
    return str(ctx.payload.get("reference") or (ctx.case.reference if ctx.case else "") or "")


def _who(ctx: NoticeContext) -> str:
    return actor_phrase(ctx.directory, str(ctx.payload.get("actor_id") or "system"),
                        ctx.payload.get("on_behalf_of_id"))


def _service(ctx: NoticeContext) -> str:
    service = ctx.payload.get("service") or (ctx.case.lead_service if ctx.case else "")
    return _view(ctx).service(str(service))


def _quote(text: Any) -> list[Element]:
    text = str(text or "").strip()
    if not text:
        return []
    shown_text = shown(text)
    if len(text) > EXCERPT:
        shown_text = shown_excerpt(text, EXCERPT) + " (open the case to read it all)"
    return [{"type": "Container", "style": "emphasis", "items": [text_block(shown_text)]}]


def _day(ctx: NoticeContext, iso: Any) -> str:
    try:
        return _view(ctx).day(date.fromisoformat(str(iso)))
    except ValueError:
        return ""


def _notice(ctx: NoticeContext, title: str, body: list[Element],
            extra: list[dict[str, Any]] | None = None) -> Card:
    where = ""
    if ctx.case is not None:
        where = _view(ctx).service(ctx.case.lead_service)
        if ctx.case.location:
            where += f" at {shown(ctx.case.location)}"
    head: list[Element] = [heading(title, "Medium")]
    if where:
        head.append(subtle(where, spacing="None"))
    return card([*head, *body], [
        action("Open case", "member.case.open", reference=_ref(ctx)), *(extra or [])])


def acknowledged(ctx: NoticeContext) -> Card:
    view, case = _view(ctx), ctx.case
    body = [text_block(f"{_who(ctx)} has acknowledged your enquiry and is looking into it.")]
    if case is not None and case.response_due_on and case.first_response_at is None:
        body.append(text_block(f"A first response is due by {view.due(case.response_due_on)}."))
    return _notice(ctx, f"{_ref(ctx)} acknowledged", body)


def officer_reply(ctx: NoticeContext) -> Card:
    first = " (the first response)" if ctx.payload.get("first_response") else ""
    return _notice(ctx, f"Reply on {_ref(ctx)}", [
        text_block(f"{_who(ctx)} replied{first}:"), *_quote(ctx.payload.get("text"))])


def information_requested(ctx: NoticeContext) -> Card:
    body = [
        text_block(f"{_who(ctx)} needs more information to carry on:"),
        *_quote(ctx.payload.get("question")),
        text_block("The working days are paused until you answer.", isSubtle=True),
        {"type": "Input.Text", "id": "information", "label": "Your answer", "isMultiline": True,
         "maxLength": 4000},
    ]
    answer = action("Send the answer", "member.case.add_information",
                    reference=_ref(ctx))
    return _notice(ctx, f"{_ref(ctx)}: information needed", body, [answer])


def redirected(ctx: NoticeContext) -> Card:
    view = _view(ctx)
    to = view.service(str(ctx.payload.get("to_service", "")))
    body = [text_block(f"{_who(ctx)} moved your enquiry from "
                       f"{view.service(str(ctx.payload.get('from_service', '')))} to {to}, "
                       "which deals with this."), *_quote(ctx.payload.get("reason"))]
    case = ctx.case
    if case is not None and case.acknowledge_due_on and case.acknowledged_at is None:
        body.append(text_block(f"{to} will acknowledge it by {view.due(case.acknowledge_due_on)}."))
    return _notice(ctx, f"{_ref(ctx)} has moved to {to}", body)


def long_term(ctx: NoticeContext) -> Card:
    expected = _day(ctx, ctx.payload.get("expected_on"))
    return _notice(ctx, f"{_ref(ctx)} is awaiting works", [
        text_block(f"{_who(ctx)} says the work is planned and expected by {expected}. The "
                   "enquiry stays open until then."), *_quote(ctx.payload.get("reason"))])


def final_response(ctx: NoticeContext) -> Card:
    """The final response, with the one optional rating, keeping it open longer, and closing."""
    view, case, ref = _view(ctx), ctx.case, _ref(ctx)
    closes = _day(ctx, ctx.payload.get("auto_close_on"))
    body = [text_block(f"{_who(ctx)} sent the final response:"),
            *_quote(ctx.payload.get("text"))]
    if closes:
        body.append(text_block(f"The enquiry will close automatically on {closes} unless you "
                               "keep it open for longer."))
    rate = {"type": "Action.ShowCard", "title": "Rate the response", "card": {
        "type": "AdaptiveCard", "body": [
            {"type": "Input.ChoiceSet", "id": "rating", "label": "Your rating (optional)",
             "style": "expanded", "choices": [
                 {"title": f"{n}: {label}", "value": str(n)} for n, label in
                 ((5, "Excellent"), (4, "Good"), (3, "Fair"), (2, "Poor"), (1, "Very poor"))]},
            {"type": "Input.Text", "id": "rating_comment", "label": "A comment (optional)",
             "isMultiline": True, "maxLength": 1000}],
        "actions": [action("Send rating", "member.case.rate", reference=ref)]}}
    extra: list[dict[str, Any]] = [rate]
    days = extend_choices(view, case) if case is not None else []
    if days:
        extra.append({"type": "Action.ShowCard", "title": "Keep it open longer", "card": {
            "type": "AdaptiveCard", "body": [
                {"type": "Input.ChoiceSet", "id": "extend_days", "label": "Keep it open for",
                 "style": "compact", "value": str(days[0]), "choices": [
                     {"title": f"{n} more working days", "value": str(n)} for n in days]}],
            "actions": [action("Keep it open", "member.case.extend", reference=ref)]}})
    extra.append(action("Close it now", "member.case.close", reference=ref))
    return _notice(ctx, f"Final response on {ref}", body, extra)


def closed(ctx: NoticeContext) -> Card:
    view, case = _view(ctx), ctx.case
    body = [text_block(f"{_who(ctx)} closed the enquiry."), *_quote(ctx.payload.get("reason"))]
    window = view.policy.defaults.reopen_window_days
    if case is not None and case.closed_at is not None and window:
        cal = view.policy.calendar
        last = cal.add_working_days(cal.local_date(case.closed_at), window)
        body.append(text_block(f"If it is not resolved you can reopen it until {view.day(last)}."))
    return _notice(ctx, f"{_ref(ctx)} closed", body)


def reopened(ctx: NoticeContext) -> Card:
    return _notice(ctx, f"{_ref(ctx)} reopened", [
        text_block(f"{_who(ctx)} reopened the enquiry."), *_quote(ctx.payload.get("reason"))])


def escalation_answer(ctx: NoticeContext) -> Card:
    return _notice(ctx, f"Escalation of {_ref(ctx)} answered", [
        text_block(f"{_who(ctx)} answered your escalation:"), *_quote(ctx.payload.get("text"))])


def cc_notice(ctx: NoticeContext) -> Card:
    case = ctx.case
    member = _view(ctx).name(case.member_id) if case else _who(ctx)
    body = [text_block(f"{member} copied you in on an enquiry in your ward. You can follow it; "
                       f"{member} deals with it.")]
    if case is not None:
        body.append(fact_set([("Service", _service(ctx)),
                              ("Type", type_label(case.enquiry_type)),
                              ("Location", case.location)]))
    return _notice(ctx, f"You were copied in on {_ref(ctx)}", body)


def logged_for_member(ctx: NoticeContext) -> Card:
    view, case = _view(ctx), ctx.case
    body = [text_block(f"{_who(ctx)} logged this enquiry for you in {_service(ctx)}.")]
    if case is not None and case.response_due_on:
        body.append(fact_set([
            ("First response by", view.due(case.response_due_on)),
            ("Escalation possible from", view.day(case.escalation_from_on)
             if case.escalation_from_on else ""),
        ]))
    return _notice(ctx, f"{_ref(ctx)} logged for you", body)


def handed_over(ctx: NoticeContext) -> Card:
    view = _view(ctx)
    previous = view.name(str(ctx.payload.get("from_person") or ""))
    return _notice(ctx, f"{_ref(ctx)} handed over to you", [
        text_block(f"{previous}'s enquiry is now yours to follow; {_who(ctx)} handed it over."),
        *_quote(ctx.payload.get("reason"))])


MEMBER_NOTICES: dict[str, Renderer] = {
    "acknowledged": acknowledged,
    "officer-reply": officer_reply,
    "information-requested": information_requested,
    "redirected": redirected,
    "long-term": long_term,
    "final-response": final_response,
    "closed": closed,
    "reopened": reopened,
    "escalation-answer": escalation_answer,
    "cc-notice": cc_notice,
    "logged-for-member": logged_for_member,
    "handed-over": handed_over,
}

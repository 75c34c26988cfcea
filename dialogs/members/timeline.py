"""A case's events in plain English for the member: who did what, when, on whose behalf.

Internal notes (kind "noted", or any event marked internal) are never shown to a member, nor
are drafts' saves, the record of officers editing thread messages, or questions officers put to
one another (which are marked internal as well).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from casestore.model import Event
from casestore.questions import QUESTION_EVENTS
from dialogs.format import actor_phrase, text_block, type_label
from dialogs.members.cards import Element, MemberView, subtle
from dialogs.text import shown, shown_excerpt

HIDDEN_KINDS = frozenset({"noted", "draft_saved", "message_edited", "message_deleted"}) | \
    QUESTION_EVENTS
EXCERPT = 300
SHOWN = 15


@dataclass(frozen=True)
class Line:
    what: str
    detail: str = ""


def visible_to_member(event: Event) -> bool:
    return event.kind not in HIDDEN_KINDS and not event.payload.get("internal")


def _excerpt(value: Any) -> str:
    return shown_excerpt(value, EXCERPT)


def _day(view: MemberView, iso: Any) -> str:
    try:
        return view.day(date.fromisoformat(str(iso)))
    except ValueError:
        return ""


Phrase = Callable[[MemberView, Event, str], Line]

PHRASES: dict[str, Phrase] = {
    "submitted": lambda v, e, who: Line(f"Raised by {who}"),
    "acknowledged": lambda v, e, who: Line(f"Acknowledged by {who}"),
    "assigned": lambda v, e, who: Line(f"Assigned to {v.name(e.payload.get('assignee'))}"),
    "replied": lambda v, e, who: Line(f"{who} replied", _excerpt(e.payload.get("text"))),
    "information_requested": lambda v, e, who: Line(
        f"{who} asked for more information", _excerpt(e.payload.get("question"))),
    "information_added": lambda v, e, who: Line(
        f"{who} added information", _excerpt(e.payload.get("text"))),
    "update_requested": lambda v, e, who: Line(
        f"{who} asked for an update", _excerpt(e.payload.get("text"))),
    "attachment_added": lambda v, e, who: Line(
        f"{who} added a file: {shown(e.payload.get('filename', ''))}"),
    "redirected": lambda v, e, who: Line(
        f"Moved from {v.service(e.payload.get('from_service', ''))} to "
        f"{v.service(e.payload.get('to_service', ''))} by {who}",
        _excerpt(e.payload.get("reason"))),
    "service_added": lambda v, e, who: Line(
        f"{v.service(e.payload.get('service', ''))} is now also working on this"),
    "type_converted": lambda v, e, who: Line(
        f"Type changed from {type_label(e.payload.get('from_type', ''))} to "
        f"{type_label(e.payload.get('to_type', ''))}"),
    "marked_long_term": lambda v, e, who: Line(
        f"Awaiting works, expected by {_day(v, e.payload.get('expected_on'))}",
        _excerpt(e.payload.get("reason"))),
    "final_response_given": lambda v, e, who: Line(
        f"Final response from {who}", _excerpt(e.payload.get("text"))),
    "closed": lambda v, e, who: Line(f"Closed by {who}", _excerpt(e.payload.get("reason"))),
    "reopened": lambda v, e, who: Line(f"Reopened by {who}", _excerpt(e.payload.get("reason"))),
    "rated": lambda v, e, who: Line(
        f"Rated {e.payload.get('rating')} out of 5 by {who}", _excerpt(e.payload.get("comment"))),
    "auto_close_extended": lambda v, e, who: Line(
        f"{who} kept it open for {e.payload.get('days')} more working days, until "
        f"{_day(v, e.payload.get('auto_close_on'))}"),
    "escalated": lambda v, e, who: Line(f"Escalated by {who}", _excerpt(e.payload.get("reason"))),
    "escalation_answered": lambda v, e, who: Line(
        f"{who} answered the escalation", _excerpt(e.payload.get("text"))),
    "constituent_details_removed": lambda v, e, who: Line(
        "Constituent details removed under the council's retention policy"
        if e.payload.get("why") == "retention" else
        f"Constituent details removed at the constituent's request, by {who}"),
    "handed_over": lambda v, e, who: Line(
        f"Handed over from {v.name(e.payload.get('from_person'))} to "
        f"{v.name(e.payload.get('to_person'))}", _excerpt(e.payload.get("reason"))),
}


def describe(view: MemberView, event: Event) -> Line:
    who = actor_phrase(view.directory, event.actor_id, event.on_behalf_of_id)
    phrase = PHRASES.get(event.kind)
    if phrase is None:
        return Line(f"{event.kind.replace('_', ' ').capitalize()} ({who})")
    return phrase(view, event, who)


def timeline_blocks(view: MemberView, events: Sequence[Event]) -> list[Element]:
    """The latest entries, oldest first, each with its date and time."""
    shown = [e for e in events if visible_to_member(e)]
    blocks: list[Element] = []
    if len(shown) > SHOWN:
        blocks.append(subtle(f"{len(shown) - SHOWN} earlier entries are not shown."))
        shown = shown[-SHOWN:]
    for event in shown:
        line = describe(view, event)
        items: list[Element] = [
            subtle(view.at(event.at), spacing="Small"),
            text_block(line.what, spacing="None"),
        ]
        if line.detail:
            items.append(text_block(line.detail, spacing="None", isSubtle=True))
        blocks.append({"type": "Container", "items": items})
    if not blocks:
        blocks.append(text_block("Nothing yet."))
    return blocks

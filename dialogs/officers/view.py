"""The read-only pieces of the officers' cards: facts, deadlines with SLA badges, history, files.

Pure functions of a case and a `CardEnv` (the council, the directory, the SLA policy and "now");
`dialogs.officers.cards` assembles them into the case card and its variants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from casestore.config import CouncilConfig
from casestore.directory import Directory, Person
from casestore.model import Case, CaseState, EscalationState, Urgency
from casestore.sla import DeadlineStatus, SlaPolicy
from dialogs.format import (
    badge_colour,
    badge_text,
    case_title,
    due_phrase,
    fact_set,
    long_date_in,
    person_name,
    service_name,
    state_label,
    text_block,
    type_label,
    ward_name,
    when,
)
from dialogs.notice import NoticeContext
from dialogs.text import shown

Element = dict[str, Any]


@dataclass(frozen=True)
class CardEnv:
    """What every officer card needs besides the case."""

    config: CouncilConfig
    directory: Directory
    policy: SlaPolicy
    now: datetime

    @property
    def today(self) -> date:
        return self.policy.calendar.local_date(self.now)

    @classmethod
    def from_notice(cls, ctx: NoticeContext) -> CardEnv:
        return cls(ctx.config, ctx.directory, ctx.policy, ctx.now)

    def name(self, person_id: str | None) -> str:
        return person_name(self.directory, person_id)

    def service(self, service_id: str | None) -> str:
        return service_name(self.config, service_id or "")

    def day(self, value: date | str | None) -> str:
        if not value:
            return ""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return long_date_in(day, self.today)

    def at(self, value: datetime | None) -> str:
        return when(value, self.today) if value else ""


@dataclass(frozen=True)
class FileInfo:
    """An attachment as the case card lists it."""

    filename: str
    size_bytes: int

    @classmethod
    def parse(cls, item: Any) -> FileInfo | None:
        """From a repository row or a payload dict; None when it names no file."""
        get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
        name = get("filename")
        return cls(str(name), int(get("size_bytes", 0) or 0)) if name else None


def size_text(size_bytes: int) -> str:
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size_bytes / 1024))} KB"


def headline(case: Case, env: CardEnv) -> list[Element]:
    state = state_label(case.state)
    who = f"Assigned to {env.name(case.assignee_id)}" if case.assignee_id else "Not assigned yet"
    line = f"{state} · {who}"
    if case.urgency is Urgency.URGENT:
        line = f"Urgent · {line}"
    return [
        text_block(case_title(case, env.config), weight="Bolder", size="Medium"),
        text_block(line, spacing="None", isSubtle=True),
    ]


def raised_phrase(case: Case, env: CardEnv) -> str:
    member = env.name(case.member_id)
    if case.raised_by_id and case.raised_by_id != case.member_id:
        return f"{member} (logged by {env.name(case.raised_by_id)})"
    return member


def case_facts(case: Case, env: CardEnv) -> Element:
    services = [env.service(case.lead_service) + (" (lead)" if len(case.services) > 1 else "")]
    services += [env.service(s) for s in case.services if s != case.lead_service]
    facts = [
        ("Member", raised_phrase(case, env)),
        ("Ward", ward_name(env.config, case.ward_id)),
        ("Type", type_label(case.enquiry_type)),
        ("Location", case.location),
        ("Service", ", ".join(services)),
        ("Received", env.at(case.submitted_at)),
        ("Follows", case.linked_reference or ""),
    ]
    if case.consent_given and (case.constituent_name or case.constituent_contact):
        facts.append(("Constituent", ", ".join(
            v for v in (case.constituent_name, case.constituent_contact) if v)))
    return fact_set(facts)


def text_section(title: str, text: str) -> list[Element]:
    if not text:
        return []
    return [text_block(title, weight="Bolder", spacing="Medium"),
            text_block(shown(text), spacing="Small")]


DEADLINE_LABELS = {
    "acknowledge": "Acknowledge by",
    "response": "First response by",
    "completion": "Complete by",
    "escalation": "Escalation answer by",
}


def _due_on(case: Case, name: str) -> date | None:
    due: date | None = getattr(case, f"{name}_due_on", None)
    return due


def deadline_rows(case: Case, env: CardEnv) -> list[Element]:
    """One row per deadline: the date in words and its SLA badge in colour."""
    rows: list[Element] = []
    for name, status in env.policy.case_statuses(case, env.now).items():
        due = _due_on(case, name)
        if due is None or status is None:
            continue
        label = DEADLINE_LABELS[name]
        if name == "completion" and case.state is CaseState.LONG_TERM:
            label = "Works expected by"
        running = status in (DeadlineStatus.ON_TRACK, DeadlineStatus.DUE_SOON,
                             DeadlineStatus.OVERDUE)
        phrase = due_phrase(due, env.policy.calendar, env.today) if running else env.day(due)
        rows.append({
            "type": "ColumnSet", "spacing": "Small", "columns": [
                {"type": "Column", "width": "stretch",
                 "items": [text_block(f"{label}: {phrase}")]},
                {"type": "Column", "width": "auto", "items": [text_block(
                    badge_text(status), weight="Bolder", color=badge_colour(status))]},
            ],
        })
    if not rows:
        return []
    return [text_block("Deadlines", weight="Bolder", spacing="Medium"), *rows]


def status_notes(case: Case, env: CardEnv) -> list[str]:
    """Sentences about what the case is waiting on (shown under the headline)."""
    notes: list[str] = []
    if case.paused_at is not None:
        notes.append(f"Waiting on the member for information since {env.at(case.paused_at)}: "
                     "the clock is paused.")
    if case.state is CaseState.LONG_TERM and case.expected_works_on:
        notes.append(f"Awaiting works, expected by {env.day(case.expected_works_on)}.")
    if case.escalation_state is EscalationState.ESCALATED:
        owner = env.name(env.directory.escalation_owner(case.lead_service))
        notes.append(f"Escalated to {owner} on {env.at(case.escalated_at)}; an answer is due by "
                     f"{env.day(case.escalation_due_on)}.")
    elif case.escalation_state is EscalationState.ANSWERED:
        notes.append(f"The escalation was answered on {env.at(case.escalation_answered_at)}.")
    if case.state is CaseState.RESPONDED and case.final_response_at and case.auto_close_on:
        notes.append(f"Final response given; it closes itself on {env.day(case.auto_close_on)} "
                     "unless the member asks for more.")
    if case.state is CaseState.CLOSED:
        notes.append(f"Closed on {env.at(case.closed_at)}.")
    return notes


def history_lines(case: Case, env: CardEnv) -> list[str]:
    """The case so far, from its stored milestones (a redirected or escalated case carries it)."""
    lines = [f"Received {env.at(case.submitted_at)} from {raised_phrase(case, env)}."]
    if case.acknowledged_at:
        lines.append(f"Acknowledged {env.at(case.acknowledged_at)}.")
    if case.first_response_at:
        lines.append(f"First response {env.at(case.first_response_at)}.")
    if case.paused_at:
        lines.append(f"Asked the member for information {env.at(case.paused_at)}.")
    if case.paused_working_days:
        lines.append(f"Waited on the member for {case.paused_working_days} working day(s).")
    if case.final_response_at:
        lines.append(f"Final response {env.at(case.final_response_at)}.")
    if case.reopen_count:
        lines.append(f"Reopened {case.reopen_count} time(s).")
    if case.rating is not None:
        lines.append(f"Rated {case.rating} out of 5 by the member.")
    return lines


def files_block(files: Sequence[FileInfo]) -> list[Element]:
    if not files:
        return []
    listing = "\n".join(f"- {shown(f.filename)} ({size_text(f.size_bytes)})" for f in files)
    return [text_block(f"Attachments ({len(files)})", weight="Bolder", spacing="Medium"),
            text_block(listing, spacing="Small")]


def quote(text: str) -> Element:
    """What someone wrote, set apart from the bot's words."""
    return {"type": "Container", "style": "emphasis", "items": [text_block(shown(text))]}


def banner(text: str, tone: str = "default") -> Element:
    """A line at the top of a card: what just happened ("good"), or what went wrong."""
    style = {"good": "good", "attention": "attention", "warning": "warning"}.get(tone, "emphasis")
    return {"type": "Container", "style": style, "items": [text_block(text, weight="Bolder")]}


def mention(person: Person) -> tuple[str, dict[str, Any]]:
    """The `<at>` text for a card or message, and its Teams mention entity."""
    text = f"<at>{person.name}</at>"
    return text, {"type": "mention", "text": text,
                  "mentioned": {"id": person.teams_user_id, "name": person.name}}


def with_mentions(content: dict[str, Any], people: Iterable[Person]
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The card with `msteams.entities` for everyone it @mentions (their `<at>` text must appear
    in a TextBlock), and those entities (for a message that carries the card)."""
    entities = [mention(p)[1] for p in people]
    if not entities:
        return content, []
    msteams = {**content.get("msteams", {}), "entities": entities}
    return {**content, "msteams": msteams}, entities

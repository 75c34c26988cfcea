"""The member's lists: my cases (paged, filtered, searched), drafts, and files to file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casestore.config import CouncilConfig
from casestore.filetypes import size_label
from casestore.model import ACTIVE_STATES, Case, CaseState
from casestore.records import CaseFilter, Page
from dialogs.format import badge_colour, badge_text, card, state_label, text_block, type_label
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
from dialogs.members.forms import ANY, StatusFilter
from dialogs.text import shown

PAGE_SIZE = 10

STATUS_CHOICES = [
    (StatusFilter.ANY, "Any status"),
    (StatusFilter.ACTIVE, "Not closed"),
    (StatusFilter.OPEN, "Open"),
    (StatusFilter.ACKNOWLEDGED, "Acknowledged"),
    (StatusFilter.RESPONDED, "Responded"),
    (StatusFilter.LONG_TERM, "Awaiting works"),
    (StatusFilter.REOPENED, "Reopened"),
    (StatusFilter.CLOSED, "Closed"),
]


@dataclass(frozen=True)
class ListFilters:
    page: int = 0
    status: StatusFilter = StatusFilter.ANY
    service: str = ""
    ward: str = ""
    text: str = ""

    def data(self) -> dict[str, Any]:
        return {"status": self.status.value, "service": self.service or ANY,
                "ward": self.ward or ANY, "text": self.text}

    def case_filter(self) -> CaseFilter:
        states: tuple[CaseState, ...] = ()
        if self.status is StatusFilter.ACTIVE:
            states = tuple(sorted(ACTIVE_STATES))
        elif self.status is not StatusFilter.ANY:
            states = (CaseState(self.status.value),)
        return CaseFilter(service_ids=(self.service,) if self.service else (),
                          ward_id=self.ward or None, states=states, text=self.text or None)


@dataclass(frozen=True)
class FileResult:
    filename: str
    added: bool
    reason: str = ""  # for a refused file: the whole sentence, naming the file


# -- my cases -----------------------------------------------------------------------------------

def _choice(title: str, value: str) -> dict[str, str]:
    return {"title": title, "value": value}


def _filter_inputs(view: MemberView, filters: ListFilters) -> list[Element]:
    services = [_choice("Any service", ANY)] + [
        _choice(s.name, s.id) for s in view.config.services]
    wards = [_choice("Any ward", ANY)] + [_choice(w.name, w.id) for w in view.config.wards]
    statuses = [_choice(label, value.value) for value, label in STATUS_CHOICES]

    def column(input_id: str, label: str, choices: list[dict[str, str]], value: str) -> Element:
        return {"type": "Column", "width": "stretch", "items": [{
            "type": "Input.ChoiceSet", "id": input_id, "label": label, "style": "compact",
            "choices": choices, "value": value}]}

    return [
        {"type": "ColumnSet", "columns": [
            column("status", "Status", statuses, filters.status.value),
            column("service", "Service", services, filters.service or ANY),
            column("ward", "Ward", wards, filters.ward or ANY),
        ]},
        {"type": "Input.Text", "id": "text", "label": "Search", "value": filters.text,
         "maxLength": 100, "placeholder": "Reference, your search term, address or words"},
    ]


def _case_row(view: MemberView, case: Case, for_member: str | None) -> Element:
    badge = view.policy.badge(case, view.now) if case.is_active else None
    where = f" at {shown(case.location)}" if case.location else ""
    left: list[Element] = [
        text_block(case.reference or "", weight="Bolder"),
        text_block(f"{view.service(case.lead_service)}: {type_label(case.enquiry_type)}{where}",
                   spacing="None"),
    ]
    if case.search_term:
        left.append(subtle(f"Your search term: {shown(case.search_term)}", spacing="None"))
    right: list[Element] = [text_block(state_label(case.state), horizontalAlignment="Right")]
    if badge is not None:
        right.append(text_block(badge_text(badge), color=badge_colour(badge), weight="Bolder",
                                horizontalAlignment="Right", spacing="None"))
    return {
        "type": "Container", "separator": True,
        "selectAction": action("Open", "member.case.open", reference=case.reference,
                               for_member=for_member),
        "items": [{"type": "ColumnSet", "columns": [
            {"type": "Column", "width": "stretch", "items": left},
            {"type": "Column", "width": "auto", "items": right},
        ]}],
    }


def case_list_card(view: MemberView, page: Page, filters: ListFilters, acting: Acting,
                   *, banner: Banner | None = None) -> Card:
    """'My cases': 10 a page, each with its status and SLA badge; filters, search and paging."""
    for_member = acting.for_member
    title = "My cases" if for_member is None else f"Cases for {acting.member.display_name}"
    body: list[Element] = [*banner_block(banner), heading(title)]
    if acting.members and len(acting.members) > 1:
        body.append({"type": "Input.ChoiceSet", "id": "for_member", "label": "Acting for",
                     "style": "compact", "value": acting.member.id,
                     "choices": [_choice(m.display_name, m.id) for m in acting.members]})
    body += _filter_inputs(view, filters)
    body.append(action_set(
        action("Filter", "member.cases.list", page=0, for_member=for_member),
        # inputs would override the data, so "Clear" sends none of them
        {**action("Clear", "member.cases.list", page=0, for_member=for_member),
         "associatedInputs": "none"},
    ))
    if page.total == 0:
        filtered = filters != ListFilters(page=filters.page)
        body.append(text_block("No enquiries match. Try clearing the filters." if filtered
                               else "You have no enquiries yet."))
    else:
        first = page.offset + 1
        last = page.offset + len(page.cases)
        body.append(subtle(f"Showing {first} to {last} of {page.total}. Select an enquiry to "
                           "open it."))
        body += [_case_row(view, c, for_member) for c in page.cases]
    paging = []
    if filters.page > 0:
        paging.append(action("Previous page", "member.cases.list", page=filters.page - 1,
                             for_member=for_member, **filters.data()))
    if page.has_more:
        paging.append(action("Next page", "member.cases.list", page=filters.page + 1,
                             for_member=for_member, **filters.data()))
    if paging:
        body.append(action_set(*paging))
    return card(body, [
        action("New enquiry", "member.enquiry.new", for_member=for_member),
        action("Drafts", "member.drafts.list", for_member=for_member),
    ])


# -- drafts ---------------------------------------------------------------------------------------

def drafts_card(view: MemberView, drafts: Sequence[Case], acting: Acting,
                *, banner: Banner | None = None) -> Card:
    body: list[Element] = [*banner_block(banner), heading("Your drafts")]
    if not drafts:
        body.append(text_block("You have no saved drafts."))
    for draft in drafts:
        what = view.service(draft.lead_service) if draft.lead_service else "No service chosen"
        if draft.enquiry_type:
            what += f": {type_label(draft.enquiry_type)}"
        if draft.location:
            what += f" at {shown(draft.location)}"
        saved = draft.updated_at or draft.created_at
        body.append({"type": "Container", "separator": True, "items": [
            text_block(what, weight="Bolder"),
            subtle(f"Saved {view.at(saved)}", spacing="None"),
            action_set(
                action("Resume", "member.draft.open", draft_id=draft.id),
                action("Discard", "member.draft.discard", draft_id=draft.id),
            ),
        ]})
    return card(body, [
        action("New enquiry", "member.enquiry.new", for_member=acting.for_member),
        action("My cases", "member.cases.list", for_member=acting.for_member),
    ])


# -- files ----------------------------------------------------------------------------------------

def choose_case_for_files_card(view: MemberView, cases: Sequence[Case], filenames: Sequence[str],
                               token: str, acting: Acting) -> Card:
    """A file arrived without a reference: ask which open enquiry it belongs to."""
    names = ", ".join(shown(name) for name in filenames)
    body: list[Element] = [heading("Which enquiry is this for?", "Medium"),
                           text_block(f"You sent: {names}.")]
    if not cases:
        body.append(text_block("You have no open enquiries to add it to. Raise a new enquiry "
                               "first, then send the file with its reference."))
        return card(body, [action("New enquiry", "member.enquiry.new",
                                  for_member=acting.for_member)])
    body.append(text_block("Choose the enquiry to add it to:"))
    for case in cases:
        where = f" at {shown(case.location)}" if case.location else ""
        body.append(action_set(action(
            f"{case.reference}: {view.service(case.lead_service)}{where}"[:120],
            "member.files.attach", reference=case.reference, token=token,
            for_member=acting.for_member)))
    return card(body)


_KINDS = (("pdf", "PDF"), ("image/", "photos"), ("text/plain", "text"), ("word", "Word"),
          ("msword", "Word"), ("excel", "Excel"), ("spreadsheet", "Excel"))


def accepted_files(config: CouncilConfig) -> str:
    limits = config.attachments
    kinds: list[str] = []
    for mime in limits.allowed_types:
        kind = next((label for key, label in _KINDS if key in mime), mime)
        if kind not in kinds:
            kinds.append(kind)
    size = size_label(limits.max_bytes)
    return (f"Files up to {size} each ({', '.join(kinds)}), at most "
            f"{limits.max_per_case} on an enquiry.")


def files_added_card(view: MemberView, reference: str, results: Sequence[FileResult],
                     for_member: str | None = None) -> Card:
    added = [shown(r.filename) for r in results if r.added]
    body: list[Element] = []
    if added:
        body.append(text_block(f"Added to {reference}: {', '.join(added)}.", color="Good",
                               weight="Bolder"))
    for refused in (r for r in results if not r.added):
        body.append(text_block(shown(refused.reason), color="Attention"))  # names a file
    body.append(subtle(accepted_files(view.config)))
    return card(body, [action("Open case", "member.case.open", reference=reference,
                              for_member=for_member)])

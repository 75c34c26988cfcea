"""Every card the member side can emit is a valid Adaptive Card 1.5 that Teams can show.

Each card is built with realistic data (errors, warnings, every state of a case, every notice)
and checked twice: (a) here, against the 1.5 schema's element and action types that Teams
supports, their properties and allowed values, unique input ids and our Action.Execute rules;
(b) by the official parser, npm `adaptivecards@3.0.6` run offline in node (tests/cardcheck),
which must report no parse or validation event. Without node and npm the parser check is skipped
with the reason, except under CI=true where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casestore import lifecycle
from casestore.calendar import LONDON
from casestore.config import CouncilConfig, load_council_config
from casestore.directory import Directory
from casestore.model import Actor, ActorKind, Case, Event, Urgency
from casestore.records import Page
from casestore.sla import SlaPolicy
from dialogs.members import special
from dialogs.members.cards import (
    Acting,
    Banner,
    MemberView,
    acknowledgement_card,
    help_card,
    message_card,
    welcome_card,
)
from dialogs.members.case import AttachmentInfo, case_detail_card
from dialogs.members.form import enquiry_form, special_category_card, values_of_case
from dialogs.members.forms import StatusFilter
from dialogs.members.lists import (
    FileResult,
    ListFilters,
    case_list_card,
    choose_case_for_files_card,
    drafts_card,
    files_added_card,
)
from dialogs.members.notices import MEMBER_NOTICES
from dialogs.notices import NoticeContext

Card = dict[str, Any]
CARDCHECK = Path(__file__).resolve().parents[1] / "cardcheck"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MAX_CARD_BYTES = 28 * 1024  # Teams refuses a message larger than about 28 KB

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
SARAH, PETER, HAYLEY = "sarah-okafor", "peter-halloran", "hayley-naughton"
OFFICER = Actor("leanne-moorcroft", ActorKind.OFFICER)
MEMBER = Actor(SARAH, ActorKind.MEMBER)

# -- (a) the 1.5 schema, as far as Teams supports it ---------------------------------------------

COMMON = {"type", "id", "spacing", "separator", "height", "isVisible", "requires", "fallback"}
INPUT = COMMON | {"label", "isRequired", "errorMessage", "value"}
ELEMENTS: dict[str, set[str]] = {
    "TextBlock": COMMON | {"text", "color", "fontType", "horizontalAlignment", "isSubtle",
                           "maxLines", "size", "weight", "wrap", "style"},
    "FactSet": COMMON | {"facts"},
    "Container": COMMON | {"items", "selectAction", "style", "verticalContentAlignment",
                           "bleed", "backgroundImage", "minHeight", "rtl"},
    "ColumnSet": COMMON | {"columns", "selectAction", "style", "bleed", "minHeight",
                           "horizontalAlignment"},
    "Column": COMMON | {"items", "backgroundImage", "bleed", "minHeight", "rtl", "selectAction",
                        "style", "verticalContentAlignment", "width"},
    "ActionSet": COMMON | {"actions"},
    "Input.Text": INPUT | {"isMultiline", "maxLength", "placeholder", "style", "inlineAction",
                           "regex"},
    "Input.ChoiceSet": INPUT | {"choices", "isMultiSelect", "style", "placeholder", "wrap"},
    "Input.Toggle": INPUT | {"title", "valueOff", "valueOn", "wrap"},
}
ACTION = {"type", "title", "iconUrl", "id", "style", "fallback", "tooltip", "isEnabled", "mode",
          "requires"}
ACTIONS: dict[str, set[str]] = {
    "Action.Execute": ACTION | {"verb", "data", "associatedInputs"},
    "Action.ShowCard": ACTION | {"card"},
    "Action.OpenUrl": ACTION | {"url"},
}
REQUIRED = {
    "TextBlock": {"text"}, "FactSet": {"facts"}, "Container": {"items"}, "ColumnSet": set(),
    "Column": {"items"}, "ActionSet": {"actions"}, "Input.Text": {"id"},
    "Input.ChoiceSet": {"id", "choices"}, "Input.Toggle": {"id", "title"},
    "Action.Execute": {"title", "verb"}, "Action.ShowCard": {"title", "card"},
    "Action.OpenUrl": {"title", "url"},
}
VALUES = {
    "color": {"Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"},
    "size": {"Default", "Small", "Medium", "Large", "ExtraLarge"},
    "weight": {"Default", "Lighter", "Bolder"},
    "spacing": {"None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"},
    "horizontalAlignment": {"Left", "Center", "Right"},
    "associatedInputs": {"auto", "none"},
}
STYLES = {
    "Container": {"default", "emphasis", "good", "attention", "warning", "accent"},
    "Input.ChoiceSet": {"compact", "expanded", "filtered"},
    "Action.Execute": {"default", "positive", "destructive"},
    "Action.ShowCard": {"default", "positive", "destructive"},
}


def problems_in(card: Card) -> list[str]:
    """Everything in `card` that is not valid Adaptive Card 1.5 as the member side uses it."""
    found: list[str] = []
    ids: list[str] = []
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.5":
        found.append("the root must be an AdaptiveCard of version 1.5")
    if not isinstance(card.get("body"), list) or not card["body"]:
        found.append("the card has no body")
    _card(card, "card", found, ids)
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        found.append(f"input ids used twice: {dupes}")
    if len(json.dumps(card).encode()) > MAX_CARD_BYTES:
        found.append(f"the card is {len(json.dumps(card))} bytes, more than Teams takes")
    return found


def _card(card: Card, where: str, found: list[str], ids: list[str]) -> None:
    allowed = {"type", "version", "$schema", "body", "actions", "fallbackText", "speak", "lang",
               "msteams", "refresh", "minHeight", "verticalContentAlignment", "selectAction",
               "backgroundImage", "rtl"}
    for key in set(card) - allowed:
        found.append(f"{where}: unknown property {key!r}")
    for i, element in enumerate(card.get("body", [])):
        _element(element, f"{where}.body[{i}]", found, ids)
    actions = card.get("actions", [])
    if len(actions) > 5:
        found.append(f"{where}: {len(actions)} actions (at most 5 show)")
    for i, act in enumerate(actions):
        _action(act, f"{where}.actions[{i}]", found, ids)


def _props(node: dict[str, Any], kind: str, allowed: set[str], where: str,
           found: list[str]) -> None:
    for key in set(node) - allowed:
        found.append(f"{where}: {kind} has no property {key!r} in 1.5")
    for key in REQUIRED.get(kind, set()) - set(node):
        found.append(f"{where}: {kind} needs {key!r}")
    for key, values in VALUES.items():
        if key in node and node[key] not in values:
            found.append(f"{where}: {key}={node[key]!r} is not one of {sorted(values)}")
    if "style" in node and kind in STYLES and node["style"] not in STYLES[kind]:
        found.append(f"{where}: style {node['style']!r} is not allowed on {kind}")


def _element(node: Any, where: str, found: list[str], ids: list[str]) -> None:
    kind = node.get("type") if isinstance(node, dict) else None
    if kind not in ELEMENTS:
        found.append(f"{where}: {kind!r} is not an element Teams shows in 1.5")
        return
    _props(node, kind, ELEMENTS[kind], where, found)
    if kind.startswith("Input."):
        ids.append(node.get("id", ""))
        if not node.get("label") and kind != "Input.Toggle":
            found.append(f"{where}: input {node.get('id')!r} has no label")
    found += _content(node, kind, where)
    for key in ("items", "columns"):
        for i, child in enumerate(node.get(key, [])):
            _element(child, f"{where}.{key}[{i}]", found, ids)
    for i, act in enumerate(node.get("actions", [])):
        _action(act, f"{where}.actions[{i}]", found, ids)
    if "selectAction" in node:
        if node["selectAction"].get("type") == "Action.ShowCard":
            found.append(f"{where}: selectAction cannot be Action.ShowCard")
        _action(node["selectAction"], f"{where}.selectAction", found, ids)


def _content(node: dict[str, Any], kind: str, where: str) -> list[str]:
    """Text that would show empty, and choices or facts missing a title or value."""
    if kind == "TextBlock" and not str(node.get("text", "")).strip():
        return [f"{where}: empty TextBlock"]
    pairs = node.get("choices", []) if kind == "Input.ChoiceSet" else \
        node.get("facts", []) if kind == "FactSet" else []
    return [f"{where}: {pair!r} needs a title and a non-empty value" for pair in pairs
            if set(pair) != {"title", "value"} or not all(
                isinstance(v, str) and (v or kind == "FactSet") for v in pair.values())]


def _action(node: Any, where: str, found: list[str], ids: list[str]) -> None:
    kind = node.get("type") if isinstance(node, dict) else None
    if kind not in ACTIONS:
        found.append(f"{where}: {kind!r} is not an action the member side uses")
        return
    _props(node, kind, ACTIONS[kind], where, found)
    if kind == "Action.Execute":
        verb, data = node.get("verb", ""), node.get("data")
        if not str(verb).startswith("member."):
            found.append(f"{where}: verb {verb!r} does not start with 'member.'")
        if not isinstance(data, dict) or not _is_uuid4(data.get("nonce")):
            found.append(f"{where}: Action.Execute data must carry a uuid4 nonce")
    if kind == "Action.ShowCard":
        _card(node["card"], f"{where}.card", found, ids)


def _is_uuid4(value: Any) -> bool:
    try:
        return uuid.UUID(str(value)).version == 4
    except ValueError:
        return False


# -- every card, with realistic data -------------------------------------------------------------

class Cases:
    def __init__(self, config: CouncilConfig, directory: Directory) -> None:
        self.config, self.directory = config, directory
        self.policy = SlaPolicy(config)
        self.serial = 0

    def view(self, now: datetime = MONDAY) -> MemberView:
        return MemberView(self.config, self.directory, self.policy, now)

    def new(self, **overrides: Any) -> Case:
        self.serial += 1
        values: dict[str, Any] = dict(
            member_id=SARAH, raised_by_id=SARAH, lead_service="roads", enquiry_type="report_it",
            ward_id="ashcroft", description="A deep pothole outside number 14, about 20cm "
            "across, where a cyclist came off last week.", ask="Repair it before someone is "
            "hurt, and tell me when.", created_at=MONDAY, location="14 Mill Lane, MV3 2AB",
            constituent_name="Mrs Eileen Jones", constituent_contact="0151 496 0000",
            consent_given=True, search_term="Mill Lane pothole", cc_member_ids=[PETER],
            id=self.serial)
        values.update(overrides)
        case = Case(**values)
        lifecycle.submit(case, MEMBER if case.raised_by_id == SARAH else Actor(
            case.raised_by_id, ActorKind.MEMBER, SARAH), MONDAY, self.policy,
            f"ENQ-2026-{self.serial:06d}")
        return case

    def at(self, days: float) -> datetime:
        return MONDAY + timedelta(days=days)

    def worked(self, **overrides: Any) -> Case:
        case = self.new(**overrides)
        lifecycle.acknowledge(case, OFFICER, self.at(0.1))
        lifecycle.note(case, OFFICER, self.at(0.2), "Internal: crew B")
        lifecycle.reply(case, OFFICER, self.at(1), "Inspected; the repair is booked for next "
                        "week. " * 5)
        lifecycle.request_update(case, MEMBER, self.at(3), "Any news?")
        return case

    def responded(self) -> Case:
        case = self.worked()
        lifecycle.final_response(case, OFFICER, self.at(8), self.policy, "Repaired on Tuesday.")
        return case

    def closed(self) -> Case:
        case = self.responded()
        lifecycle.close(case, MEMBER, self.at(9), reason="All done")
        return case


def _events(case: Case) -> list[Event]:
    return list(case.new_events)


def _files() -> list[AttachmentInfo]:
    return [AttachmentInfo(1, "pothole.jpg", 240_000, MONDAY, SARAH),
            AttachmentInfo(2, "letter from Mrs Jones.pdf", 1_200, MONDAY, HAYLEY)]


def member_cards(make: Cases) -> Iterator[tuple[str, Card]]:
    d = make.directory
    sarah, hayley = d.get(SARAH), d.get(HAYLEY)
    me = Acting(sarah, sarah)
    secretary = Acting(hayley, sarah, (sarah, d.get("michael-oyelaran")))
    view = make.view()
    yield "welcome", welcome_card(view, me)
    yield "welcome for a secretary", welcome_card(view, secretary)
    yield "help", help_card(view, acting=me)
    yield "help after a puzzle", help_card(view, "Sorry, I didn't understand that.", acting=me)
    yield "message", message_card("That enquiry isn't one you can see.", good=False,
                                  actions=(("My cases", "member.cases.list"),))
    yield "message plain", message_card("Done.")
    yield "form", enquiry_form(view, me)
    yield "form for a secretary", enquiry_form(view, secretary)
    everything_wrong = {k: "Keep this to 300 characters (it has 301)." for k in (
        "service_type", "ward_id", "location", "description", "ask", "constituent_name",
        "constituent_contact", "consent_given", "search_term", "cc_member_ids", "urgency",
        "for_member", "_card", "draft_id")}
    yield "form with every error", enquiry_form(
        view, secretary, values={"description": "x" * 4000, "ask": "y" * 2000,
                                 "cc_member_ids": f"{PETER},joan-whitfield"},
        errors=everything_wrong, draft_id=7, linked_reference="ENQ-2026-000001",
        banner=Banner("Draft saved."))
    draft = Case(member_id=SARAH, raised_by_id=SARAH, lead_service="bins",
                 enquiry_type="dangerous_waste", ward_id="ashcroft", description="Asbestos",
                 ask="", created_at=MONDAY, id=99)
    yield "draft form", enquiry_form(view, me, values=values_of_case(draft), draft_id=99)
    yield "special category", special_category_card(
        view, {"description": "She has dementia", "consent_given": True,
               "cc_member_ids": [PETER]},
        ["health", "religious or philosophical beliefs"], draft_id=3)
    yield "acknowledgement", acknowledgement_card(view, make.new(urgency=Urgency.URGENT))
    yield "acknowledgement after the cut-off", acknowledgement_card(
        make.view(MONDAY.replace(hour=18)), make.new(raised_by_id=HAYLEY), duplicate=True)
    cases = [make.new() for _ in range(10)] + [make.closed()]
    yield "my cases", case_list_card(view, Page(cases[:10], 23, 10, 10),
                                     ListFilters(page=1, status=StatusFilter.ACTIVE,
                                                 service="roads", text="Mill"), secretary)
    yield "my cases, none", case_list_card(view, Page([], 0, 0, 10), ListFilters(), me)
    yield "my cases, none match", case_list_card(
        view, Page([], 0, 0, 10), ListFilters(ward="dunmere"), me,
        banner=Banner("Choose a service and a ward from the lists.", good=False))
    yield "drafts", drafts_card(view, [draft, draft], me, banner=Banner("Draft discarded."))
    yield "no drafts", drafts_card(view, [], me)
    yield "which enquiry", choose_case_for_files_card(view, cases[:10], ["a.pdf", "b.jpg"],
                                                      "tok-1234567890", me)
    yield "which enquiry, none", choose_case_for_files_card(view, [], ["a.pdf"], "tok-12345678",
                                                            me)
    yield "files", files_added_card(view, "ENQ-2026-000001", [
        FileResult("a.pdf", True),
        FileResult("b.exe", False, "b.exe was not added: This type of file is not accepted.")])
    yield "special category, information", special.information_card(
        "ENQ-2026-000001", "She is in hospital", ["health"], for_member=None)
    yield "special category, files", special.files_card(
        "ENQ-2026-000001", ["hospital letter.pdf"], ["health"], "tok-1234567890",
        for_member="sarah-okafor")
    yield from case_cards(make, me, secretary)
    yield from notices(make)


def case_cards(make: Cases, me: Acting, secretary: Acting) -> Iterator[tuple[str, Card]]:
    view = make.view()
    fresh = make.new()
    yield "case, new", case_detail_card(view, fresh, _events(fresh), [], me, can_act=True)
    worked = make.worked()
    yield "case, worked", case_detail_card(view, worked, _events(worked), _files(), secretary,
                                           can_act=True, banner=Banner("Your request for an "
                                                                       "update has been sent."))
    yield "case, copied in", case_detail_card(view, worked, _events(worked), _files(),
                                              Acting(make.directory.get(PETER),
                                                     make.directory.get(PETER)), can_act=False)
    paused = make.worked()
    lifecycle.ask_member(paused, OFFICER, make.at(4), "Which side of the road?")
    yield "case, waiting on the member", case_detail_card(view, paused, _events(paused), [], me,
                                                          can_act=True)
    late = make.view(datetime(2026, 12, 8, 9, tzinfo=LONDON))
    responded = make.responded()
    yield "case, every action", case_detail_card(late, responded, _events(responded), [], me,
                                                 can_act=True)
    escalated = make.worked()
    lifecycle.escalate(escalated, MEMBER, datetime(2026, 12, 8, 9, tzinfo=LONDON), make.policy,
                       "No reply")
    yield "case, escalated", case_detail_card(late, escalated, _events(escalated), [], me,
                                              can_act=True, banner=Banner(
                                                  "You can escalate this enquiry from Tuesday "
                                                  "8 December.", good=False))
    long_term = make.worked()
    lifecycle.mark_long_term(long_term, OFFICER, make.at(5), date(2027, 3, 1), "Resurfacing",
                             make.at(5).date())
    yield "case, awaiting works", case_detail_card(view, long_term, _events(long_term), [], me,
                                                   can_act=True)
    closed = make.closed()
    yield "case, closed", case_detail_card(make.view(make.at(10)), closed, _events(closed), [],
                                           me, can_act=True)
    yield "case, closed long ago", case_detail_card(make.view(make.at(90)), closed,
                                                    _events(closed), [], me, can_act=True)
    busy = make.worked()
    for i in range(30):
        lifecycle.request_update(busy, MEMBER, make.at(4 + i / 10), f"Chasing again ({i})")
    yield "case, long timeline", case_detail_card(view, busy, _events(busy), _files() * 10, me,
                                                  can_act=True)


def notices(make: Cases) -> Iterator[tuple[str, Card]]:
    case = make.responded()
    payloads: dict[str, dict[str, Any]] = {
        "acknowledged": {"assignee": "leanne-moorcroft"},
        "officer-reply": {"text": "Booked for Tuesday. " * 200, "first_response": True},
        "information-requested": {"question": "Which side of the road?"},
        "redirected": {"from_service": "roads", "to_service": "street-lighting",
                       "reason": "It is a lamp post"},
        "long-term": {"expected_on": "2027-03-01", "reason": "Resurfacing scheme"},
        "final-response": {"text": "Repaired on Tuesday.", "auto_close_on": "2026-12-16"},
        "closed": {"reason": "Closed with the final response"},
        "reopened": {"reason": "It came back", "by_member": False},
        "escalation-answer": {"text": "I have asked the team to prioritise it."},
        "cc-notice": {"service": "roads"},
        "logged-for-member": {"service": "roads"},
        "handed-over": {"from_person": "graham-leece", "to_person": SARAH,
                        "reason": "Cllr Leece resigned"},
    }
    for kind, renderer in MEMBER_NOTICES.items():
        payload = {"reference": case.reference, "event": kind, "actor_id": "leanne-moorcroft",
                   "on_behalf_of_id": None, **payloads[kind]}
        for with_case in (case, None):
            ctx = NoticeContext(case=with_case, kind=kind, payload=payload,
                                recipient=f"person:{SARAH}", config=make.config,
                                directory=make.directory, policy=make.policy, now=make.at(8))
            yield f"notice {kind}{'' if with_case else ' (no case)'}", renderer(ctx)


def catalogue() -> list[tuple[str, Card]]:
    """Every card, freshly built (pure functions of the demo council and fixed dates)."""
    config = load_council_config()
    return list(member_cards(Cases(config, Directory.from_config(config))))


CARD_NAMES = [name for name, _ in catalogue()]


@pytest.fixture(scope="module")
def every_card() -> list[tuple[str, Card]]:
    return catalogue()


def test_every_member_facing_outbox_kind_has_a_renderer() -> None:
    assert set(MEMBER_NOTICES) == {
        "acknowledged", "officer-reply", "information-requested", "redirected", "long-term",
        "final-response", "closed", "reopened", "escalation-answer", "cc-notice",
        "logged-for-member", "handed-over"}


def test_every_notice_opens_its_case(every_card: list[tuple[str, Card]]) -> None:
    for name, card in every_card:
        if name.startswith("notice"):
            opens = [a for a in card["actions"] if a.get("verb") == "member.case.open"]
            assert opens and opens[0]["title"] == "Open case", name
            assert opens[0]["data"]["reference"].startswith("ENQ-2026-"), name


def test_a_notice_never_carries_the_constituents_details(
    every_card: list[tuple[str, Card]],
) -> None:
    for name, card in every_card:
        if name.startswith("notice"):
            assert "Eileen Jones" not in json.dumps(card), name
            assert "0151 496 0000" not in json.dumps(card), name


def test_the_structural_check_catches_what_it_should() -> None:
    bad = {"type": "AdaptiveCard", "version": "1.6", "body": [
        {"type": "Input.Text", "id": "a", "label": "A"},
        {"type": "Input.Text", "id": "a", "label": "A again"},
        {"type": "Media", "sources": []},
        {"type": "TextBlock", "text": "x", "color": "Purple"},
    ], "actions": [{"type": "Action.Execute", "title": "Go", "verb": "officer.go", "data": {}},
                   {"type": "Action.Submit", "title": "Old"}]}
    found = "\n".join(problems_in(bad))
    for expected in ("version 1.5", "used twice", "'Media'", "color='Purple'",
                     "does not start with 'member.'", "uuid4 nonce", "'Action.Submit'"):
        assert expected in found


@pytest.mark.parametrize("name", CARD_NAMES)
def test_each_card_is_valid_adaptive_card_1_5(every_card: list[tuple[str, Card]],
                                              name: str) -> None:
    assert problems_in(dict(every_card)[name]) == []


def test_every_card_has_its_own_name() -> None:
    assert len(set(CARD_NAMES)) == len(CARD_NAMES) >= 40


# -- (b) the official parser, offline -------------------------------------------------------------

def _node_problem() -> str | None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed, so the adaptivecards parser cannot run"
    return None


@pytest.fixture(scope="session")
def cardcheck() -> Path:
    """tests/cardcheck with its pinned node_modules (npm ci, once, if missing)."""
    problem = _node_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem}; it is mandatory under CI=true", pytrace=False)
        pytest.skip(problem)
    if not (CARDCHECK / "node_modules" / "adaptivecards" / "package.json").exists():
        done = subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=CARDCHECK,
            capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            message = f"npm ci failed in {CARDCHECK}: {done.stderr.strip()[-500:]}"
            if IN_CI:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
    return CARDCHECK


def run_parser(cardcheck: Path, cards: list[tuple[str, Card]], tmp: Path) -> dict[str, Any]:
    file = tmp / "cards.json"
    file.write_text(json.dumps([{"name": n, "card": c} for n, c in cards]), encoding="utf-8")
    done = subprocess.run(["node", str(cardcheck / "check.js"), str(file)], cwd=cardcheck,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_the_official_parser_finds_nothing_wrong_with_any_card(
    cardcheck: Path, every_card: list[tuple[str, Card]], tmp_path: Path,
) -> None:
    report = run_parser(cardcheck, every_card, tmp_path)
    assert report["parser"] == "3.0.6"
    complaints = {r["name"]: r["events"] for r in report["results"] if r["events"]}
    assert complaints == {}
    assert len(report["results"]) == len(every_card)


def test_the_official_parser_does_complain_about_a_broken_card(
    cardcheck: Path, tmp_path: Path,
) -> None:
    broken: Card = {"type": "AdaptiveCard", "version": "1.5", "body": [
        {"type": "Input.Text", "id": "a"}, {"type": "Input.Text", "id": "a"},
        {"type": "Input.ChoiceSet", "id": "c", "choices": [{"title": "no value"}]},
        {"type": "Carousel"}]}
    report = run_parser(cardcheck, [("broken", broken)], tmp_path)
    events = {e["event"] for e in report["results"][0]["events"]}
    assert {"DuplicateId", "PropertyCantBeNull", "UnknownElementType"} <= events


"""Every officer card is a valid Adaptive Card 1.5 that Teams will take.

A structural check in Python (version 1.5; only element, input and action types 1.5 has; each
type's required properties and known property names; enumerated values; input ids unique across
the card and its show cards; one nonce per card; mentions that appear in the text; under Teams'
28 KB), run over a catalogue of every officer card in every state. Where Node.js and the pinned
official parser (tests/cardcheck) are installed, the same catalogue is parsed by it as well.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casestore import lifecycle
from casestore.calendar import LONDON
from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.model import SYSTEM, Actor, ActorKind, Case
from casestore.questions import Question, questions
from casestore.records import Page
from casestore.sla import SlaPolicy
from dialogs.notices import NoticeContext
from dialogs.officers.actions import FORMS
from dialogs.officers.cards import case_card, form_card, message_card, moved_card
from dialogs.officers.chat import help_card, log_form, logged_card, queue_card
from dialogs.officers.notices import OFFICER_NOTICES, reminder_with_entities
from dialogs.officers.questions import question_card, questions_card
from dialogs.officers.view import CardEnv, FileInfo

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
ESCALATION_DAY = datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)
TEAMS_MAX_BYTES = 28 * 1024
CARDCHECK = Path(__file__).resolve().parents[1] / "cardcheck"
Card = dict[str, Any]

_ELEMENT = {"type", "id", "spacing", "separator", "height", "isVisible", "requires", "fallback"}
_INPUT = _ELEMENT | {"isRequired", "errorMessage", "label"}
ELEMENTS: dict[str, tuple[set[str], set[str]]] = {  # type -> (required, allowed)
    "TextBlock": ({"text"}, _ELEMENT | {"text", "color", "fontType", "horizontalAlignment",
                                       "isSubtle", "maxLines", "size", "weight", "wrap",
                                       "style"}),
    "Image": ({"url"}, _ELEMENT | {"url", "altText", "backgroundColor", "horizontalAlignment",
                                   "selectAction", "size", "style", "width"}),
    "Container": ({"items"}, _ELEMENT | {"items", "selectAction", "style", "bleed", "minHeight",
                                         "verticalContentAlignment", "backgroundImage", "rtl"}),
    "ColumnSet": ({"columns"}, _ELEMENT | {"columns", "selectAction", "style", "bleed",
                                           "minHeight", "horizontalAlignment"}),
    "FactSet": ({"facts"}, _ELEMENT | {"facts"}),
    "ActionSet": ({"actions"}, _ELEMENT | {"actions"}),
    "RichTextBlock": ({"inlines"}, _ELEMENT | {"inlines", "horizontalAlignment"}),
    "Input.Text": ({"id"}, _INPUT | {"isMultiline", "maxLength", "placeholder", "regex",
                                     "style", "inlineAction", "value"}),
    "Input.Number": ({"id"}, _INPUT | {"max", "min", "placeholder", "value"}),
    "Input.Date": ({"id"}, _INPUT | {"max", "min", "placeholder", "value"}),
    "Input.Time": ({"id"}, _INPUT | {"max", "min", "placeholder", "value"}),
    "Input.Toggle": ({"id", "title"}, _INPUT | {"title", "value", "valueOff", "valueOn",
                                                "wrap"}),
    "Input.ChoiceSet": ({"id", "choices"}, _INPUT | {"choices", "isMultiSelect", "style",
                                                     "value", "placeholder", "wrap"}),
}
COLUMN = ({"type"}, {"type", "id", "items", "width", "style", "selectAction", "spacing",
                     "separator", "verticalContentAlignment", "minHeight", "bleed",
                     "backgroundImage", "isVisible", "rtl", "requires", "fallback"})
_ACTION = {"type", "title", "iconUrl", "id", "style", "fallback", "tooltip", "isEnabled", "mode",
           "requires"}
ACTIONS: dict[str, tuple[set[str], set[str]]] = {
    "Action.Execute": ({"verb"}, _ACTION | {"verb", "data", "associatedInputs"}),
    "Action.Submit": (set(), _ACTION | {"data", "associatedInputs"}),
    "Action.OpenUrl": ({"url"}, _ACTION | {"url"}),
    "Action.ShowCard": ({"card"}, _ACTION | {"card"}),
    "Action.ToggleVisibility": ({"targetElements"}, _ACTION | {"targetElements"}),
}
ROOT = {"type", "version", "$schema", "body", "actions", "msteams", "fallbackText", "speak",
        "lang", "minHeight", "verticalContentAlignment", "selectAction", "backgroundImage",
        "refresh", "authentication", "rtl", "metadata"}
ENUMS: dict[tuple[str, str], set[str]] = {
    ("TextBlock", "color"): {"Default", "Dark", "Light", "Accent", "Good", "Warning",
                             "Attention"},
    ("TextBlock", "size"): {"Default", "Small", "Medium", "Large", "ExtraLarge"},
    ("TextBlock", "weight"): {"Default", "Lighter", "Bolder"},
    ("Container", "style"): {"default", "emphasis", "good", "attention", "warning", "accent"},
    ("Input.ChoiceSet", "style"): {"compact", "expanded", "filtered"},
}
SPACING = {"None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"}
ACTION_STYLES = {"default", "positive", "destructive"}


class Checker:
    """Walks one card; `problems` lists what is wrong with it (empty when it is valid)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.input_ids: list[str] = []
        self.nonces: set[str] = set()
        self.text: list[str] = []

    def card(self, card: Card, where: str, *, root: bool) -> None:
        if card.get("type") != "AdaptiveCard":
            self.problems.append(f"{where}: not an AdaptiveCard")
        if root and card.get("version") != "1.5":
            self.problems.append(f"{where}: version {card.get('version')!r}, not 1.5")
        for key in set(card) - ROOT:
            self.problems.append(f"{where}: unknown property {key!r}")
        if not isinstance(card.get("body", []), list):
            self.problems.append(f"{where}: body is not a list")
        for i, element in enumerate(card.get("body", [])):
            self.element(element, f"{where}.body[{i}]")
        self.actions(card.get("actions", []), f"{where}.actions")

    def _props(self, node: dict[str, Any], spec: tuple[set[str], set[str]], where: str) -> None:
        required, allowed = spec
        for key in required - set(node):
            self.problems.append(f"{where}: missing {key!r}")
        for key in set(node) - allowed:
            self.problems.append(f"{where}: {node['type']} has no property {key!r}")
        for key in ("text", "title", "label"):
            if isinstance(node.get(key), str):
                self.text.append(node[key])
        if "spacing" in node and node["spacing"] not in SPACING:
            self.problems.append(f"{where}: spacing {node['spacing']!r}")
        for (kind, key), allowed_values in ENUMS.items():
            if node.get("type") == kind and key in node and node[key] not in allowed_values:
                self.problems.append(f"{where}: {key} {node[key]!r}")

    def element(self, node: Any, where: str) -> None:
        kind = node.get("type") if isinstance(node, dict) else None
        if kind not in ELEMENTS:
            self.problems.append(f"{where}: {kind!r} is not an Adaptive Card 1.5 element")
            return
        self._props(node, ELEMENTS[kind], where)
        if kind.startswith("Input."):
            self.input_ids.append(node.get("id", ""))
        if kind == "TextBlock" and not node.get("text"):
            self.problems.append(f"{where}: empty TextBlock")
        self.children(node, where)
        for key in ("facts", "choices"):
            for i, pair in enumerate(node.get(key, [])):
                if not (isinstance(pair.get("title"), str) and isinstance(pair.get("value"), str)):
                    self.problems.append(f"{where}.{key}[{i}]: needs a title and a value")
        if kind == "ActionSet":
            self.actions(node["actions"], f"{where}.actions")
        if "selectAction" in node:
            self.action(node["selectAction"], f"{where}.selectAction")

    def children(self, node: dict[str, Any], where: str) -> None:
        for i, item in enumerate(node.get("items", [])):
            self.element(item, f"{where}.items[{i}]")
        for i, column in enumerate(node.get("columns", [])):
            self._props(column, COLUMN, f"{where}.columns[{i}]")
            for j, item in enumerate(column.get("items", [])):
                self.element(item, f"{where}.columns[{i}].items[{j}]")

    def actions(self, actions: list[Any], where: str) -> None:
        if len(actions) > 5:
            self.problems.append(f"{where}: {len(actions)} actions (hosts show at most five)")
        for i, action in enumerate(actions):
            self.action(action, f"{where}[{i}]")

    def action(self, node: Any, where: str) -> None:
        kind = node.get("type") if isinstance(node, dict) else None
        if kind not in ACTIONS:
            self.problems.append(f"{where}: {kind!r} is not an Adaptive Card 1.5 action")
            return
        self._props(node, ACTIONS[kind], where)
        if not node.get("title") and where.split(".")[-1] != "selectAction":
            self.problems.append(f"{where}: a button needs a title")
        if node.get("style", "default") not in ACTION_STYLES:
            self.problems.append(f"{where}: style {node['style']!r}")
        if kind == "Action.Execute":
            if not str(node.get("verb", "")).startswith("officer."):
                self.problems.append(f"{where}: verb {node.get('verb')!r} is not officer.*")
            if not isinstance(node.get("data", {}), dict):
                self.problems.append(f"{where}: data is not an object")
            elif "nonce" in node.get("data", {}):
                self.nonces.add(node["data"]["nonce"])
        if kind == "Action.ShowCard":
            self.card(node["card"], f"{where}.card", root=False)


def problems_of(card: Card) -> list[str]:
    checker = Checker()
    checker.card(card, "card", root=True)
    dupes = {i for i in checker.input_ids if checker.input_ids.count(i) > 1}
    if dupes:
        checker.problems.append(f"input ids used twice: {sorted(dupes)}")
    if len(checker.nonces) > 1:
        checker.problems.append(f"{len(checker.nonces)} nonces on one card")
    for entity in card.get("msteams", {}).get("entities", []):
        if not any(entity["text"] in text for text in checker.text):
            checker.problems.append(f"mention {entity['text']} is not in the card's text")
    size = len(json.dumps(card).encode())
    if size > TEAMS_MAX_BYTES:
        checker.problems.append(f"{size} bytes: over Teams' 28 KB")
    return checker.problems


# --- the catalogue: every officer card ----------------------------------------------------------

def officer(person_id: str) -> Actor:
    return Actor(person_id, ActorKind.OFFICER)


SARAH = Actor("sarah-okafor", ActorKind.MEMBER)
LEANNE = officer("leanne-moorcroft")


def new_case(policy: SlaPolicy, **overrides: Any) -> Case:
    values: dict[str, Any] = {
        "member_id": "sarah-okafor", "raised_by_id": "sarah-okafor", "lead_service": "roads",
        "enquiry_type": "report_it", "ward_id": "ashcroft", "description": "A deep pothole",
        "ask": "Repair it", "created_at": MONDAY, "location": "14 Mill Lane",
    }
    values.update(overrides)
    case = Case(**values)
    lifecycle.submit(case, SARAH, MONDAY, policy, "ENQ-2026-000123")
    case.id = 123
    return case


def cases(policy: SlaPolicy) -> Iterator[tuple[str, Case, str | None]]:
    """(name, case, the thread's service) for every state an officer can meet."""
    yield "open", new_case(policy), "roads"
    yield "open in chat", new_case(policy), None
    c = new_case(policy, urgency="urgent", constituent_name="Mrs Evans",
                 constituent_contact="01632 960000", consent_given=True,
                 linked_reference="ENQ-2026-000001", raised_by_id="leanne-moorcroft")
    yield "urgent, logged by an officer", c, "roads"
    c = new_case(policy)
    lifecycle.acknowledge(c, LEANNE, MONDAY)
    yield "acknowledged", c, "roads"
    lifecycle.ask_member(c, LEANNE, MONDAY, "Which side?")
    yield "paused", c, "roads"
    c = new_case(policy)
    lifecycle.reply(c, LEANNE, MONDAY, "On it")
    yield "responded", c, "roads"
    lifecycle.final_response(c, LEANNE, MONDAY, policy, "Done")
    yield "final response given", c, "roads"
    c = new_case(policy)
    lifecycle.mark_long_term(c, LEANNE, MONDAY, date(2027, 3, 31), "Resurfacing", MONDAY.date())
    yield "long-term", c, "roads"
    lifecycle.close(c, LEANNE, MONDAY)
    yield "closed", c, "roads"
    lifecycle.reopen(c, LEANNE, MONDAY + timedelta(days=1), policy, "Again", by_member=False)
    yield "reopened", c, "roads"
    c = new_case(policy)
    lifecycle.escalate(c, SARAH, ESCALATION_DAY, policy, "No reply")
    yield "escalated", c, "roads"
    c = new_case(policy)
    lifecycle.add_service(c, LEANNE, MONDAY, "parking")
    yield "joint, lead thread", c, "roads"
    yield "joint, second thread", c, "parking"
    c = new_case(policy)
    lifecycle.redirect(c, LEANNE, MONDAY, policy, "street-lighting", "A lamp")
    yield "redirected, old thread", c, "roads"
    yield "redirected, new thread", c, "street-lighting"
    yield "largest", new_case(policy, description="d" * 4000, ask="a" * 2000,
                              location="l" * 300, search_term="s" * 100), "roads"


Q_IDS = [f"{i:032x}" for i in range(1, 10)]


def with_questions(case: Case, *, long: bool = False) -> list[Question]:
    """Seven open questions (officer and service), one answered and one withdrawn."""
    text = "q" * 4000 if long else "Is the lamp outside number 14 on your list?"
    for i, qid in enumerate(Q_IDS):
        to = {"to_officer_id": "colin-hesketh", "to_service_id": None} if i % 2 else \
            {"to_officer_id": None, "to_service_id": "parking"}
        lifecycle.ask_officer(case, LEANNE, MONDAY, question_id=qid, question=text,
                              asked_in="roads", **to)
    known = questions(case.new_events)
    lifecycle.answer_question(case, officer("colin-hesketh"), MONDAY, question_id=Q_IDS[1],
                              answer="a" * 4000 if long else "Yes, next week.", questions=known)
    lifecycle.withdraw_question(case, LEANNE, MONDAY, question_id=Q_IDS[0],
                                reason="r" * 4000 if long else "Parking already replied.",
                                questions=known)
    return questions(case.new_events)


FILES = [FileInfo(f"photo-{i:02d}-of-the-pothole-outside-number-14.jpg", 2_400_000)
         for i in range(20)]


def catalogue(config: CouncilConfig, directory: Directory) -> Iterator[tuple[str, Card]]:
    policy = SlaPolicy(config)
    env = CardEnv(config, directory, policy, MONDAY)
    leanne = directory.get("leanne-moorcroft")
    for name, case, service in cases(policy):
        yield f"case card: {name}", case_card(case, env, service_id=service, files=FILES,
                                              notice="Done.")
    case = new_case(policy)
    for verb in FORMS:
        yield f"form: {verb}", form_card(case, env, verb, values={}, problems={
            "final_text": "Write the final response."}, message="Please check the form.",
            service_id="roads")
    asked = new_case(policy)
    known = with_questions(asked)
    yield "case card: with questions", case_card(asked, env, service_id="roads",
                                                 questions=known)
    yield "case card: three questions", case_card(
        asked, env, service_id="roads", questions=known[:3])
    big = new_case(policy, description="d" * 4000, ask="a" * 2000, location="l" * 300,
                   search_term="s" * 100)
    long_q = with_questions(big, long=True)
    yield "case card: largest, with questions", case_card(
        big, env, service_id="roads", files=FILES, questions=long_q, notice="Done.")
    nonce = "0f6c6ff1-7a41-4b35-9a5e-7a3a0b2b1c11"
    for q in known[:3]:
        yield f"question card: {q.status}", question_card(
            asked, env, q, nonce=nonce, service_id="roads", notice="Done.",
            values={f"answer_{q.id}": "Soon"}, problem="Write your answer.")
    for q in long_q[:3]:
        yield f"question card: largest {q.status}", question_card(big, env, q, nonce=nonce)
    yield "questions for you: none", questions_card([], 0, env, nonce=nonce)
    yield "questions for you", questions_card([(big, q) for q in long_q], 23, env,
                                              nonce=nonce, notice="Thank you.")
    yield "moved card", moved_card(case, env, "parking", reason="Not ours", by="dean-whittle")
    yield "message", message_card("Sorry.", title="Refused", tone="attention")
    yield "help in chat", help_card(leanne, env, notice="Sorry, I didn't understand that.")
    yield "help in channel", help_card(leanne, env, service_id="roads", in_channel=True)
    yield "empty queue", queue_card(Page([], 0, 0, 10), env)
    yield "queue", queue_card(Page([new_case(policy) for _ in range(10)], 23, 10, 10), env)
    yield "log form", log_form(env, nonce="0f6c6ff1-7a41-4b35-9a5e-7a3a0b2b1c11",
                               service_id="roads", values={"log_member": "sarah-okafor"},
                               problems={"log_description": "Describe the enquiry."},
                               notice="Please check the form.")
    yield "logged", logged_card(case, env)
    yield from notices(config, directory, policy)


PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "case-opened": [{"event": "submitted"},
                    {"event": "redirected", "from_service": "roads", "reason": "A lamp",
                     "actor_id": "leanne-moorcroft"},
                    {"event": "service_added", "service": "parking",
                     "attachments": [{"filename": "photo.jpg", "size_bytes": 1000}]}],
    "case-redirected": [{"from_service": "roads", "to_service": "street-lighting",
                         "reason": "A lamp", "actor_id": "leanne-moorcroft"}],
    "member-activity": [
        {"event": "information_added", "text": "It is on the left", "clock_resumed": True,
         "paused_working_days": 2},
        {"event": "update_requested", "text": "Any news?"},
        {"event": "attachment_added", "filename": "photo.jpg", "size_bytes": 1000},
        {"event": "rated", "rating": 2, "comment": "Slow"},
        {"event": "auto_close_extended", "days": 5, "auto_close_on": "2026-12-14"},
        {"event": "escalated", "reason": "No reply", "escalation_due_on": "2026-12-15"},
        {"event": "closed", "reason": "Sorted"},
        {"event": "information_added", "text": "For Hayley", "on_behalf_of_id": "sarah-okafor",
         "actor_id": "hayley-naughton"},
    ],
    "case-reopened": [{"reason": "It is back", "by_member": True}],
    "assigned": [{"assignee": "dean-whittle", "actor_id": "leanne-moorcroft"}],
    "escalation": [{"reason": "No reply", "escalation_due_on": "2026-12-15"}],
    "ack-due": [{"due_on": "2026-11-24", "mention": "leanne-moorcroft"}, {"due_on": None}],
    "response-due": [{"due_on": "2026-12-07", "mention": "gareth-prescott"}],
    "overdue": [{"due_on": "2026-12-07", "mention": "leanne-moorcroft"}],
    "escalation-reminder": [{"due_on": "2026-12-15"}],
    "officer-question": [
        {"question_id": Q_IDS[0], "question": "Is the lamp on your list?",
         "to_officer": "colin-hesketh", "to_service": None, "asked_in": "roads",
         "actor_id": "leanne-moorcroft", "recipient": "person:colin-hesketh"},
        {"question_id": Q_IDS[1], "question": "Are the yellow lines due?", "to_officer": None,
         "to_service": "parking", "asked_in": None, "actor_id": "leanne-moorcroft",
         "recipient": "person:joanne-kirby"},
        {"question_id": Q_IDS[2], "question": "q" * 4000, "to_service": "roads",
         "actor_id": "mark-rawlinson"},
    ],
    "question-answered": [
        {"question_id": Q_IDS[0], "question": "Is the lamp on your list?", "answer": "Yes.",
         "asked_by": "leanne-moorcroft", "to_officer": "colin-hesketh",
         "actor_id": "colin-hesketh"},
        {"question_id": Q_IDS[1], "question": "q" * 4000, "answer": "a" * 4000,
         "asked_by": "nobody-known", "to_service": "parking", "actor_id": "joanne-kirby"},
    ],
    "question-withdrawn": [
        {"question_id": Q_IDS[0], "question": "Is the lamp on your list?",
         "reason": "Parking already replied.", "asked_by": "dean-whittle",
         "to_officer": "colin-hesketh", "actor_id": "leanne-moorcroft",
         "recipient": "person:colin-hesketh"},
        {"question_id": Q_IDS[1], "question": "Any news?", "to_service": "roads",
         "asked_by": "mark-rawlinson", "actor_id": "mark-rawlinson"},
    ],
}


def notices(config: CouncilConfig, directory: Directory, policy: SlaPolicy
            ) -> Iterator[tuple[str, Card]]:
    for kind, payloads in PAYLOADS.items():
        for i, extra in enumerate(payloads):
            case = new_case(policy)
            if kind == "escalation" or kind == "escalation-reminder":
                lifecycle.escalate(case, SARAH, ESCALATION_DAY, policy, "No reply")
            recipient = "person:dean-whittle" if kind == "assigned" else (
                "escalation:roads" if kind.startswith("escalation") else "thread:roads")
            extra = dict(extra)
            recipient = str(extra.pop("recipient", recipient))
            payload = {"reference": case.reference, "actor_id": "sarah-okafor", **extra}
            yield f"notice {kind} #{i}", OFFICER_NOTICES[kind](NoticeContext(
                case=case, kind=kind, payload=payload, recipient=recipient, config=config,
                directory=directory, policy=policy, now=MONDAY))


def test_every_officer_notice_kind_is_in_the_catalogue() -> None:
    assert set(PAYLOADS) == set(OFFICER_NOTICES)


@pytest.fixture(scope="module")
def all_cards(config: CouncilConfig, directory: Directory) -> list[tuple[str, Card]]:
    return list(catalogue(config, directory))


def test_every_officer_card_is_a_valid_adaptive_card_1_5(
    all_cards: list[tuple[str, Card]],
) -> None:
    found = {name: problems for name, card in all_cards if (problems := problems_of(card))}

    assert found == {}
    assert len(all_cards) > 50


def test_the_checker_catches_what_teams_would_refuse() -> None:
    bad = {"type": "AdaptiveCard", "version": "1.6", "body": [
        {"type": "TextBlock"}, {"type": "Icon", "name": "Pin"},
        {"type": "Input.Text", "id": "x"}, {"type": "Input.Text", "id": "x", "colour": "red"},
        {"type": "TextBlock", "text": "hi", "color": "Red"}],
        "actions": [{"type": "Action.Execute", "title": "Go", "verb": "member.x"},
                    {"type": "Action.Popover", "title": "No"}],
        "msteams": {"entities": [{"type": "mention", "text": "<at>Ann</at>"}]}}

    problems = "\n".join(problems_of(bad))

    for expected in ("not 1.5", "missing 'text'", "'Icon' is not", "no property 'colour'",
                     "color 'Red'", "input ids used twice", "is not officer.*",
                     "'Action.Popover' is not", "<at>Ann</at> is not in the card's text"):
        assert expected in problems


def test_the_largest_case_card_fits_in_a_teams_message(all_cards: list[tuple[str, Card]]
                                                       ) -> None:
    [largest] = [card for name, card in all_cards if name == "case card: largest"]

    assert len(json.dumps(largest).encode()) < TEAMS_MAX_BYTES


def test_the_largest_question_cards_fit_in_a_teams_message(all_cards: list[tuple[str, Card]]
                                                           ) -> None:
    largest = {name: len(json.dumps(card).encode()) for name, card in all_cards
               if ("largest" in name and "question" in name) or name in (
                   "questions for you", "notice question-answered #1",
                   "notice officer-question #2")}

    assert len(largest) == 7
    assert {name: size for name, size in largest.items() if size >= TEAMS_MAX_BYTES} == {}


def test_the_case_card_lists_open_questions_each_with_its_own_withdraw_form(
    all_cards: list[tuple[str, Card]],
) -> None:
    [card] = [card for name, card in all_cards if name == "case card: with questions"]
    shown = json.dumps(card)

    withdraws = [n for n in _walk(card) if n.get("verb") == "officer.withdraw_question"]
    assert sorted(n["data"]["question_id"] for n in withdraws) == Q_IDS[2:5]  # the oldest
    assert {n["data"]["nonce"] for n in withdraws} == {card["actions"][0]["data"]["nonce"]}
    assert "Questions to officers (7 waiting)" in shown
    assert "4 more are waiting" in shown
    assert "Answered by Colin Hesketh" in shown and "Yes, next week." in shown
    assert "Withdrawn by Leanne Moorcroft" in shown and "Parking already replied." in shown


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_a_reminder_in_a_thread_mentions_the_assignee(config: CouncilConfig,
                                                      directory: Directory) -> None:
    policy = SlaPolicy(config)
    case = new_case(policy)
    ctx = NoticeContext(case=case, kind="ack-due", payload={
        "reference": case.reference, "due_on": "2026-11-24", "mention": "leanne-moorcroft"},
        recipient="thread:roads", config=config, directory=directory, policy=policy, now=MONDAY)

    card, entities = reminder_with_entities(ctx)

    leanne = directory.get("leanne-moorcroft")
    assert entities == [{"type": "mention", "text": "<at>Leanne Moorcroft</at>",
                         "mentioned": {"id": leanne.teams_user_id, "name": "Leanne Moorcroft"}}]
    assert card["msteams"]["entities"] == entities
    assert "<at>Leanne Moorcroft</at>, please acknowledge this enquiry by Tuesday 24 November." \
        in json.dumps(card, ensure_ascii=False)


def test_a_system_actor_reads_as_the_bot(config: CouncilConfig, directory: Directory) -> None:
    policy = SlaPolicy(config)
    case = new_case(policy)
    card = OFFICER_NOTICES["member-activity"](NoticeContext(
        case=case, kind="member-activity", payload={
            "reference": case.reference, "event": "closed", "actor_id": SYSTEM.person_id},
        recipient="thread:roads", config=config, directory=directory, policy=policy,
        now=MONDAY))

    assert "Member Enquiries closed the enquiry." in json.dumps(card)


def test_the_official_parser_accepts_every_officer_card(
    all_cards: list[tuple[str, Card]], tmp_path: Path,
) -> None:
    if shutil.which("node") is None or not (CARDCHECK / "node_modules" / "adaptivecards").is_dir():
        pytest.skip("Node.js or tests/cardcheck's npm packages (npm ci there) are not installed")
    cards_file = tmp_path / "cards.json"
    cards_file.write_text(json.dumps([{"name": n, "card": c} for n, c in all_cards]))

    run = subprocess.run(["node", str(CARDCHECK / "check.js"), str(cards_file)],
                         capture_output=True, text=True, timeout=60, check=True)

    results = json.loads(run.stdout)["results"]
    found = {r["name"]: r["events"] for r in results if r["events"]}
    assert found == {}
    assert len(results) == len(all_cards)

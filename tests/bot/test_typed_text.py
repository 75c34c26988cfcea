"""What a person typed is shown as text in every card: never a link, image, emphasis or mention.

A member typed a location of `[Pay your fine here](https://evil.example/pay)` and the service
channel's case card showed a link. Here every typed field (the enquiry's location, description,
ask, constituent details and search term; replies, questions, answers, reasons, comments and
file names) carries hostile Markdown into every card and every notice kind the bot sends, and no
card may show any of it live.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from casestore import lifecycle
from casestore.config import CouncilConfig, load_council_config
from casestore.directory import Directory
from casestore.kinds import NoticeKind
from casestore.model import Case
from casestore.questions import questions
from casestore.records import Page
from casestore.sla import SlaPolicy
from dialogs.members.cards import Acting, acknowledgement_card
from dialogs.members.case import AttachmentInfo, case_detail_card
from dialogs.members.files import Unsafe, not_fetched
from dialogs.members.lists import (
    FileResult,
    ListFilters,
    case_list_card,
    choose_case_for_files_card,
    files_added_card,
)
from dialogs.members.notices import MEMBER_NOTICES
from dialogs.members.special import files_card, information_card
from dialogs.notices import NoticeContext, renderer_for
from dialogs.officers.cards import case_card, moved_card
from dialogs.officers.chat import logged_card, queue_card
from dialogs.officers.notices import OFFICER_NOTICES
from dialogs.officers.questions import question_card, questions_card
from dialogs.officers.view import CardEnv, FileInfo
from dialogs.support.notices import SCHEDULER_NOTICES
from dialogs.text import WORD_JOINER, shown
from tests.bot.test_cards_schema import MEMBER, MONDAY, OFFICER, SARAH, Cases
from tests.bot.test_officer_cards_schema import ESCALATION_DAY, LEANNE, PAYLOADS, Q_IDS, new_case
from tests.bot.test_officer_cards_schema import SARAH as SARAH_ACTOR
from tests.support.cards import live_links_in, texts_of, unescaped

Card = dict[str, Any]

HOSTILE = ("[Pay your fine here](https://evil.example/pay) ![x](https://evil.example/x.png) "
           "**URGENT** _now_ ~~old~~ `code` <at>all</at> <a href='https://evil.example'>x</a> "
           "http://evil.example/plain www.evil.example mailto:boss@evil.example\n"
           "# Big heading\n1. first\n- second\n> quoted")
LIVE_EMPHASIS = ("**URGENT**", "_now_", "~~old~~", "`code`")
TYPED_KEYS = ("text", "question", "answer", "reason", "comment", "filename")


def _problems(card: Card) -> list[str]:
    found = live_links_in(card)
    for fragment in LIVE_EMPHASIS:
        found += [f"{fragment} in {text[:60]!r}" for text in unescaped(card, fragment)]
    return found


@pytest.fixture(scope="module")
def council() -> tuple[CouncilConfig, Directory]:
    config = load_council_config()
    return config, Directory.from_config(config)


def hostile_fields() -> dict[str, Any]:
    return dict(location=HOSTILE, description=HOSTILE, ask=HOSTILE, constituent_name=HOSTILE,
                constituent_contact=HOSTILE, search_term=HOSTILE, consent_given=True)


def _worked_member_case(make: Cases) -> Case:
    case = make.new(**hostile_fields())
    lifecycle.acknowledge(case, OFFICER, make.at(0.1))
    lifecycle.reply(case, OFFICER, make.at(1), HOSTILE)
    lifecycle.request_update(case, MEMBER, make.at(2), HOSTILE)
    lifecycle.ask_member(case, OFFICER, make.at(3), HOSTILE)
    lifecycle.add_information(case, MEMBER, make.at(3.5), make.policy, HOSTILE)
    lifecycle.final_response(case, OFFICER, make.at(8), make.policy, HOSTILE)
    lifecycle.close(case, MEMBER, make.at(9), reason=HOSTILE)
    return case


def _notice_payload(base: dict[str, Any]) -> dict[str, Any]:
    return {**base, **{k: HOSTILE for k in TYPED_KEYS if k in base or k != "filename"},
            "attachments": [{"filename": HOSTILE, "size_bytes": 1000}]}


MEMBER_PAYLOAD = {
    "assignee": "leanne-moorcroft", "first_response": True, "from_service": "roads",
    "to_service": "street-lighting", "expected_on": "2027-03-01", "auto_close_on": "2026-12-16",
    "by_member": False, "service": "roads", "from_person": "graham-leece", "to_person": SARAH,
}


def member_side(config: CouncilConfig, directory: Directory) -> Iterator[tuple[str, Card]]:
    make = Cases(config, directory)
    view = make.view()
    sarah = directory.get(SARAH)
    me = Acting(sarah, sarah)
    fresh = make.new(**hostile_fields())
    yield "acknowledgement", acknowledgement_card(view, fresh)
    case = _worked_member_case(make)
    files = [AttachmentInfo(1, HOSTILE, 1000, MONDAY, SARAH)]
    yield "case detail", case_detail_card(make.view(make.at(9)), case, list(case.new_events),
                                          files, me, can_act=True)
    yield "my cases", case_list_card(view, Page([fresh, case], 2, 0, 10),
                                     ListFilters(text=HOSTILE), me)
    yield "which enquiry", choose_case_for_files_card(view, [fresh], [HOSTILE], "tok-12345678",
                                                      me)
    yield "files added", files_added_card(view, "ENQ-2026-000001", [
        FileResult(HOSTILE, True), FileResult(HOSTILE, False, not_fetched(HOSTILE, Unsafe.HOST))])
    yield "special category, files", files_card("ENQ-2026-000001", [HOSTILE], ["health"],
                                                "tok-12345678")
    yield "special category, information", information_card("ENQ-2026-000001", HOSTILE,
                                                            ["health"])
    for kind, renderer in MEMBER_NOTICES.items():
        payload = {"reference": case.reference, "event": kind, "actor_id": "leanne-moorcroft",
                   **_notice_payload(MEMBER_PAYLOAD)}
        ctx = NoticeContext(case=case, kind=kind, payload=payload, recipient=f"person:{SARAH}",
                            config=config, directory=directory, policy=make.policy,
                            now=make.at(8))
        yield f"member notice {kind}", renderer(ctx)


def officer_side(config: CouncilConfig, directory: Directory) -> Iterator[tuple[str, Card]]:
    policy = SlaPolicy(config)
    env = CardEnv(config, directory, policy, MONDAY)
    case = new_case(policy, **hostile_fields())
    lifecycle.ask_officer(case, LEANNE, MONDAY, question_id=Q_IDS[0], question=HOSTILE,
                          asked_in="roads", to_officer_id="colin-hesketh", to_service_id=None)
    lifecycle.ask_officer(case, LEANNE, MONDAY, question_id=Q_IDS[1], question=HOSTILE,
                          asked_in="roads", to_officer_id=None, to_service_id="parking")
    known = questions(case.new_events)
    lifecycle.answer_question(case, LEANNE, MONDAY, question_id=Q_IDS[0], answer=HOSTILE,
                              questions=known)
    asked = questions(case.new_events)
    files = [FileInfo(HOSTILE, 2_000)]
    yield "case card", case_card(case, env, service_id="roads", files=files, notice="Done.")
    for q in asked:
        yield f"question card {q.status}", question_card(case, env, q, nonce="n")
    yield "questions for you", questions_card([(case, q) for q in asked], 2, env, nonce="n")
    yield "moved card", moved_card(case, env, "parking", reason=HOSTILE, by="dean-whittle")
    yield "queue", queue_card(Page([case], 1, 0, 10), env)
    yield "logged", logged_card(case, env)
    for kind, payloads in PAYLOADS.items():
        for i, base in enumerate(payloads):
            extra = _notice_payload(dict(base))
            recipient = str(extra.pop("recipient", "thread:roads"))
            target = new_case(policy, **hostile_fields())
            if kind.startswith("escalation"):
                lifecycle.escalate(target, SARAH_ACTOR, ESCALATION_DAY, policy, HOSTILE)
                recipient = "escalation:roads"
            payload = {"reference": target.reference, "actor_id": "sarah-okafor", **extra}
            yield f"officer notice {kind} #{i}", OFFICER_NOTICES[kind](NoticeContext(
                case=target, kind=kind, payload=payload, recipient=recipient, config=config,
                directory=directory, policy=policy, now=MONDAY))


def support_side(config: CouncilConfig, directory: Directory) -> Iterator[tuple[str, Card]]:
    policy = SlaPolicy(config)
    case = new_case(policy, **hostile_fields())
    item = {"reference": case.reference, "service": "roads", "member": SARAH,
            "due_on": "2026-11-30", "link": "https://teams.microsoft.com/l/message/x"}
    digest = {
        "date": "2026-11-23", "since": "2026-11-20T10:00:00+00:00",
        "new_cases": {"count": 1, "items": [item]},
        "late_acknowledgements": {"count": 1, "items": [item]},
        "overdue_by_service": [{"service": "roads", "count": 1, "worst": [item]}],
        "open_escalations": {"count": 1, "items": [item | {"overdue": True}]},
        "low_ratings": [item | {"rating": 1, "comment": HOSTILE}],
        "redirected": [item | {"from": "roads", "to": "parking"}],
        "reopened": [item],
        "failed_messages": {"count": 1, "items": [{"kind": "officer-reply", "reference":
                                                   case.reference, "to": "person",
                                                   "error": HOSTILE}]},
    }
    for kind, renderer in SCHEDULER_NOTICES.items():
        payload = digest if kind == "digest" else {
            "reference": case.reference, "due_on": "2026-12-07", "reason": HOSTILE,
            "auto_close_on": "2026-12-16", "member": SARAH}
        yield f"scheduler notice {kind}", renderer(NoticeContext(
            case=case, kind=kind, payload=payload, recipient="support:", config=config,
            directory=directory, policy=policy, now=MONDAY))


def every_hostile_card(council: tuple[CouncilConfig, Directory]) -> list[tuple[str, Card]]:
    config, directory = council
    return [*member_side(config, directory), *officer_side(config, directory),
            *support_side(config, directory)]


def test_hostile_markdown_is_never_live_in_any_card(
        council: tuple[CouncilConfig, Directory]) -> None:
    cards = every_hostile_card(council)
    problems = {name: found for name, card in cards if (found := _problems(card))}

    assert problems == {}
    assert len(cards) > 40


def test_the_hostile_text_is_still_there_to_read(council: tuple[CouncilConfig, Directory]
                                                ) -> None:
    """Escaping must not drop what was typed: the words and the address are still shown."""
    cards = dict(every_hostile_card(council))
    texts = " ".join(texts_of(cards["case card"]))

    assert "Pay your fine here" in texts
    assert f"https{WORD_JOINER}://evil.example/pay" in texts
    assert "URGENT" in texts


def test_every_notice_kind_is_tried_with_hostile_text(
        council: tuple[CouncilConfig, Directory]) -> None:
    names = " ".join(name for name, _ in every_hostile_card(council))

    missing = [k.value for k in NoticeKind if renderer_for(k) is not None
               and f"notice {k.value}" not in names]
    assert missing == []


def test_the_checker_finds_live_markup() -> None:
    """The checker itself: it sees what Teams would make live, and passes what is escaped."""
    def block(text: str) -> Card:
        return {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": text}]}

    assert live_links_in(block("[Pay](https://evil.example/pay)"))
    assert live_links_in(block("![x](https://evil.example/x.png)"))
    assert live_links_in(block("see https://evil.example"))
    assert live_links_in(block("see www.evil.example"))
    assert live_links_in(block("<at>all</at>"))
    assert live_links_in(block("[ENQ-2026-000001](https://teams.microsoft.com/l/message/1)")) \
        == []
    assert live_links_in(block(shown("[Pay](https://evil.example/pay) <at>all</at>"))) == []
    assert unescaped(block("**URGENT**"), "**URGENT**")
    assert unescaped(block(shown("**URGENT**")), "**URGENT**") == []


@pytest.mark.parametrize("ordinary", [
    "14 Mill Lane, MV3 2AB", "St. John's Road", "Flat 2/3 (rear), 20% worse since Monday!",
    "Mrs Eileen Jones, 0151 496 0000", "It's on the left - near the bus stop.",
    "eileen.jones@example.org",
])
def test_ordinary_text_reads_as_typed(ordinary: str) -> None:
    assert shown(ordinary) == ordinary


def test_lists_headings_and_control_characters_are_defused() -> None:
    assert shown("1. Main St") == "1\\. Main St"
    assert shown("# Big") == "\\# Big"
    assert shown("- item") == "\\- item"
    assert shown("a\x00b\x1bc\u202ed") == "abcd"
    assert shown("line one\nline two") == "line one\nline two"


def test_a_case_title_keeps_the_location_as_text(council: tuple[CouncilConfig, Directory]
                                                ) -> None:
    from dialogs.format import case_title
    config, _ = council
    case = new_case(SlaPolicy(config), location="[Pay](https://evil.example/pay)")

    title = case_title(case, config)
    assert live_links_in({"type": "TextBlock", "text": title}) == []
    assert "Pay" in title

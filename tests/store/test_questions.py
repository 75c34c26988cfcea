"""Questions between officers against a real database (SQLite and PostgreSQL): asked, answered
and withdrawn through the use cases, with their permissions, idempotency and outbox rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.db.tables import case_events, outbox
from casestore.errors import InvalidRequest, InvalidTransition, NotPermitted
from casestore.model import CaseState
from casestore.questions import QuestionStatus
from tests.store.helpers import MONDAY, details, member, officer

SARAH = "sarah-okafor"  # Ashcroft: her roads case
LEANNE = "leanne-moorcroft"  # roads coordinator
DEAN = "dean-whittle"  # roads coordinator
COLIN = "colin-hesketh"  # street lighting coordinator
KAREN = "karen-tyrer"  # bins coordinator: unrelated to a roads case
EMMA = "emma-stubbs"  # planning, on leave 11-22 January 2027
RAJESH = "rajesh-patel"  # planning, covers Emma's leave
LATER = MONDAY + timedelta(hours=3)


async def _case(casework: Casework) -> str:
    outcome = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                    now=MONDAY)
    return outcome.case.reference or ""


async def _counts(casework: Casework) -> tuple[int, int]:
    async with casework.store.engine.begin() as conn:
        e = (await conn.execute(select(func.count()).select_from(case_events))).scalar_one()
        o = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
    return e, o


async def _queued(casework: Casework) -> list[tuple[str, str]]:
    async with casework.store.transaction() as uow:
        return [(m.kind, m.recipient) for m in await uow.outbox.all()]


async def _asked(casework: Casework, ref: str, *, by: str = LEANNE, key: str | None = None,
                 now: datetime = LATER, **to: str) -> str:
    outcome = await casework.ask_officer(ref, actor=officer(by), now=now,
                                         question="Is the lamp outside number 14 on your list?",
                                         asked_in="roads", idempotency_key=key, **to)
    [q] = [q for q in await casework.questions(outcome.case) if q.asked_at == now]
    return q.id


async def test_a_question_to_an_officer_is_an_event_and_a_message_to_their_chat_only(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    before = await _queued(casework)

    outcome = await casework.ask_officer(
        ref, actor=officer(LEANNE), now=LATER, question="  Is the lamp on your list?  ",
        to_officer_id=COLIN, asked_in="roads")

    [q] = await casework.questions(outcome.case)
    assert (q.text, q.asked_by, q.to_officer, q.asked_in, q.status) == (
        "Is the lamp on your list?", LEANNE, COLIN, "roads", QuestionStatus.OPEN)
    assert len(q.id) == 32 and int(q.id, 16) >= 0  # a uuid4 in hex
    assert await _queued(casework) == [*before, ("officer-question", f"person:{COLIN}")]
    stored = await casework.view(ref, actor=officer(LEANNE), now=LATER)
    assert stored.state is CaseState.OPEN and stored.paused_at is None
    assert stored.response_due_on == outcome.case.response_due_on


async def test_the_same_key_twice_asks_one_question(casework: Casework) -> None:
    ref = await _case(casework)
    await _asked(casework, ref, to_officer_id=COLIN, key="nonce:1234abcd")
    events, rows = await _counts(casework)

    again = await casework.ask_officer(ref, actor=officer(LEANNE), now=LATER + timedelta(1),
                                       question="Is the lamp outside number 14 on your list?",
                                       to_officer_id=COLIN, idempotency_key="nonce:1234abcd")

    assert again.duplicate
    assert await _counts(casework) == (events, rows)
    assert len(await casework.questions(again.case)) == 1


async def test_a_question_id_passed_in_is_kept_and_never_reused(casework: Casework) -> None:
    ref = await _case(casework)
    qid = "0123456789abcdef0123456789abcdef"
    outcome = await casework.ask_officer(ref, actor=officer(LEANNE), now=LATER, question="Q?",
                                         to_officer_id=COLIN, question_id=qid)
    assert [q.id for q in await casework.questions(outcome.case)] == [qid]
    before = await _counts(casework)

    with pytest.raises(InvalidRequest):
        await casework.ask_officer(ref, actor=officer(DEAN), now=LATER, question="Again?",
                                   to_service_id="parking", question_id=qid)
    assert await _counts(casework) == before


async def test_a_question_to_a_service_not_on_the_case_goes_to_its_coordinators(
    casework: Casework,
) -> None:
    ref = await _case(casework)

    await _asked(casework, ref, to_service_id="parking")

    assert await _queued(casework) == [
        ("case-opened", "thread:roads"),
        ("officer-question", "person:joanne-kirby"),
        ("officer-question", "person:mark-rawlinson"),
    ]
    case = await casework.view(ref, actor=officer(LEANNE), now=LATER)
    [q] = await casework.questions(case)
    assert q.notify == ("joanne-kirby", "mark-rawlinson")  # recorded for the audit


async def test_a_question_to_a_service_on_the_case_goes_to_its_thread(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    await casework.add_service(ref, actor=officer(LEANNE), now=MONDAY, service_id="parking")

    await _asked(casework, ref, to_service_id="parking")

    assert (await _queued(casework))[-1] == ("officer-question", "thread:parking")


@pytest.mark.parametrize("to", [{"to_officer_id": SARAH}, {"to_officer_id": "nobody"},
                                {"to_service_id": "no-such-service"}, {}],
                         ids=["a-councillor", "nobody", "unknown-service", "no-one"])
async def test_a_question_must_go_to_a_known_officer_or_service(
    to: dict[str, str], casework: Casework,
) -> None:
    ref = await _case(casework)
    before = await _counts(casework)
    with pytest.raises(InvalidRequest) as refused:
        await casework.ask_officer(ref, actor=officer(LEANNE), now=LATER, question="Q?", **to)
    assert refused.value.field == "question_to"
    assert await _counts(casework) == before


async def test_the_officer_asked_answers_and_the_thread_it_came_from_is_told(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    qid = await _asked(casework, ref, to_officer_id=COLIN)

    outcome = await casework.answer_question(ref, actor=officer(COLIN), now=LATER + timedelta(1),
                                             question_id=qid, answer="Yes, on Friday.",
                                             idempotency_key="nonce:answer01")

    [q] = await casework.questions(outcome.case)
    assert (q.status, q.closed_by, q.answer) == (QuestionStatus.ANSWERED, COLIN,
                                                 "Yes, on Friday.")
    assert (await _queued(casework))[-1] == ("question-answered", "thread:roads")
    again = await casework.answer_question(ref, actor=officer(COLIN), now=LATER + timedelta(1),
                                           question_id=qid, answer="Yes, on Friday.",
                                           idempotency_key="nonce:answer01")
    assert again.duplicate
    with pytest.raises(InvalidRequest):  # a second answer, from another card
        await casework.answer_question(ref, actor=officer(LEANNE), now=LATER + timedelta(2),
                                       question_id=qid, answer="Also yes")


async def test_an_officer_of_an_unrelated_service_may_not_answer_and_nothing_is_written(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    qid = await _asked(casework, ref, to_officer_id=COLIN)
    before = await _counts(casework)

    for question_id in (qid, "f" * 32):  # a stranger learns nothing of unknown ids either
        with pytest.raises(NotPermitted):
            await casework.answer_question(ref, actor=officer(KAREN), now=LATER,
                                           question_id=question_id, answer="Not mine")
    with pytest.raises(NotPermitted):
        await casework.question(ref, qid, actor=officer(KAREN), now=LATER)
    assert await _counts(casework) == before


async def test_an_officer_of_the_service_asked_may_answer(casework: Casework) -> None:
    ref = await _case(casework)
    qid = await _asked(casework, ref, to_service_id="parking")

    await casework.answer_question(ref, actor=officer("mark-rawlinson"), now=LATER,
                                   question_id=qid, answer="The lines are due in March.")

    case = await casework.view(ref, actor=officer(LEANNE), now=LATER)
    assert (await casework.questions(case))[0].closed_by == "mark-rawlinson"


async def test_the_addressed_officers_delegate_answers_on_leave_days_only(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    on_leave = datetime(2027, 1, 12, 10, tzinfo=LONDON)
    back = datetime(2027, 1, 25, 10, tzinfo=LONDON)
    first = await _asked(casework, ref, to_officer_id=EMMA, now=on_leave)
    second = await _asked(casework, ref, to_officer_id=EMMA, now=on_leave + timedelta(hours=1))

    await casework.answer_question(ref, actor=officer(RAJESH), now=on_leave, question_id=first,
                                   answer="Emma is away; the application was refused.")
    before = await _counts(casework)
    with pytest.raises(NotPermitted):
        await casework.answer_question(ref, actor=officer(RAJESH), now=back, question_id=second,
                                       answer="Too late to cover")
    assert await _counts(casework) == before
    await casework.answer_question(ref, actor=officer(EMMA), now=back, question_id=second,
                                   answer="I am back: yes.")


async def test_a_withdrawal_keeps_its_reason_and_tells_the_officer_asked(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    qid = await _asked(casework, ref, to_officer_id=COLIN)

    outcome = await casework.withdraw_question(ref, actor=officer(DEAN), now=LATER,
                                               question_id=qid,
                                               reason="Street lighting already replied.")

    [q] = await casework.questions(outcome.case)
    assert (q.status, q.closed_by, q.reason) == (QuestionStatus.WITHDRAWN, DEAN,
                                                 "Street lighting already replied.")
    assert (await _queued(casework))[-1] == ("question-withdrawn", f"person:{COLIN}")
    before = await _counts(casework)
    with pytest.raises(InvalidRequest):
        await casework.answer_question(ref, actor=officer(COLIN), now=LATER, question_id=qid,
                                       answer="Too late")
    assert await _counts(casework) == before


async def test_an_officer_of_another_service_may_neither_ask_nor_withdraw(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    qid = await _asked(casework, ref, to_officer_id=COLIN)
    before = await _counts(casework)

    with pytest.raises(NotPermitted):
        await casework.ask_officer(ref, actor=officer(KAREN), now=LATER, question="Q?",
                                   to_officer_id=COLIN)
    with pytest.raises(NotPermitted):  # not even the officer asked may withdraw it
        await casework.withdraw_question(ref, actor=officer(COLIN), now=LATER, question_id=qid,
                                         reason="I would rather not")
    assert await _counts(casework) == before


async def test_no_question_can_be_asked_on_a_closed_case(casework: Casework) -> None:
    ref = await _case(casework)
    await casework.close(ref, actor=officer(LEANNE), now=LATER, reason="Duplicate")
    with pytest.raises(InvalidTransition):
        await _asked(casework, ref, to_officer_id=COLIN)


async def test_no_outbox_row_about_a_question_ever_goes_to_the_member(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    to_member_before = [r for r in await _queued(casework) if r[1] == f"person:{SARAH}"]
    one = await _asked(casework, ref, to_officer_id=COLIN)
    two = await _asked(casework, ref, to_service_id="parking", now=LATER + timedelta(1))
    await casework.answer_question(ref, actor=officer(COLIN), now=LATER, question_id=one,
                                   answer="Yes")
    await casework.withdraw_question(ref, actor=officer(LEANNE), now=LATER, question_id=two,
                                     reason="Not needed")

    async with casework.store.transaction() as uow:
        rows = await uow.outbox.all()
    about_questions = [r for r in rows if str(r.payload.get("event", "")).startswith("question")]
    assert sorted((r.kind, r.recipient) for r in about_questions) == [
        ("officer-question", f"person:{COLIN}"),
        ("officer-question", "person:joanne-kirby"),
        ("officer-question", "person:mark-rawlinson"),
        ("question-answered", "thread:roads"),
        ("question-withdrawn", "person:joanne-kirby"),
        ("question-withdrawn", "person:mark-rawlinson"),
    ]
    assert [(m.kind, m.recipient) for m in rows if m.recipient == f"person:{SARAH}"] == \
        to_member_before == []


async def test_the_responders_list_shows_what_waits_for_them_and_their_service(
    casework: Casework,
) -> None:
    ref = await _case(casework)
    other = await _case(casework)
    to_colin = await _asked(casework, ref, to_officer_id=COLIN)
    await _asked(casework, other, to_service_id="street-lighting",
                 now=MONDAY + timedelta(hours=1))
    await _asked(casework, ref, to_service_id="parking", now=LATER + timedelta(hours=1))

    mine, total = await casework.questions_for(actor=officer(COLIN), now=LATER)
    assert total == 2
    assert [(c.reference, q.to_officer, q.to_service) for c, q in mine] == [
        (other, None, "street-lighting"), (ref, COLIN, None)]  # the longest waiting first
    assert (await casework.questions_for(actor=officer(LEANNE), now=LATER))[1] == 0  # asker
    assert (await casework.questions_for(actor=officer("joanne-kirby"), now=LATER))[1] == 1
    assert (await casework.questions_for(actor=officer(KAREN), now=LATER))[1] == 0

    await casework.answer_question(ref, actor=officer(COLIN), now=LATER, question_id=to_colin,
                                   answer="Yes")
    await casework.close(other, actor=officer(LEANNE), now=LATER, reason="Sorted")
    assert await casework.questions_for(actor=officer(COLIN), now=LATER) == ([], 0)

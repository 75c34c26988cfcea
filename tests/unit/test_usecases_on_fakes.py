"""The use cases, specified on the in-memory fakes of the ports (no database, no Teams).

The same behaviour is checked on SQLite and PostgreSQL in tests/store; here each test reads as
a rule of the casework and runs in milliseconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.errors import (
    CaseNotFound,
    EscalationNotYetAllowed,
    NotPermitted,
)
from casestore.intake import InvalidSubmission
from casestore.model import CaseState, EscalationState
from casestore.ports import Store
from casestore.records import CaseFilter
from scheduler.digest import build_digest
from scheduler.sweep import sweep
from tests.store.helpers import MONDAY, details, member, officer
from tests.unit.fakes import FakeStore

SARAH = "sarah-okafor"  # Ashcroft ward, Leader of the Council
PETER = "peter-halloran"  # Ashcroft ward colleague
DAVID = "david-ashworth"  # Bramley Cross ward
ROADS = "gareth-prescott"  # roads coordinator
PARKING = "joanne-kirby"  # parking officer
SUPPORT = "kathryn-pinnington"  # member support team


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def casework(store: FakeStore, council: CouncilConfig, directory: Directory) -> Casework:
    port: Store = store  # the fake fits the port the use cases are typed against
    return Casework(port, council, directory)


def written(store: FakeStore) -> tuple[int, int, int, int]:
    """Cases, events, outbox rows and idempotency keys stored."""
    t = store.tables
    return len(t.cases), len(t.events), len(t.outbox), len(t.idempotency)


def queued(store: FakeStore, kind: str | None = None) -> list[tuple[str, str]]:
    return [(m.kind, m.recipient) for m in store.tables.outbox.values()
            if kind is None or m.kind == kind]


async def submitted(casework: Casework, who: str = SARAH, ward: str = "ashcroft",
                    **values: object) -> str:
    outcome = await casework.submit(details(ward, **values), member_id=who, actor=member(who),
                                    now=MONDAY)
    return outcome.case.reference or ""


async def test_a_submitted_case_gets_the_first_reference_its_deadlines_and_a_thread_post(
    casework: Casework, store: FakeStore,
) -> None:
    ref = await submitted(casework, cc_member_ids=[PETER])
    case = await casework.view(ref, actor=member(SARAH), now=MONDAY)
    assert ref == "ENQ-2026-000001" and case.state is CaseState.OPEN
    assert (str(case.acknowledge_due_on), str(case.response_due_on)) == ("2026-11-24",
                                                                       "2026-12-07")
    assert set(queued(store)) == {("case-opened", "thread:roads"),
                                  ("cc-notice", f"person:{PETER}")}


async def test_references_count_up_within_the_year(casework: Casework) -> None:
    refs = [await submitted(casework, search_term=f"case {i}") for i in range(3)]
    assert refs == ["ENQ-2026-000001", "ENQ-2026-000002", "ENQ-2026-000003"]


async def test_submitting_twice_with_the_same_key_makes_one_case_and_queues_once(
    casework: Casework, store: FakeStore,
) -> None:
    first = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                  now=MONDAY, idempotency_key="activity:abc")
    before = written(store)
    again = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                  now=MONDAY, idempotency_key="activity:abc")
    assert again.duplicate and again.case.reference == first.case.reference
    assert written(store) == before
    assert queued(store, "case-opened") == [("case-opened", "thread:roads")]


async def test_the_outbox_keeps_one_message_per_dedupe_key(store: FakeStore) -> None:
    async with store.transaction() as uow:
        assert await uow.outbox.add(dedupe_key="k", kind="digest", recipient="support",
                                    payload={}, now=MONDAY)
        assert not await uow.outbox.add(dedupe_key="k", kind="digest", recipient="support",
                                        payload={"other": 1}, now=MONDAY)
        assert await uow.outbox.queued_keys(["k", "new"]) == {"k"}
    assert len(store.tables.outbox) == 1


async def test_an_invalid_submission_writes_nothing(casework: Casework, store: FakeStore
                                                    ) -> None:
    with pytest.raises(InvalidSubmission):
        await casework.submit(details("ashcroft", service_id="no-such-service"),
                              member_id=SARAH, actor=member(SARAH), now=MONDAY)
    assert written(store) == (0, 0, 0, 0)


async def test_a_refused_action_writes_nothing(casework: Casework, store: FakeStore) -> None:
    ref = await submitted(casework)
    before = written(store)
    with pytest.raises(NotPermitted):
        await casework.acknowledge(ref, actor=officer(PARKING), now=MONDAY,
                                   idempotency_key="nonce:1")
    with pytest.raises(NotPermitted):
        await casework.request_update(ref, actor=member(DAVID), now=MONDAY, text="News?")
    with pytest.raises(CaseNotFound):
        await casework.acknowledge("ENQ-2026-999999", actor=officer(ROADS), now=MONDAY)
    assert written(store) == before  # not even the idempotency key was kept
    assert (await casework.view(ref, actor=member(SARAH), now=MONDAY)).version == 0


async def test_an_officer_acknowledges_and_claims_the_case(casework: Casework) -> None:
    ref = await submitted(casework)
    outcome = await casework.acknowledge(ref, actor=officer(ROADS),
                                         now=MONDAY + timedelta(hours=2))
    assert outcome.case.state is CaseState.ACKNOWLEDGED
    assert outcome.case.assignee_id == ROADS and outcome.case.acknowledged_at is not None


async def test_an_officers_reply_is_the_first_response_and_is_relayed_to_the_member(
    casework: Casework, store: FakeStore,
) -> None:
    ref = await submitted(casework)
    await casework.acknowledge(ref, actor=officer(ROADS), now=MONDAY)
    reply = await casework.reply(ref, actor=officer(ROADS), now=MONDAY + timedelta(days=1),
                                 text="Inspected; repair booked.")
    later = await casework.reply(ref, actor=officer(ROADS), now=MONDAY + timedelta(days=2),
                                 text="Crew booked for Tuesday.")
    assert reply.first_response and not later.first_response
    assert reply.case.first_response_at == MONDAY + timedelta(days=1)
    assert queued(store, "officer-reply") == [("officer-reply", f"person:{SARAH}")] * 2


async def test_escalation_is_refused_before_its_date_and_allowed_after(
    casework: Casework, store: FakeStore,
) -> None:
    ref = await submitted(casework)
    before = written(store)
    with pytest.raises(EscalationNotYetAllowed) as error:
        await casework.escalate(ref, actor=member(SARAH), now=MONDAY + timedelta(days=7),
                                reason="No reply")
    assert str(error.value.allowed_from_on) == "2026-12-08"
    assert written(store) == before
    outcome = await casework.escalate(ref, actor=member(SARAH),
                                      now=MONDAY + timedelta(days=15), reason="No reply")
    assert outcome.case.escalation_state is EscalationState.ESCALATED


async def test_a_member_requests_an_update_and_the_case_records_it(casework: Casework) -> None:
    ref = await submitted(casework)
    outcome = await casework.request_update(ref, actor=member(SARAH),
                                            now=MONDAY + timedelta(days=3), text="Any news?")
    kinds = [e.event.kind for e in await casework.timeline(outcome.case)]
    assert kinds == ["submitted", "update_requested"]


async def test_a_case_is_closed_and_reopened_and_its_timeline_says_so(casework: Casework
                                                                      ) -> None:
    ref = await submitted(casework)
    await casework.acknowledge(ref, actor=officer(ROADS), now=MONDAY)
    await casework.final_response(ref, actor=officer(ROADS), now=MONDAY + timedelta(days=8),
                                  text="Repaired on Tuesday.")
    closed = await casework.close(ref, actor=member(SARAH), now=MONDAY + timedelta(days=9))
    assert closed.case.state is CaseState.CLOSED
    reopened = await casework.reopen(ref, actor=member(SARAH), now=MONDAY + timedelta(days=10),
                                     reason="It has broken up again")
    assert reopened.case.state is CaseState.REOPENED
    assert [e.event.kind for e in await casework.timeline(reopened.case)] == [
        "submitted", "acknowledged", "final_response_given", "closed", "reopened"]


async def test_the_member_rates_the_final_response(casework: Casework) -> None:
    ref = await submitted(casework)
    await casework.final_response(ref, actor=officer(ROADS), now=MONDAY + timedelta(days=1),
                                  text="Repaired.")
    rated = await casework.rate(ref, actor=member(SARAH), now=MONDAY + timedelta(days=2),
                                score=4, comment="Quick work")
    assert (rated.case.rating, rated.case.rating_comment) == (4, "Quick work")


async def test_a_ccd_member_sees_the_case_and_a_stranger_does_not(casework: Casework) -> None:
    ref = await submitted(casework, cc_member_ids=[PETER])
    assert (await casework.view(ref, actor=member(PETER), now=MONDAY)).reference == ref
    page = await casework.list_for_member(actor=member(PETER), now=MONDAY)
    assert [c.reference for c in page.cases] == [ref]
    with pytest.raises(NotPermitted):
        await casework.view(ref, actor=member(DAVID), now=MONDAY)
    assert (await casework.list_for_member(actor=member(DAVID), now=MONDAY)).total == 0


async def test_a_retried_officer_action_is_done_once(casework: Casework, store: FakeStore
                                                     ) -> None:
    ref = await submitted(casework)
    first = await casework.reply(ref, actor=officer(ROADS), now=MONDAY, text="On it",
                                 idempotency_key="activity:1")
    again = await casework.reply(ref, actor=officer(ROADS), now=MONDAY, text="On it",
                                 idempotency_key="activity:1")
    assert not first.duplicate and again.duplicate
    assert len(queued(store, "officer-reply")) == 1


async def test_a_departing_members_cases_go_to_a_colleague_and_nobody_elses_move(
    casework: Casework,
) -> None:
    leaving = "graham-leece"  # Bramley Cross; left office on Friday 6 November
    mine = (await casework.submit(details("bramley-cross"), member_id=leaving,
                                  actor=member(leaving), now=MONDAY - timedelta(days=21)
                                  )).case.reference
    other = await submitted(casework, who=DAVID, ward="bramley-cross")
    with pytest.raises(NotPermitted):
        await casework.hand_over_member_cases(leaving, actor=officer(ROADS), now=MONDAY,
                                              to_person_id=DAVID, reason="Left office")
    handed = await casework.hand_over_member_cases(
        leaving, actor=officer(SUPPORT), now=MONDAY, to_person_id=DAVID, reason="Left office")
    assert handed == [mine]
    assert (await casework.view(mine, actor=member(DAVID), now=MONDAY)).member_id == DAVID
    assert (await casework.view(other, actor=member(DAVID), now=MONDAY)).member_id == DAVID


async def test_an_officer_lists_the_cases_of_their_service_only(casework: Casework) -> None:
    roads = await submitted(casework)
    await submitted(casework, service_id="parking", enquiry_type="information_request")
    page = await casework.list_for_officer(actor=officer(ROADS), now=MONDAY,
                                           flt=CaseFilter(text="mill lane"))
    assert [c.reference for c in page.cases] == [roads]


async def test_a_question_to_another_officer_waits_on_their_dashboard(casework: Casework
                                                                      ) -> None:
    ref = await submitted(casework)
    await casework.ask_officer(ref, actor=officer(ROADS), now=MONDAY, question="Is it ours?",
                               to_officer_id=PARKING, question_id="q1")
    waiting, total = await casework.questions_for(actor=officer(PARKING), now=MONDAY)
    assert total == 1 and [(c.reference, q.id) for c, q in waiting] == [(ref, "q1")]
    assert (await casework.questions_for(actor=officer(ROADS), now=MONDAY))[1] == 0


async def test_the_sweep_reminds_of_an_unacknowledged_case_once(casework: Casework) -> None:
    await submitted(casework)  # Monday 10:00: acknowledge by Tuesday 24 November
    tuesday = datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
    first = await sweep(casework, tuesday)
    assert [(q.kind, q.recipient) for q in first] == [("ack-due", "thread:roads")]
    assert await sweep(casework, tuesday + timedelta(hours=2)) == []


async def test_the_digest_lists_a_late_acknowledgement(casework: Casework) -> None:
    ref = await submitted(casework)
    digest = await build_digest(casework, datetime(2026, 11, 25, 9, 0, tzinfo=LONDON))
    late = digest["late_acknowledgements"]
    assert late["count"] == 1 and late["items"][0]["reference"] == ref

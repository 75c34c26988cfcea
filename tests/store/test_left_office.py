"""A councillor who has left office, on both engines: every use case refuses them with the date
their access ended and writes nothing; member support hands their cases over.

Cllr Graham Leece (Bramley Cross) left office on Friday 6 November 2026 in the demo council. His
enquiry was raised on Monday 2 November, while he served; the refusals are three weeks later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from casestore.casework import Casework
from casestore.db.tables import case_events, cases, idempotency_keys, outbox
from casestore.errors import AccessEnded, InvalidRequest, NotPermitted
from tests.store.helpers import MONDAY, details, member, officer

LEECE = "graham-leece"
LEFT_ON = date(2026, 11, 6)
SERVING = MONDAY - timedelta(days=21)  # Monday 2 November
AFTER = MONDAY  # Monday 23 November
SUPPORT = "kathryn-pinnington"
ROADS = "gareth-prescott"
DAVID = "david-ashworth"  # Bramley Cross ward colleague

UseCase = Callable[[Casework, str], Awaitable[Any]]
ME = member(LEECE)

MEMBER_USE_CASES: dict[str, UseCase] = {
    "raise an enquiry": lambda cw, ref: cw.submit(
        details("bramley-cross"), member_id=LEECE, actor=ME, now=AFTER, idempotency_key="n1"),
    "save a draft": lambda cw, ref: cw.save_draft(
        details("bramley-cross"), member_id=LEECE, actor=ME, now=AFTER),
    "list his drafts": lambda cw, ref: cw.drafts(actor=ME, now=AFTER),
    "list his cases": lambda cw, ref: cw.list_for_member(actor=ME, now=AFTER),
    "view a case": lambda cw, ref: cw.view(ref, actor=ME, now=AFTER),
    "list its files": lambda cw, ref: cw.attachments(ref, actor=ME, now=AFTER),
    "request an update": lambda cw, ref: cw.request_update(
        ref, actor=ME, now=AFTER, text="Any news?", idempotency_key="n2"),
    "add information": lambda cw, ref: cw.add_information(
        ref, actor=ME, now=AFTER, text="It is deeper now", idempotency_key="n3"),
    "add a file": lambda cw, ref: cw.add_attachment(
        ref, actor=ME, now=AFTER, filename="photo.pdf", content_type="application/pdf",
        content=b"%PDF-1.7 photo", idempotency_key="n4"),
    "escalate": lambda cw, ref: cw.escalate(
        ref, actor=ME, now=AFTER + timedelta(days=15), reason="No answer", idempotency_key="n5"),
    "rate the response": lambda cw, ref: cw.rate(
        ref, actor=ME, now=AFTER, score=1, idempotency_key="n6"),
    "extend the auto-close": lambda cw, ref: cw.extend_auto_close(
        ref, actor=ME, now=AFTER, days=5, idempotency_key="n7"),
    "close it": lambda cw, ref: cw.close(ref, actor=ME, now=AFTER, idempotency_key="n8"),
    "reopen it": lambda cw, ref: cw.reopen(
        ref, actor=ME, now=AFTER, reason="Not fixed", idempotency_key="n9"),
}


async def written(casework: Casework) -> tuple[int, ...]:
    async with casework.store.engine.begin() as conn:
        return tuple([(await conn.execute(select(func.count()).select_from(t))).scalar_one()
                      for t in (cases, case_events, outbox, idempotency_keys)])


async def his_case(casework: Casework) -> str:
    outcome = await casework.submit(details("bramley-cross"), member_id=LEECE, actor=ME,
                                    now=SERVING)
    return outcome.case.reference or ""


@pytest.mark.parametrize("action", list(MEMBER_USE_CASES))
async def test_each_member_action_is_refused_with_the_day_his_access_ended(
    action: str, casework: Casework,
) -> None:
    ref = await his_case(casework)
    before = await written(casework)

    with pytest.raises(AccessEnded) as refused:
        await MEMBER_USE_CASES[action](casework, ref)

    assert refused.value.left_office_on == LEFT_ON
    assert await written(casework) == before


async def test_while_he_served_the_same_enquiry_was_his_to_see(casework: Casework) -> None:
    ref = await his_case(casework)
    assert (await casework.view(ref, actor=ME, now=SERVING)).member_id == LEECE


async def test_an_officer_cannot_log_a_new_enquiry_for_him(casework: Casework) -> None:
    before = await written(casework)
    with pytest.raises(InvalidRequest) as refused:
        await casework.submit(details("bramley-cross"), member_id=LEECE,
                              actor=officer(ROADS), now=AFTER)
    assert refused.value.field == "member_id"
    assert await written(casework) == before


async def test_his_cases_go_through_the_handover_and_stay_out_of_his_reach(
    casework: Casework,
) -> None:
    ref = await his_case(casework)
    with pytest.raises(NotPermitted):
        await casework.hand_over_member_cases(LEECE, actor=officer(ROADS), now=AFTER,
                                              to_person_id=DAVID, reason="Left office")
    handed = await casework.hand_over_member_cases(
        LEECE, actor=officer(SUPPORT), now=AFTER, to_person_id=DAVID,
        reason="Cllr Leece stood down")
    assert handed == [ref]
    assert (await casework.view(ref, actor=member(DAVID), now=AFTER)).member_id == DAVID
    await casework.request_update(ref, actor=member(DAVID), now=AFTER, text="Any news?")
    with pytest.raises(AccessEnded):
        await casework.view(ref, actor=ME, now=AFTER)

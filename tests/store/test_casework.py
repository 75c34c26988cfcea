"""Use cases against a real database (SQLite and PostgreSQL): what a member and an officer see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casestore.casework import Casework
from casestore.db.tables import attachments, case_events, cases, outbox
from casestore.errors import (
    AccessEnded,
    AttachmentRejected,
    CaseNotFound,
    EscalationNotYetAllowed,
    InvalidTransition,
    NotPermitted,
)
from casestore.intake import InvalidSubmission, SpecialCategoryUnconfirmed
from casestore.model import CaseState, EscalationState
from casestore.records import CaseFilter
from tests.store.helpers import MONDAY, details, member, officer

BEFORE_LEECE_LEFT = MONDAY - timedelta(days=21)  # Monday 2 November

SARAH = "sarah-okafor"  # Ashcroft ward, Leader of the Council
PETER = "peter-halloran"  # Ashcroft ward colleague
DAVID = "david-ashworth"  # Bramley Cross ward
ROADS = "gareth-prescott"
PARKING = "joanne-kirby"


async def _counts(casework: Casework) -> tuple[int, int, int]:
    async with casework.store.engine.begin() as conn:
        c = (await conn.execute(select(func.count()).select_from(cases))).scalar_one()
        e = (await conn.execute(select(func.count()).select_from(case_events))).scalar_one()
        o = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
    return c, e, o


async def test_submitting_stores_the_case_with_its_deadlines_and_queues_the_thread_post(
    casework: Casework,
) -> None:
    outcome = await casework.submit(details("ashcroft", cc_member_ids=[PETER]),
                                    member_id=SARAH, actor=member(SARAH), now=MONDAY)
    case = await casework.view(outcome.case.reference or "", actor=member(SARAH), now=MONDAY)
    assert case.reference == "ENQ-2026-000001"
    assert case.state is CaseState.OPEN
    assert str(case.acknowledge_due_on) == "2026-11-24"
    assert str(case.response_due_on) == "2026-12-07"
    assert case.cc_member_ids == [PETER]
    async with casework.store.transaction() as uow:
        queued = {(m.kind, m.recipient) for m in await uow.outbox.all()}
    assert queued == {("case-opened", "thread:roads"), ("cc-notice", f"person:{PETER}")}


async def test_a_duplicate_delivery_of_the_same_submit_makes_one_case(casework: Casework) -> None:
    first = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                  now=MONDAY, idempotency_key="activity:abc")
    again = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                  now=MONDAY, idempotency_key="activity:abc")
    assert again.duplicate and again.case.reference == first.case.reference
    assert (await _counts(casework))[0] == 1


async def test_an_invalid_submission_writes_nothing(casework: Casework) -> None:
    with pytest.raises(InvalidSubmission) as error:
        await casework.submit(details("ashcroft", service_id="no-such-service",
                                      description="x" * 5000),
                              member_id=SARAH, actor=member(SARAH), now=MONDAY)
    assert set(error.value.problems) >= {"service_id", "description"}
    assert await _counts(casework) == (0, 0, 0)


async def test_a_member_cannot_raise_an_enquiry_as_another_member(casework: Casework) -> None:
    with pytest.raises(NotPermitted):
        await casework.submit(details("bramley-cross"), member_id=DAVID, actor=member(SARAH),
                              now=MONDAY)
    assert await _counts(casework) == (0, 0, 0)


async def test_another_members_case_is_invisible_and_untouchable(casework: Casework) -> None:
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    with pytest.raises(NotPermitted):
        await casework.view(ref, actor=member(DAVID), now=MONDAY)
    before = await _counts(casework)
    with pytest.raises(NotPermitted):
        await casework.request_update(ref, actor=member(DAVID), now=MONDAY, text="Any news?")
    assert await _counts(casework) == before
    page = await casework.list_for_member(actor=member(DAVID), now=MONDAY)
    assert page.total == 0


async def test_an_officer_of_another_service_is_refused_and_nothing_changes(
    casework: Casework,
) -> None:
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    before = await _counts(casework)
    with pytest.raises(NotPermitted):
        await casework.acknowledge(ref, actor=officer(PARKING), now=MONDAY)
    assert await _counts(casework) == before
    case = await casework.view(ref, actor=member(SARAH), now=MONDAY)
    assert case.state is CaseState.OPEN and case.version == 0


async def test_the_whole_life_of_a_case(casework: Casework) -> None:
    now = MONDAY
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=now)).case.reference or ""
    await casework.acknowledge(ref, actor=officer(ROADS), now=now + timedelta(hours=2))
    reply = await casework.reply(ref, actor=officer(ROADS), now=now + timedelta(days=1),
                                 text="Inspected; repair booked for next week.")
    assert reply.first_response
    await casework.note(ref, actor=officer(ROADS), now=now + timedelta(days=1), text="Crew B")
    final = await casework.final_response(ref, actor=officer(ROADS), now=now + timedelta(days=8),
                                          text="Repaired on Tuesday.")
    assert final.case.auto_close_on is not None
    await casework.rate(ref, actor=member(SARAH), now=now + timedelta(days=9), score=5,
                        comment="Quick work")
    closed = await casework.close(ref, actor=member(SARAH), now=now + timedelta(days=9))
    assert closed.case.state is CaseState.CLOSED
    reopened = await casework.reopen(ref, actor=member(SARAH), now=now + timedelta(days=10),
                                     reason="It has broken up again")
    # the old rating stays on the timeline; the next final response can be rated afresh
    assert reopened.case.state is CaseState.REOPENED and reopened.case.rating is None
    timeline = [e.event.kind for e in await casework.timeline(reopened.case)]
    assert timeline == ["submitted", "acknowledged", "replied", "noted",
                        "final_response_given", "rated", "closed", "reopened"]
    async with casework.store.transaction() as uow:
        kinds = [(m.kind, m.recipient) for m in await uow.outbox.all()]
    assert ("officer-reply", f"person:{SARAH}") in kinds
    assert not any(m[0] == "noted" or "Crew B" in str(m) for m in kinds)


async def test_escalation_is_refused_until_the_day_it_opens_and_says_which_day(
    casework: Casework,
) -> None:
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    with pytest.raises(EscalationNotYetAllowed) as error:
        await casework.escalate(ref, actor=member(SARAH), now=MONDAY + timedelta(days=7),
                                reason="No reply")
    assert str(error.value.allowed_from_on) == "2026-12-08"
    outcome = await casework.escalate(ref, actor=member(SARAH),
                                      now=MONDAY + timedelta(days=15), reason="No reply")
    assert outcome.case.escalation_state is EscalationState.ESCALATED
    answered = await casework.answer_escalation(
        ref, actor=officer("philip-stanier"), now=MONDAY + timedelta(days=16),
        text="I have asked the team to repair it this week.")
    assert answered.case.escalation_state is EscalationState.ANSWERED


async def test_an_officer_can_log_a_case_for_a_member_who_is_told(casework: Casework) -> None:
    outcome = await casework.submit(details("ashcroft"), member_id=SARAH, actor=officer(ROADS),
                                    now=MONDAY)
    assert outcome.case.raised_by_id == ROADS and outcome.case.member_id == SARAH
    async with casework.store.transaction() as uow:
        recipients = {m.recipient for m in await uow.outbox.all() if m.kind == "logged-for-member"}
    assert recipients == {f"person:{SARAH}"}


async def test_a_cabinet_secretary_acts_for_their_cabinet_member_and_both_are_recorded(
    casework: Casework,
) -> None:
    secretary = member("hayley-naughton", on_behalf_of=SARAH)
    outcome = await casework.submit(details("ashcroft"), member_id=SARAH, actor=secretary,
                                    now=MONDAY)
    events = await casework.timeline(outcome.case)
    assert events[0].event.actor_id == "hayley-naughton"
    assert events[0].event.on_behalf_of_id == SARAH
    with pytest.raises(NotPermitted):
        await casework.submit(details("bramley-cross"), member_id=DAVID,
                              actor=member("hayley-naughton", on_behalf_of=DAVID), now=MONDAY)


async def test_drafts_can_be_saved_listed_resumed_and_submitted(casework: Casework) -> None:
    draft = await casework.save_draft(details("ashcroft", ask=""), member_id=SARAH,
                                      actor=member(SARAH), now=MONDAY)
    assert draft.state is CaseState.DRAFT and draft.reference is None
    assert [d.id for d in await casework.drafts(actor=member(SARAH), now=MONDAY)] == [draft.id]
    assert (await casework.list_for_member(actor=member(SARAH), now=MONDAY)).total == 0
    submitted = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                      now=MONDAY, draft_id=draft.id)
    assert submitted.case.id == draft.id and submitted.case.reference
    assert await casework.drafts(actor=member(SARAH), now=MONDAY) == []
    with pytest.raises(NotPermitted):
        await casework.get_draft(draft.id or 0, actor=member(SARAH), now=MONDAY)


async def test_lists_are_paged_filtered_and_searchable(casework: Casework) -> None:
    for i in range(13):
        await casework.submit(details("ashcroft", search_term=f"term {i}",
                                      service_id="parking" if i % 4 == 0 else "roads",
                                      enquiry_type="information_request"),
                              member_id=SARAH, actor=member(SARAH), now=MONDAY)
    page = await casework.list_for_member(actor=member(SARAH), now=MONDAY)
    assert (len(page.cases), page.total, page.has_more) == (10, 13, True)
    second = await casework.list_for_member(actor=member(SARAH), now=MONDAY, offset=10)
    assert len(second.cases) == 3 and not second.has_more
    parking = await casework.list_for_member(actor=member(SARAH), now=MONDAY,
                                             flt=CaseFilter(service_ids=("parking",)))
    assert parking.total == 4
    found = await casework.list_for_member(actor=member(SARAH), now=MONDAY,
                                           flt=CaseFilter(text="TERM 12"))
    assert [c.search_term for c in found.cases] == ["term 12"]
    by_ref = await casework.list_for_member(actor=member(SARAH), now=MONDAY,
                                            flt=CaseFilter(text="enq-2026-000002"))
    assert [c.reference for c in by_ref.cases] == ["ENQ-2026-000002"]
    percent = await casework.list_for_member(actor=member(SARAH), now=MONDAY,
                                             flt=CaseFilter(text="%"))
    assert percent.total == 0


async def test_a_cc_colleague_sees_the_case_but_cannot_act(casework: Casework) -> None:
    ref = (await casework.submit(details("ashcroft", cc_member_ids=[PETER]), member_id=SARAH,
                                 actor=member(SARAH), now=MONDAY)).case.reference or ""
    assert (await casework.view(ref, actor=member(PETER), now=MONDAY)).reference == ref
    assert (await casework.list_for_member(actor=member(PETER), now=MONDAY)).total == 1
    with pytest.raises(NotPermitted):
        await casework.close(ref, actor=member(PETER), now=MONDAY)


async def test_attachments_are_stored_once_within_limits(casework: Casework) -> None:
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    photo = b"\x89PNG\r\n\x1a\n fake image bytes"
    first = await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY,
                                          filename="pothole.png", content_type="image/png",
                                          content=photo)
    again = await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY,
                                          filename="pothole.png", content_type="image/png",
                                          content=photo)
    assert again.duplicate and again.attachment_id == first.attachment_id
    with pytest.raises(AttachmentRejected, match="not accepted"):
        await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY, filename="x.exe",
                                      content_type="application/x-msdownload", content=b"MZ")
    with pytest.raises(AttachmentRejected, match="larger than"):
        await casework.add_attachment(
            ref, actor=member(SARAH), now=MONDAY, filename="big.pdf",
            content_type="application/pdf",
            content=b"0" * (casework.config.attachments.max_bytes + 1))
    async with casework.store.transaction() as uow:
        assert len(await uow.cases.attachment_list(first.case.id or 0)) == 1


async def test_a_file_is_stored_as_what_its_bytes_are_and_a_disguised_one_is_refused(
    casework: Casework,
) -> None:
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    before = await _counts(casework)
    with pytest.raises(AttachmentRejected, match="its name says it is a PDF, but it is a web"):
        await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY,
                                      filename="invoice.pdf", content_type="application/pdf",
                                      content=b"<html><body>Pay here</body></html>")
    with pytest.raises(AttachmentRejected, match="its name says it is a photo, but it is a pro"):
        await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY,
                                      filename="photo.png", content_type="image/png",
                                      content=b"MZ\x90\x00 an executable")
    assert await _counts(casework) == before
    await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY, filename="photo.jpg",
                                  content_type="image/jpeg",
                                  content=b"\x89PNG\r\n\x1a\n a PNG named .jpg")
    async with casework.store.engine.begin() as conn:
        [stored] = (await conn.execute(select(attachments.c.content_type))).scalars().all()
    assert stored == "image/png"


async def test_information_with_special_category_data_needs_the_members_confirmation(
    casework: Casework,
) -> None:
    """As at intake: refused and nothing written until confirmed; then recorded as confirmed."""
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    text = "She is in hospital until Friday, so please call her daughter."
    before = await _counts(casework)
    with pytest.raises(SpecialCategoryUnconfirmed) as refused:
        await casework.add_information(ref, actor=member(SARAH), now=MONDAY, text=text,
                                       idempotency_key="nonce:first")
    assert refused.value.categories == ("health",)
    assert await _counts(casework) == before
    outcome = await casework.add_information(ref, actor=member(SARAH), now=MONDAY, text=text,
                                             special_category_confirmed=True,
                                             idempotency_key="nonce:first")
    assert not outcome.duplicate  # the refused try claimed nothing
    await casework.add_information(ref, actor=member(SARAH), now=MONDAY,
                                   text="The gate code is 1234.")
    case = await casework.view(ref, actor=member(SARAH), now=MONDAY)
    assert case.special_category_confirmed
    added = [se.event.payload for se in await casework.timeline(case)
             if se.event.kind == "information_added"]
    assert [(p["text"], p.get("special_category_confirmed")) for p in added] == [
        (text, ["health"]), ("The gate code is 1234.", None)]


async def test_an_illegal_transition_through_the_store_writes_nothing(casework: Casework) -> None:
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    await casework.close(ref, actor=member(SARAH), now=MONDAY)
    before = await _counts(casework)
    with pytest.raises(InvalidTransition):
        await casework.acknowledge(ref, actor=officer(ROADS), now=MONDAY)
    with pytest.raises(CaseNotFound):
        await casework.acknowledge("ENQ-2026-999999", actor=officer(ROADS), now=MONDAY)
    assert await _counts(casework) == before


async def test_a_departing_members_cases_go_to_a_colleague_and_nobody_elses_move(
    casework: Casework,
) -> None:
    leaving = "graham-leece"  # Bramley Cross; left office on Friday 6 November
    mine = (await casework.submit(details("bramley-cross"), member_id=leaving,
                                  actor=member(leaving), now=BEFORE_LEECE_LEFT)).case.reference
    other = (await casework.submit(details("bramley-cross"), member_id=DAVID,
                                   actor=member(DAVID), now=MONDAY)).case.reference
    with pytest.raises(NotPermitted):
        await casework.hand_over_member_cases(leaving, actor=officer(ROADS), now=MONDAY,
                                              to_person_id=DAVID, reason="Left office")
    handed = await casework.hand_over_member_cases(
        leaving, actor=officer("kathryn-pinnington"), now=MONDAY, to_person_id=DAVID,
        reason="Cllr Leece left office")
    assert handed == [mine]
    assert (await casework.view(mine or "", actor=member(DAVID), now=MONDAY)).member_id == DAVID
    assert (await casework.view(other or "", actor=member(DAVID), now=MONDAY)).member_id == DAVID
    page = await casework.list_for_member(actor=member(DAVID), now=MONDAY)
    assert page.total == 2
    with pytest.raises(AccessEnded):
        await casework.view(mine or "", actor=member(leaving), now=MONDAY)


async def test_a_document_added_to_an_escalated_case_reaches_the_escalation_owner(
    casework: Casework,
) -> None:
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    await casework.escalate(ref, actor=member(SARAH), now=MONDAY + timedelta(days=15),
                            reason="No reply")
    await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY + timedelta(days=15),
                                  filename="letter.pdf", content_type="application/pdf",
                                  content=b"%PDF-1.7 constituent letter")
    async with casework.store.transaction() as uow:
        sent = {(m.kind, m.recipient) for m in await uow.outbox.all()
                if m.payload.get("event") == "attachment_added"}
    assert sent == {("member-activity", "thread:roads"), ("member-activity", "escalation:roads")}


async def test_an_officer_queue_can_be_narrowed_to_their_own_cases(casework: Casework) -> None:
    first = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                   now=MONDAY)).case.reference or ""
    await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH), now=MONDAY)
    await casework.acknowledge(first, actor=officer(ROADS), now=MONDAY)
    everyone = await casework.list_for_officer(actor=officer(ROADS), now=MONDAY)
    mine = await casework.list_for_officer(actor=officer(ROADS), now=MONDAY,
                                           flt=CaseFilter(assignee_id=ROADS))
    assert everyone.total == 2 and [c.reference for c in mine.cases] == [first]


async def test_a_database_error_never_carries_a_constituents_details(casework: Casework) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import DBAPIError, StatementError

    async with casework.store.engine.begin() as conn:
        await conn.execute(insert(cases).values(
            id=999, reference="ENQ-2026-000999", state="open", escalation_state="none",
            member_id=SARAH, raised_by_id=SARAH, lead_service="roads", enquiry_type="report_it",
            ward_id="ashcroft", location="", constituent_name="Mrs Edna Private",
            constituent_contact="07700 900123", consent_given=True, description="x", ask="y",
            search_term="", urgency="normal", special_category_confirmed=False,
            created_at=MONDAY, paused_working_days=0, auto_close_extended_days=0,
            reopen_count=0, rating_comment="", version=0))
    with pytest.raises((DBAPIError, StatementError)) as error:
        async with casework.store.engine.begin() as conn:
            await conn.execute(insert(cases).values(
                id=999, reference="ENQ-2026-000998", state="open", escalation_state="none",
                member_id=SARAH, raised_by_id=SARAH, lead_service="roads",
                enquiry_type="report_it", ward_id="ashcroft", location="",
                constituent_name="Mrs Edna Private", constituent_contact="07700 900123",
                consent_given=True, description="x", ask="y", search_term="", urgency="normal",
                special_category_confirmed=False, created_at=MONDAY, paused_working_days=0,
                auto_close_extended_days=0, reopen_count=0, rating_comment="", version=0))
    assert "Edna" not in str(error.value) and "07700" not in str(error.value)

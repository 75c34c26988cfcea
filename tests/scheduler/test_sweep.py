"""The SLA sweep against a real store: the right reminder, at the right time, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.model import CaseState
from scheduler.sweep import sweep
from tests.store.helpers import MONDAY, details, member, officer

SARAH = "sarah-okafor"
ROADS = "gareth-prescott"


def at(day: str, hhmm: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON)


async def _raise(casework: Casework, now: datetime = MONDAY) -> str:
    outcome = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                    now=now)
    return outcome.case.reference or ""


def kinds(queued: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((q.kind, q.recipient) for q in queued)


async def test_an_unacknowledged_case_is_reminded_on_its_due_day_once(casework: Casework) -> None:
    await _raise(casework)  # Monday 23 November 10:00: acknowledge by Tuesday 24 November
    assert await sweep(casework, at("2026-11-23", "16:00")) == []
    first = await sweep(casework, at("2026-11-24"))
    assert kinds(first) == [("ack-due", "thread:roads")]
    assert await sweep(casework, at("2026-11-24", "11:00")) == []
    late = await sweep(casework, at("2026-11-25"))
    assert kinds(late) == [("ack-overdue", "thread:roads")]
    assert await sweep(casework, at("2026-11-26")) == []


async def test_no_reminders_at_weekends_on_bank_holidays_or_out_of_hours(
    casework: Casework,
) -> None:
    await _raise(casework, at("2026-12-23", "10:00"))  # acknowledge by Thursday 24 December
    for moment in (at("2026-12-24", "07:59"), at("2026-12-24", "18:00"), at("2026-12-25"),
                   at("2026-12-26"), at("2026-12-28"), at("2026-12-29")):
        assert await sweep(casework, moment) == [], moment
    assert kinds(await sweep(casework, at("2026-12-24"))) == [("ack-due", "thread:roads")]


async def test_after_downtime_over_a_deadline_the_restart_sends_one_reminder_not_several(
    casework: Casework,
) -> None:
    await _raise(casework)
    # down from Monday evening until the next Friday: ack was due Tuesday
    first = await sweep(casework, at("2026-11-27"))
    assert kinds(first) == [("ack-overdue", "thread:roads")]
    for minutes in (5, 10, 15):
        assert await sweep(casework, at("2026-11-27") + timedelta(minutes=minutes)) == []


async def test_the_member_is_told_once_when_the_response_is_overdue_and_escalation_opens(
    casework: Casework,
) -> None:
    ref = await _raise(casework)
    await casework.acknowledge(ref, actor=officer(ROADS), now=MONDAY + timedelta(hours=1))
    assert kinds(await sweep(casework, at("2026-12-04"))) == [("response-due", "thread:roads")]
    assert await sweep(casework, at("2026-12-07")) == []  # due today: no nagging yet
    opened = await sweep(casework, at("2026-12-08"))
    assert kinds(opened) == [("escalation-open", f"person:{SARAH}"), ("overdue", "thread:roads")]
    assert await sweep(casework, at("2026-12-09")) == []


async def test_a_responded_case_is_not_chased(casework: Casework) -> None:
    ref = await _raise(casework)
    await casework.reply(ref, actor=officer(ROADS), now=MONDAY + timedelta(hours=1),
                         text="We will inspect it on Thursday.")
    for day in ("2026-11-24", "2026-12-04", "2026-12-08"):
        assert await sweep(casework, at(day)) == []


async def test_the_thread_reminder_mentions_whoever_covers_the_assignee(
    casework: Casework,
) -> None:
    # gareth-prescott is on leave 16 to 27 November, covered by leanne-moorcroft
    on_leave = await _raise(casework, at("2026-11-09", "10:00"))  # response due Mon 23 Nov
    back = await _raise(casework, at("2026-11-23", "10:00"))  # response due Mon 7 Dec
    for ref, when in ((on_leave, at("2026-11-09", "11:00")), (back, at("2026-11-23", "11:00"))):
        await casework.acknowledge(ref, actor=officer(ROADS), now=when)
    await sweep(casework, at("2026-11-20"))
    await sweep(casework, at("2026-12-04"))
    async with casework.store.transaction() as uow:
        mentions = {m.payload["reference"]: m.payload["mention"]
                    for m in await uow.outbox.all() if m.kind == "response-due"}
    assert mentions == {on_leave: "leanne-moorcroft", back: ROADS}


async def test_auto_close_warns_the_day_before_then_closes(casework: Casework) -> None:
    ref = await _raise(casework)
    final = await casework.final_response(ref, actor=officer(ROADS),
                                          now=at("2026-11-24", "12:00"), text="Repaired.")
    close_on = final.case.auto_close_on
    assert str(close_on) == "2026-12-08"
    warned = await sweep(casework, at("2026-12-07"))
    assert kinds(warned) == [("auto-close-warning", f"person:{SARAH}")]
    closed = await sweep(casework, at("2026-12-08"))
    assert kinds(closed) == [("auto-close", f"person:{SARAH}")]
    case = await casework.view(ref, actor=member(SARAH), now=at("2026-12-08"))
    assert case.state is CaseState.CLOSED
    async with casework.store.transaction() as uow:
        told = [m.kind for m in await uow.outbox.all() if m.recipient == f"person:{SARAH}"]
    assert told.count("closed") == 1 and told.count("auto-close-warning") == 1
    assert await sweep(casework, at("2026-12-08", "10:00")) == []


async def test_an_extended_auto_close_moves_the_warning(casework: Casework) -> None:
    ref = await _raise(casework)
    await casework.final_response(ref, actor=officer(ROADS), now=at("2026-11-24", "12:00"),
                                  text="Repaired.")
    await casework.extend_auto_close(ref, actor=member(SARAH), now=at("2026-11-25"), days=5)
    assert await sweep(casework, at("2026-12-07")) == []
    assert kinds(await sweep(casework, at("2026-12-14"))) == [
        ("auto-close-warning", f"person:{SARAH}")]


async def test_an_unanswered_escalation_is_reminded_then_raised_to_member_support(
    casework: Casework,
) -> None:
    ref = await _raise(casework)
    await casework.acknowledge(ref, actor=officer(ROADS), now=MONDAY + timedelta(hours=1))
    await casework.escalate(ref, actor=member(SARAH), now=at("2026-12-08", "10:00"),
                            reason="No response at all")
    reminders = [q for q in await sweep(casework, at("2026-12-15"))
                 if q.kind.startswith("escalation")]
    assert kinds(reminders) == [("escalation-reminder", "escalation:roads")]
    raised = [q for q in await sweep(casework, at("2026-12-16"))
              if q.kind.startswith("escalation")]
    assert kinds(raised) == [("escalation-overdue", "support")]


async def test_a_dry_run_queues_nothing(casework: Casework) -> None:
    await _raise(casework)
    assert kinds(await sweep(casework, at("2026-11-24"), dry_run=True)) == [
        ("ack-due", "thread:roads")]
    async with casework.store.transaction() as uow:
        assert [m.kind for m in await uow.outbox.all()] == ["case-opened"]
    assert kinds(await sweep(casework, at("2026-11-24"))) == [("ack-due", "thread:roads")]

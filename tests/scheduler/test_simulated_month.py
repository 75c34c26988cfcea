"""Thirty working days over the demo council: the sweep sends exactly what the protocol promises.

Sixty enquiries are raised over the first weeks of a window that spans Christmas, the Boxing Day
substitute, the council's closure days and New Year. Each follows one of five scripts: 0 ignored;
1 acknowledged but never answered; 2 answered promptly; 3 final response, then auto-close;
4 acknowledged, escalated when allowed, and the escalation never answered. The sweep runs every
hour, day and night. Every queued reminder is compared with the protocol: the right kinds, each
on the working day it falls due, in working hours, never twice, and nothing for handled cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from casestore.calendar import LONDON, WorkingCalendar
from casestore.casework import Casework
from casestore.model import Case, CaseState
from casestore.records import CaseFilter
from scheduler.sweep import sweep
from tests.store.helpers import details, member, officer

START = date(2026, 12, 14)
END = date(2027, 2, 1)  # the 30th working day from START in England, with the closure days
REMINDERS = {"ack-due", "ack-overdue", "response-due", "overdue", "escalation-open",
             "escalation-reminder", "escalation-overdue", "auto-close-warning"}
ROADS_OFFICER = "leanne-moorcroft"


@dataclass
class Script:
    number: int
    member_id: str
    submitted_at: datetime
    done: set[str] = field(default_factory=set)


def _ticks() -> list[datetime]:
    return [datetime.combine(START + timedelta(days=d), time(h, 5), LONDON)
            for d in range((END - START).days + 1) for h in range(24)]


async def _play(casework: Casework, ref: str, s: Script, tick: datetime) -> None:
    cal = casework.calendar
    staff = officer(ROADS_OFFICER)
    if s.number in (1, 2, 3, 4) and "ack" not in s.done and tick >= s.submitted_at + timedelta(
            hours=1):
        await casework.acknowledge(ref, actor=staff, now=tick)
        s.done.add("ack")
        if s.number == 2:
            await casework.reply(ref, actor=staff, now=tick, text="Booked for repair.")
    two_days = cal.add_working_days(cal.local_date(s.submitted_at), 2)
    if s.number == 3 and "final" not in s.done and tick.date() >= two_days and tick.hour >= 10:
        await casework.final_response(ref, actor=staff, now=tick, text="Repaired.")
        s.done.add("final")
    if s.number == 4 and "escalated" not in s.done and tick.hour >= 10:
        case = await casework.view(ref, actor=member(s.member_id), now=tick)
        if case.escalation_from_on and tick.date() >= case.escalation_from_on:
            await casework.escalate(ref, actor=member(s.member_id), now=tick,
                                    reason="Still nothing from the service")
            s.done.add("escalated")


def _promised(case: Case, script: int, cal: WorkingCalendar) -> dict[str, date]:
    """The protocol, case by case: which reminder falls due on which working day."""
    after, before = cal.next_working_day, cal.previous_working_day
    assert case.acknowledge_due_on and case.response_due_on and case.escalation_from_on
    chased = {"response-due": before(case.response_due_on),
              "overdue": after(case.response_due_on),
              "escalation-open": case.escalation_from_on}
    if script == 0:
        return {"ack-due": case.acknowledge_due_on,
                "ack-overdue": after(case.acknowledge_due_on), **chased}
    if script == 1:
        return chased
    if script == 3:
        assert case.auto_close_on
        return {"auto-close-warning": before(case.auto_close_on)}
    if script == 4:
        assert case.escalation_due_on
        return {**chased, "escalation-reminder": case.escalation_due_on,
                "escalation-overdue": after(case.escalation_due_on)}
    return {}


async def test_thirty_working_days_send_exactly_the_promised_reminders_once(
    casework: Casework,
) -> None:
    cal = casework.calendar
    assert cal.working_days_between(START, END) + 1 == 30  # both ends included
    members = [m for m in casework.directory.ward_members("ashcroft")] + \
        [m for m in casework.directory.ward_members("bramley-cross") if not m.left_office_on]
    plan: list[Script] = []
    day = START
    for i in range(60):
        if i and i % 4 == 0:
            day = cal.next_working_day(day)
        who = members[i % len(members)]
        plan.append(Script(i % 5, who.id, datetime.combine(day, time(9 + i % 8, 20), LONDON)))
    scripts: dict[str, Script] = {}
    queued: dict[tuple[str, str], list[datetime]] = {}
    for tick in _ticks():
        while plan and plan[0].submitted_at <= tick:
            s = plan.pop(0)
            who = casework.directory.get(s.member_id)
            outcome = await casework.submit(details(who.ward_id or ""), member_id=who.id,
                                            actor=member(who.id), now=s.submitted_at)
            scripts[outcome.case.reference or ""] = s
        for ref, s in scripts.items():
            await _play(casework, ref, s, tick)
        for q in await sweep(casework, tick):
            queued.setdefault((q.reference, q.kind), []).append(tick)

    async with casework.store.transaction() as uow:
        cases = {c.reference: c for c in await uow.cases.list_cases(CaseFilter(), limit=1000)}
    assert len(cases) == 60
    for (ref, kind), times in queued.items():
        assert len(times) == 1, f"{ref} {kind} was queued {len(times)} times"
        assert cal.is_working_day(times[0].date()) and 8 <= times[0].hour < 18, (ref, kind)
    expected = {(ref, kind): due for ref, s in scripts.items()
                for kind, due in _promised(cases[ref], s.number, cal).items() if due <= END}
    got = {key: times[0].date() for key, times in queued.items() if key[1] in REMINDERS}
    assert got == expected
    auto_closed = {ref for (ref, kind) in queued if kind == "auto-close"}
    assert auto_closed == {ref for ref, s in scripts.items()
                           if s.number == 3 and cases[ref].state is CaseState.CLOSED}
    assert len(auto_closed) >= 8
    # the first enquiry's dates, by hand: Christmas, Boxing Day's substitute (28th), the
    # closure days (29th to 31st) and New Year's Day do not count
    first = cases["ENQ-2026-000001"]
    assert (str(first.acknowledge_due_on), str(first.response_due_on),
            str(first.escalation_from_on)) == ("2026-12-15", "2027-01-05", "2027-01-06")
    assert queued[("ENQ-2026-000001", "ack-due")][0].date() == date(2026, 12, 15)

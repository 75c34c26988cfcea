"""The audit trail is the truth: after any sequence of actions, at any pace, the stored case is
exactly what its events alone say it is (`casestore.replay`), on SQLite and on PostgreSQL.

Hypothesis raises an enquiry and then drives it with random actions by the member, their cabinet
secretary, the service's officers, the escalation owner, member support (erasing the constituent's
details too) and the scheduler, while the clock moves on by minutes, days or weeks (across
weekends, bank holidays and the council's Christmas closure). Many actions are refused in the state
the case is in: a refusal must write nothing, so it too must leave the row and the events agreeing.
After every step the case is read back with its events and `replay(events)` must equal the stored
row: state, escalation, member, services, assignee, every deadline, the paused clock, the rating
and the redaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.errors import DomainError
from casestore.model import Actor, ActorKind
from casestore.privacy import Privacy
from casestore.replay import rebuilt, replay
from tests.store.helpers import details

MICHAEL, SECRETARY, COLLEAGUE = "michael-oyelaran", "marcus-flint", "debbie-roscoe"
SUPPORT, OWNER = "kathryn-pinnington", "philip-stanier"
OFFICERS = ("gareth-prescott", SUPPORT, "leanne-moorcroft", SUPPORT, "colin-hesketh")
SERVICES = ("street-lighting", "roads", "parks")
TYPES = ("information_request", "report_it", "improvement_request")
STEPS_S = (0, 1800, 3 * 3600, 86400, 3 * 86400, 8 * 86400, 15 * 86400)


@dataclass
class Step:
    cw: Casework
    reference: str
    now: datetime
    n: int  # chooses the action's details

    async def member(self) -> Actor:
        async with self.cw.store.read() as uow:
            member_id = (await uow.cases.get(self.reference)).member_id
        if member_id == MICHAEL and self.n % 3 == 0:  # his cabinet secretary, for him
            return Actor(SECRETARY, ActorKind.MEMBER, on_behalf_of=MICHAEL)
        return Actor(member_id, ActorKind.MEMBER)

    @property
    def officer(self) -> Actor:
        return Actor(OFFICERS[self.n % len(OFFICERS)], ActorKind.OFFICER)

    def pick(self, options: tuple[Any, ...]) -> Any:
        return options[self.n % len(options)]


Action = Callable[[Step], Awaitable[object]]


def by_officer(name: str, **fixed: Any) -> Action:
    async def act(s: Step) -> object:
        return await getattr(s.cw, name)(s.reference, actor=s.officer, now=s.now, **fixed)
    return act


def by_member(name: str, **fixed: Any) -> Action:
    async def act(s: Step) -> object:
        return await getattr(s.cw, name)(s.reference, actor=await s.member(), now=s.now, **fixed)
    return act


async def _assign(s: Step) -> object:
    return await s.cw.assign(s.reference, actor=s.officer, now=s.now,
                             officer_id=s.pick(("gareth-prescott", "leanne-moorcroft",
                                                 "colin-hesketh")))


async def _acknowledge(s: Step) -> object:
    return await s.cw.acknowledge(s.reference, actor=s.officer, now=s.now, claim=s.n % 2 == 0)


async def _redirect(s: Step) -> object:
    return await s.cw.redirect(s.reference, actor=Actor(SUPPORT, ActorKind.OFFICER), now=s.now,
                               service_id=s.pick(SERVICES), reason="Misdirected")


async def _add_service(s: Step) -> object:
    return await s.cw.add_service(s.reference, actor=s.officer, now=s.now,
                                  service_id=s.pick(SERVICES))


async def _convert(s: Step) -> object:
    return await s.cw.convert_type(s.reference, actor=s.officer, now=s.now,
                                   enquiry_type=s.pick(TYPES))


async def _long_term(s: Step) -> object:
    expected = s.cw.calendar.local_date(s.now) + timedelta(days=10 + s.n)
    return await s.cw.mark_long_term(s.reference, actor=s.officer, now=s.now,
                                     expected_on=expected, reason="Resurfacing programme")


async def _final(s: Step) -> object:
    return await s.cw.final_response(s.reference, actor=s.officer, now=s.now,
                                     text="Repaired.", close_now=s.n % 4 == 0)


async def _rate(s: Step) -> object:
    return await s.cw.rate(s.reference, actor=await s.member(), now=s.now, score=1 + s.n % 5,
                           comment="Quick work" if s.n % 2 else "")


async def _extend(s: Step) -> object:
    return await s.cw.extend_auto_close(s.reference, actor=await s.member(), now=s.now,
                                        days=1 + s.n % 25)


async def _answer_escalation(s: Step) -> object:
    who = OWNER if s.n % 2 else SUPPORT
    return await s.cw.answer_escalation(s.reference, actor=Actor(who, ActorKind.OFFICER),
                                        now=s.now, text="Repair booked for Monday.")


async def _auto_close(s: Step) -> object:  # what the SLA sweep does when the day comes
    return await s.cw.auto_close(s.reference, now=s.now)


async def _hand_over(s: Step) -> object:
    return await s.cw.hand_over_member_cases(
        MICHAEL, actor=Actor(SUPPORT, ActorKind.OFFICER), now=s.now, to_person_id=COLLEAGUE,
        reason="Left office")


async def _question(s: Step) -> object:
    return await s.cw.ask_officer(s.reference, actor=s.officer, now=s.now, question="Yours?",
                                  to_service_id="bins", question_id=f"q{s.n % 3}")


async def _file(s: Step) -> object:
    return await s.cw.add_attachment(s.reference, actor=await s.member(), now=s.now,
                                     filename="photo.png", content_type="image/png",
                                     content=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes([s.n]))


async def _erase(s: Step) -> object:  # member support, on the constituent's request
    privacy = Privacy(s.cw.store, s.cw.config, s.cw.directory)
    return await privacy.erase([s.reference], actor=Actor(SUPPORT, ActorKind.OFFICER),
                               now=s.now, reason="Erasure request", force=s.n % 2 == 0)


ACTIONS: dict[str, Action] = {
    "acknowledge": _acknowledge,
    "assign": _assign,
    "reply": by_officer("reply", text="We inspect it on Friday."),
    "note": by_officer("note", text="Gang 3"),
    "ask the member": by_officer("ask_member", question="Which side of the road?"),
    "add information": by_member("add_information", text="The north side."),
    "request an update": by_member("request_update", text="Any news?"),
    "redirect": _redirect,
    "add a service": _add_service,
    "convert the type": _convert,
    "mark long-term": _long_term,
    "final response": _final,
    "officer closes": by_officer("close", reason="Done"),
    "member closes": by_member("close", reason="Sorted"),
    "officer reopens": by_officer("reopen", reason="Reported again"),
    "member reopens": by_member("reopen", reason="Cracked again"),
    "rate": _rate,
    "extend auto-close": _extend,
    "escalate": by_member("escalate", reason="No reply"),
    "answer the escalation": _answer_escalation,
    "auto-close": _auto_close,
    "hand over": _hand_over,
    "ask another service": _question,
    "add a file": _file,
    "erase the constituent's details": _erase,
}

steps = st.lists(st.tuples(st.sampled_from(sorted(ACTIONS)), st.integers(0, 99),
                           st.sampled_from(STEPS_S)), min_size=5, max_size=30)
starts = st.integers(0, 24 * 120).map(
    lambda h: datetime(2026, 11, 2, 8, tzinfo=LONDON) + timedelta(hours=h))


async def assert_agrees(cw: Casework, reference: str, after: str) -> None:
    async with cw.store.read() as uow:
        case = await uow.cases.get(reference)
        assert case.id is not None
        events = [s.event for s in await uow.cases.events(case.id)]
    assert replay(events) == rebuilt(case), f"the row and its events disagree after {after}"


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=starts, plan=steps)
async def test_the_stored_case_is_what_its_events_say(
    casework: Casework, start: datetime, plan: list[tuple[str, int, int]],
) -> None:
    outcome = await casework.submit(details("lockside", cc_member_ids=[COLLEAGUE]),
                                    member_id=MICHAEL, actor=Actor(MICHAEL, ActorKind.MEMBER),
                                    now=start)
    reference = outcome.case.reference or ""
    await assert_agrees(casework, reference, "raising it")
    now = start
    for name, n, advance_s in plan:
        now += timedelta(seconds=advance_s)
        with suppress(DomainError):  # refused in this state: it must have written nothing
            await ACTIONS[name](Step(casework, reference, now, n))
        await assert_agrees(casework, reference, name)

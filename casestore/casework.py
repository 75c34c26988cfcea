"""Use cases on the officer's side, and the handover of a departing member's cases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from casestore import lifecycle
from casestore.config import OfficerRole
from casestore.errors import InvalidRequest, NotPermitted
from casestore.model import ACTIVE_STATES, SYSTEM, Actor, ActorKind, Case
from casestore.permissions import Action, is_member_support, may, may_answer, require
from casestore.questions import QUESTION_EVENTS, Question, find_question
from casestore.questions import questions as questions_in
from casestore.records import CaseFilter, Page
from casestore.services import MemberCasework, Outcome

QuestionChange = Callable[[Case, list[Question]], None]


class Casework(MemberCasework):
    """Every action on a case. The bot, the scheduler and the CLI all go through this."""

    def _service(self, service_id: str) -> None:
        if service_id not in {s.id for s in self.config.services}:
            raise InvalidRequest("service", f"there is no service area {service_id!r}")

    def _officer_of(self, officer_id: str, service_ids: list[str]) -> None:
        person = self.directory.find(officer_id)
        if person is None or person.kind is not ActorKind.OFFICER or not (
            set(person.services) & set(service_ids)
        ):
            raise InvalidRequest("officer", "choose an officer of the case's service")

    async def acknowledge(self, reference: str, *, actor: Actor, now: datetime,
                          claim: bool = True, idempotency_key: str | None = None) -> Outcome:
        return await self._act(reference, actor, Action.ACKNOWLEDGE, now,
                               lambda c: lifecycle.acknowledge(c, actor, now, claim=claim),
                               idempotency_key=idempotency_key)

    async def assign(self, reference: str, *, actor: Actor, now: datetime, officer_id: str,
                     idempotency_key: str | None = None) -> Outcome:
        def change(case: Case) -> None:
            self._officer_of(officer_id, case.services)
            lifecycle.assign(case, actor, now, officer_id)
        return await self._act(reference, actor, Action.ASSIGN, now, change,
                               idempotency_key=idempotency_key)

    async def reply(self, reference: str, *, actor: Actor, now: datetime, text: str,
                    message_id: str = "", idempotency_key: str | None = None) -> Outcome:
        text = self._text("text", text)
        return await self._act(
            reference, actor, Action.REPLY, now,
            lambda c: lifecycle.reply(c, actor, now, text, message_id=message_id),
            idempotency_key=idempotency_key)

    async def note(self, reference: str, *, actor: Actor, now: datetime, text: str,
                   message_id: str = "", idempotency_key: str | None = None) -> Outcome:
        text = self._text("text", text)
        return await self._act(
            reference, actor, Action.INTERNAL_NOTE, now,
            lambda c: lifecycle.note(c, actor, now, text, message_id=message_id),
            idempotency_key=idempotency_key)

    async def ask_member(self, reference: str, *, actor: Actor, now: datetime, question: str,
                         idempotency_key: str | None = None) -> Outcome:
        question = self._text("question", question)
        return await self._act(reference, actor, Action.ASK_MEMBER, now,
                               lambda c: lifecycle.ask_member(c, actor, now, question),
                               idempotency_key=idempotency_key)

    async def redirect(self, reference: str, *, actor: Actor, now: datetime, service_id: str,
                       reason: str, idempotency_key: str | None = None) -> Outcome:
        self._service(service_id)
        reason = self._text("reason", reason)
        return await self._act(
            reference, actor, Action.REASSIGN, now,
            lambda c: lifecycle.redirect(c, actor, now, self.policy, service_id, reason),
            idempotency_key=idempotency_key)

    async def add_service(self, reference: str, *, actor: Actor, now: datetime, service_id: str,
                          idempotency_key: str | None = None) -> Outcome:
        self._service(service_id)
        return await self._act(reference, actor, Action.ADD_SERVICE, now,
                               lambda c: lifecycle.add_service(c, actor, now, service_id),
                               idempotency_key=idempotency_key)

    async def convert_type(self, reference: str, *, actor: Actor, now: datetime,
                           enquiry_type: str, idempotency_key: str | None = None) -> Outcome:
        def change(case: Case) -> None:
            allowed = tuple(t.value for t in self.config.service(case.lead_service).enquiry_types)
            lifecycle.convert_type(case, actor, now, enquiry_type, allowed)
        return await self._act(reference, actor, Action.CONVERT_TYPE, now, change,
                               idempotency_key=idempotency_key)

    async def mark_long_term(self, reference: str, *, actor: Actor, now: datetime,
                             expected_on: date, reason: str,
                             idempotency_key: str | None = None) -> Outcome:
        reason = self._text("reason", reason)
        today = self.calendar.local_date(now)
        return await self._act(
            reference, actor, Action.MARK_LONG_TERM, now,
            lambda c: lifecycle.mark_long_term(c, actor, now, expected_on, reason, today),
            idempotency_key=idempotency_key)

    async def final_response(self, reference: str, *, actor: Actor, now: datetime, text: str,
                             close_now: bool = False,
                             idempotency_key: str | None = None) -> Outcome:
        text = self._text("text", text)
        return await self._act(
            reference, actor, Action.FINAL_RESPONSE, now,
            lambda c: lifecycle.final_response(c, actor, now, self.policy, text,
                                               close_now=close_now),
            idempotency_key=idempotency_key)

    async def answer_escalation(self, reference: str, *, actor: Actor, now: datetime, text: str,
                                idempotency_key: str | None = None) -> Outcome:
        text = self._text("text", text)
        return await self._act(reference, actor, Action.ANSWER_ESCALATION, now,
                               lambda c: lifecycle.answer_escalation(c, actor, now, text),
                               idempotency_key=idempotency_key)

    async def record_message_change(
        self, reference: str, *, actor: Actor, now: datetime, change: str, message_id: str,
        text: str = "", idempotency_key: str | None = None,
    ) -> Outcome:
        """A thread message was edited or deleted in Teams; the timeline keeps both versions."""
        text = self._text("text", text, required=False)
        return await self._act(
            reference, actor, Action.INTERNAL_NOTE, now,
            lambda c: lifecycle.record_message_change(c, actor, now, change=change,
                                                      message_id=message_id, text=text),
            idempotency_key=idempotency_key)

    # -- questions to other officers ---------------------------------------------------------------
    async def _on_questions(self, reference: str, actor: Actor, now: datetime,
                            change: QuestionChange, *, idempotency_key: str | None) -> Outcome:
        """As `_act`, but the change also gets the case's questions (read from its events) and
        checks permissions itself (answering depends on whom the question was put to, who may
        not see the case: a repeated key returns the case for the question's card alone, and
        only to the person who used the key)."""
        idempotency_key = self._key(actor, idempotency_key)
        async with self.store.transaction() as uow:
            if idempotency_key and await uow.idempotency.claim(idempotency_key, now) is not None:
                return Outcome(await uow.cases.get(reference), duplicate=True)
            case = await uow.cases.get(reference, for_update=True)
            assert case.id is not None
            change(case, questions_in(s.event for s in await uow.cases.events(case.id)))
            await self._queue(uow, case, actor, now)
            await uow.cases.save(case)
            if idempotency_key:
                await uow.idempotency.set_result(idempotency_key, {"reference": case.reference})
            return Outcome(case)

    def _addressee(self, to_officer_id: str | None, to_service_id: str | None) -> None:
        if to_officer_id is not None:
            person = self.directory.find(to_officer_id)
            if person is None or person.kind is not ActorKind.OFFICER:
                raise InvalidRequest("question_to", "choose an officer from the list")
        if to_service_id is not None and to_service_id not in {s.id for s in
                                                               self.config.services}:
            raise InvalidRequest("question_to", f"there is no service area {to_service_id!r}")

    def _coordinators(self, service_id: str) -> list[str]:
        """Who hears of a question to a service with no thread on the case."""
        found = [p.id for p in self.directory.service_officers(service_id)
                 if p.has_role(OfficerRole.COORDINATOR)]
        owner = self.directory.escalation_owner(service_id)
        return found or ([owner] if owner else [])

    async def ask_officer(
        self, reference: str, *, actor: Actor, now: datetime, question: str,
        to_officer_id: str | None = None, to_service_id: str | None = None,
        asked_in: str | None = None, question_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Put an internal question to an officer or a service area (`asked_in`: the service
        whose thread it came from). The member is never told and the clock does not stop."""
        question = self._text("question", question)
        self._addressee(to_officer_id, to_service_id)
        qid = question_id or uuid.uuid4().hex

        def change(case: Case, known: list[Question]) -> None:
            require(self.directory, actor, Action.ASK_OFFICER, case, self.calendar.local_date(now))
            notify = self._coordinators(to_service_id) if to_service_id and \
                to_service_id not in case.services else []
            lifecycle.ask_officer(case, actor, now, question_id=qid, to_officer_id=to_officer_id,
                                  to_service_id=to_service_id, question=question,
                                  questions=known, notify=notify,
                                  asked_in=asked_in if asked_in in case.services else None)
        return await self._on_questions(reference, actor, now, change,
                                        idempotency_key=idempotency_key)

    async def answer_question(self, reference: str, *, actor: Actor, now: datetime,
                              question_id: str, answer: str,
                              idempotency_key: str | None = None) -> Outcome:
        """The officer asked (or their cover, their service, or anyone on the case) answers."""
        answer = self._text("answer", answer)

        def change(case: Case, known: list[Question]) -> None:
            self._answerable(case, known, question_id, actor, now)
            lifecycle.answer_question(case, actor, now, question_id=question_id, answer=answer,
                                      questions=known)
        return await self._on_questions(reference, actor, now, change,
                                        idempotency_key=idempotency_key)

    async def withdraw_question(self, reference: str, *, actor: Actor, now: datetime,
                                question_id: str, reason: str,
                                idempotency_key: str | None = None) -> Outcome:
        """Take a question back (it would duplicate work...): the reason stays on the record."""
        reason = self._text("reason", reason)

        def change(case: Case, known: list[Question]) -> None:
            require(self.directory, actor, Action.WITHDRAW_QUESTION, case,
                    self.calendar.local_date(now))
            lifecycle.withdraw_question(case, actor, now, question_id=question_id,
                                        reason=reason, questions=known)
        return await self._on_questions(reference, actor, now, change,
                                        idempotency_key=idempotency_key)

    def _answerable(self, case: Case, known: list[Question], question_id: str, actor: Actor,
                    now: datetime) -> Question:
        """The question, if this actor may answer it; a stranger learns nothing of it."""
        day = self.calendar.local_date(now)
        q = find_question(known, question_id)
        if q is not None and may_answer(self.directory, actor, case, q, day):
            return q
        if q is None and may(self.directory, actor, Action.ANSWER_QUESTION, case, day):
            raise InvalidRequest("question_id", f"there is no such question on {case.label}")
        raise NotPermitted(actor.person_id, Action.ANSWER_QUESTION.value, case.reference)

    async def questions(self, case: Case) -> list[Question]:
        """Every question on a case the caller already holds (see `timeline`), oldest first."""
        return questions_in(s.event for s in await self.timeline(case))

    async def question(self, reference: str, question_id: str, *, actor: Actor,
                       now: datetime) -> tuple[Case, Question]:
        """One question and its case, for someone who may answer it (or act on the case)."""
        async with self.store.transaction() as uow:
            case = await uow.cases.get(reference)
            assert case.id is not None
            known = questions_in(s.event for s in await uow.cases.events(case.id))
        return case, self._answerable(case, known, question_id, actor, now)

    async def questions_for(self, *, actor: Actor, now: datetime, limit: int = 10
                            ) -> tuple[list[tuple[Case, Question]], int]:
        """The responder's dashboard: open questions on active cases put to this officer, to
        one of their service areas, or to someone they cover on leave, the longest waiting
        first (at most `limit` of them, with the number waiting in all). It reads the question
        events of active cases only (by the events' kind index), not every case's log."""
        person = self.directory.get(actor.person_id)
        absent = self.directory.covered_by(person.id, self.calendar.local_date(now))
        covering = [person, *(p for p in map(self.directory.find, absent) if p is not None)]
        people = {p.id for p in covering}
        services = {s for p in covering for s in p.services}
        async with self.store.transaction() as uow:
            by_case = await uow.cases.events_of_active_cases(QUESTION_EVENTS)
            mine = [(case_id, q) for case_id, events in by_case.items()
                    for q in questions_in(events)
                    if q.is_open and q.asked_by != person.id and (
                        q.to_officer in people or q.to_service in services
                        or people & set(q.notify))]
            mine.sort(key=lambda found: found[1].asked_at)
            shown = mine[:limit]
            by_id = await uow.cases.by_ids({case_id for case_id, _ in shown})
        return [(by_id[case_id], q) for case_id, q in shown if case_id in by_id], len(mine)

    async def auto_close(self, reference: str, *, now: datetime) -> Outcome:
        """The scheduler closes a case whose auto-close date has come (the member is told)."""
        today = self.calendar.local_date(now)
        return await self._act(reference, SYSTEM, Action.OFFICER_CLOSE, now,
                               lambda c: lifecycle.auto_close(c, SYSTEM, now, today))

    async def list_for_officer(self, *, actor: Actor, now: datetime,
                               flt: CaseFilter | None = None, offset: int = 0,
                               limit: int = 10) -> Page:
        """Cases in the officer's services (and those they cover); member support sees all."""
        person = self.directory.get(actor.person_id)
        base = flt or CaseFilter()
        services = base.service_ids
        if not is_member_support(person):
            mine = set(person.services)
            for absent in self.directory.covered_by(person.id, self.calendar.local_date(now)):
                mine |= set(self.directory.get(absent).services)
            mine |= {s.id for s in self.config.services
                     if self.directory.escalation_owner(s.id) == person.id}
            services = tuple(sorted(set(services) & mine if services else mine)) or ("-",)
        flt = CaseFilter(service_ids=services, ward_id=base.ward_id, states=base.states,
                         text=base.text, member_id=base.member_id,
                         assignee_id=base.assignee_id)
        async with self.store.transaction() as uow:
            return Page(await uow.cases.list_cases(flt, offset=offset, limit=limit),
                        await uow.cases.count(flt), offset, limit)

    async def hand_over_member_cases(
        self, member_id: str, *, actor: Actor, now: datetime, to_person_id: str, reason: str,
    ) -> list[str]:
        """A member leaves office: their active cases go to a ward colleague or member support.

        Only the departing member's own active cases change hands; the handover is an event on
        each. Returns the references handed over."""
        person = self.directory.find(actor.person_id)
        if person is None or not is_member_support(person):
            raise NotPermitted(actor.person_id, Action.HANDOVER.value, None)
        leaving = self.directory.get(member_id)
        target = self.directory.get(to_person_id)
        if leaving.kind is not ActorKind.MEMBER:
            raise InvalidRequest("member_id", "choose the councillor who is leaving")
        colleague = target.kind is ActorKind.MEMBER and target.ward_id == leaving.ward_id
        if target.id == leaving.id or not (colleague or target.has_role(
                OfficerRole.MEMBER_SUPPORT)):
            raise InvalidRequest("to", "hand over to a ward colleague or to member support")
        reason = self._text("reason", reason)
        handed: list[str] = []
        async with self.store.transaction() as uow:
            flt = CaseFilter(member_id=member_id, states=tuple(ACTIVE_STATES))
            for case in await uow.cases.list_cases(flt, limit=100_000):
                lifecycle.hand_over(case, actor, now, to_person_id, reason)
                await self._queue(uow, case, actor, now)
                await uow.cases.save(case)
                handed.append(case.reference or "")
        return handed

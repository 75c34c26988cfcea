"""Use cases on the officer's side, and the handover of a departing member's cases."""

from __future__ import annotations

from datetime import date, datetime

from casestore import lifecycle
from casestore.config import OfficerRole
from casestore.db.repository import CaseFilter
from casestore.errors import InvalidRequest, NotPermitted
from casestore.model import ACTIVE_STATES, SYSTEM, Actor, ActorKind, Case
from casestore.permissions import Action, is_member_support
from casestore.services import MemberCasework, Outcome, Page


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
        person = self.directory.get(actor.person_id)
        if not is_member_support(person):
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

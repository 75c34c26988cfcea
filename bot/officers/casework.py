"""The use case behind each case-card button, and the sentence that confirms it.

`OfficerActions.run(verb, form, actor, env)` calls one `Casework` method with the card's nonce
as the idempotency key and returns `Done`: the outcome, a confirmation for the card, and
optionally a card to show instead (the old thread after a redirect). The cards it returns come
from `dialogs.officers`; the awaiting lives here, at the edge.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from casestore.casework import Casework
from casestore.keys import nonce_key
from casestore.model import Actor
from casestore.services import Outcome
from dialogs.format import type_label
from dialogs.officers import forms
from dialogs.officers.cards import moved_card
from dialogs.officers.forms import CaseAction
from dialogs.officers.view import CardEnv

Card = dict[str, Any]


@dataclass(frozen=True)
class Done:
    outcome: Outcome
    notice: str
    card: Card | None = None  # shown instead of the case card


Key = str | None  # the idempotency key: the card's nonce
Step = Callable[[Any, Actor, CardEnv, Key], Awaitable[Done]]


class OfficerActions:
    def __init__(self, casework: Casework) -> None:
        self.cw = casework
        self._steps: dict[str, Step] = {
            "officer.acknowledge": self.acknowledge, "officer.claim": self.claim,
            "officer.assign": self.assign, "officer.ask_member": self.ask_member,
            "officer.ask_officer": self.ask_officer,
            "officer.answer_question": self.answer_question,
            "officer.withdraw_question": self.withdraw_question, "officer.redirect": self.redirect,
            "officer.add_service": self.add_service, "officer.convert_type": self.convert_type,
            "officer.mark_long_term": self.mark_long_term,
            "officer.final_response": self.final_response, "officer.close": self.close,
            "officer.reopen": self.reopen, "officer.answer_escalation": self.answer_escalation,
        }

    async def run(self, verb: str, form: CaseAction, actor: Actor, env: CardEnv, *,
                  fallback_key: str | None = None) -> Done:
        """`fallback_key` (the invoke's activity id) guards a button whose card had no nonce."""
        key = nonce_key(form.nonce) if form.nonce else fallback_key
        return await self._steps[verb](form, actor, env, key)

    async def acknowledge(self, form: CaseAction, actor: Actor, env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.acknowledge(form.reference, actor=actor, now=env.now, claim=True,
                                            idempotency_key=key)
        return Done(outcome, f"Acknowledged and claimed by {env.name(actor.person_id)}.")

    async def claim(self, form: CaseAction, actor: Actor, env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.assign(form.reference, actor=actor, now=env.now,
                                       officer_id=actor.person_id, idempotency_key=key)
        return Done(outcome, f"Assigned to {env.name(actor.person_id)}.")

    async def assign(self, form: forms.AssignForm, actor: Actor, env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.assign(form.reference, actor=actor, now=env.now,
                                       officer_id=form.assign_officer,
                                       idempotency_key=key)
        notice = f"Assigned to {env.name(form.assign_officer)} by {env.name(actor.person_id)}."
        cover = env.directory.delegate_for(form.assign_officer, env.today)
        if cover:
            notice += f" They are on leave, so {env.name(cover)} is told and covers it."
        return Done(outcome, notice)

    async def ask_member(self, form: forms.AskMemberForm, actor: Actor,
                         env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.ask_member(form.reference, actor=actor, now=env.now,
                                           question=form.ask_question,
                                           idempotency_key=key)
        return Done(outcome, f"Question sent to {env.name(outcome.case.member_id)}. The clock is "
                             "paused until they answer.")

    async def ask_officer(self, form: forms.AskOfficerForm, actor: Actor,
                          env: CardEnv, key: Key) -> Done:
        """Internal: the officer (or the service) gets the question with a form to answer."""
        kind, _, target = form.question_to.partition(":")
        outcome = await self.cw.ask_officer(
            form.reference, actor=actor, now=env.now, question=form.question_text,
            to_officer_id=target if kind == "officer" else None,
            to_service_id=target if kind == "service" else None, asked_in=form.svc,
            idempotency_key=key)
        case = outcome.case
        if kind == "officer":
            cover = env.directory.delegate_for(target, env.today)
            where = f"Question sent to {env.name(target)} in their chat" + (
                f" (on leave: {env.name(cover)} covers it)." if cover else ".")
        elif target in case.services:
            where = f"Question posted in the {env.service(target)} thread of this enquiry."
        else:
            where = f"Question sent to the {env.service(target)} coordinators in their chats."
        back = "here" if form.svc in case.services else \
            f"to the {env.service(case.lead_service)} thread"
        return Done(outcome, f"{where} The answer comes back {back}. Internal: not sent to "
                             "the member, and the clock does not stop.")

    async def answer_question(self, form: forms.AnswerQuestionForm, actor: Actor,
                              env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.answer_question(form.reference, actor=actor, now=env.now,
                                                question_id=form.question_id,
                                                answer=form.answer, idempotency_key=key)
        return Done(outcome, "Thank you: your answer is on the enquiry and its thread has been "
                             "told. It is not sent to the member.")

    async def withdraw_question(self, form: forms.WithdrawQuestionForm, actor: Actor,
                                env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.withdraw_question(form.reference, actor=actor, now=env.now,
                                                  question_id=form.question_id,
                                                  reason=form.reason, idempotency_key=key)
        return Done(outcome, "Question withdrawn: whoever it was put to is told no answer is "
                             "needed, and your reason stays on the record.")

    async def redirect(self, form: forms.RedirectForm, actor: Actor,
                       env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.redirect(form.reference, actor=actor, now=env.now,
                                         service_id=form.redirect_service,
                                         reason=form.redirect_reason,
                                         idempotency_key=key)
        old = form.svc if form.svc and form.svc not in outcome.case.services else None
        card = moved_card(outcome.case, env, old, reason=form.redirect_reason,
                          by=actor.person_id) if old else None
        return Done(outcome, f"Redirected to {env.service(form.redirect_service)}; a thread "
                             "opens in its channel.", card)

    async def add_service(self, form: forms.AddServiceForm, actor: Actor,
                          env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.add_service(form.reference, actor=actor, now=env.now,
                                            service_id=form.add_service,
                                            idempotency_key=key)
        return Done(outcome, f"Added {env.service(form.add_service)} for a joint response; a "
                             "thread opens in its channel.")

    async def convert_type(self, form: forms.ConvertTypeForm, actor: Actor,
                           env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.convert_type(form.reference, actor=actor, now=env.now,
                                             enquiry_type=form.convert_type.value,
                                             idempotency_key=key)
        return Done(outcome, f"Type changed to {type_label(form.convert_type.value)}.")

    async def mark_long_term(self, form: forms.LongTermForm, actor: Actor,
                             env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.mark_long_term(form.reference, actor=actor, now=env.now,
                                               expected_on=form.lt_expected_on,
                                               reason=form.lt_reason,
                                               idempotency_key=key)
        return Done(outcome, f"Marked long-term: works expected by "
                             f"{env.day(form.lt_expected_on)}. The member has been told.")

    async def final_response(self, form: forms.FinalResponseForm, actor: Actor,
                             env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.final_response(form.reference, actor=actor, now=env.now,
                                               text=form.final_text, close_now=form.final_close,
                                               idempotency_key=key)
        closed = " The enquiry is closed." if form.final_close else ""
        return Done(outcome, f"Final response sent to {env.name(outcome.case.member_id)}."
                             f"{closed}")

    async def close(self, form: forms.CloseForm, actor: Actor, env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.close(form.reference, actor=actor, now=env.now,
                                      reason=form.close_reason, idempotency_key=key)
        return Done(outcome, f"Closed by {env.name(actor.person_id)}. "
                             f"{env.name(outcome.case.member_id)} has been told.")

    async def reopen(self, form: forms.ReopenForm, actor: Actor, env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.reopen(form.reference, actor=actor, now=env.now,
                                       reason=form.reopen_reason, idempotency_key=key)
        return Done(outcome, f"Reopened. It needs acknowledging again by "
                             f"{env.day(outcome.case.acknowledge_due_on)}.")

    async def answer_escalation(self, form: forms.EscalationAnswerForm, actor: Actor,
                                env: CardEnv, key: Key) -> Done:
        outcome = await self.cw.answer_escalation(form.reference, actor=actor, now=env.now,
                                                  text=form.escalation_answer,
                                                  idempotency_key=key)
        return Done(outcome, f"Your answer to the escalation was sent to "
                             f"{env.name(outcome.case.member_id)}.")

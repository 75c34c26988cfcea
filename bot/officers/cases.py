"""Case-card buttons: each `officer.*` verb validates its form, runs one use case and returns
the card that replaces the one clicked (the case as it now stands, or the form again with what
to fix). Opening a case and the officer's queue live here too."""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.keys import activity_key_of
from bot.officers.casework import OfficerActions
from bot.officers.context import STALE_CARD, Officers
from bot.teams import Card
from casestore.directory import Person
from casestore.errors import DomainError, InvalidTransition, NotPermitted
from casestore.model import ACTIVE_STATES, ActorKind
from casestore.permissions import Action, may
from casestore.records import CaseFilter
from dialogs.forms import FormError, parse, typed_values
from dialogs.officers import forms
from dialogs.officers.actions import FORMS
from dialogs.officers.cards import form_card, message_card
from dialogs.officers.chat import QUEUE_PAGE, queue_card
from dialogs.officers.forms import CASE_VERBS, CaseAction
from dialogs.officers.view import CardEnv

log = logging.getLogger(__name__)


class CaseCards:
    def __init__(self, officers: Officers, actions: OfficerActions) -> None:
        self.o = officers
        self.actions = actions

    async def case_action(self, turn: TurnContext, person: Person, verb: str,
                          data: dict[str, Any]) -> Card:
        env = self.o.env()
        try:
            form = parse(CASE_VERBS[verb], data)
        except FormError as bad:
            return await self._form_again(person, verb, bad, env)
        actor = self.o.actor(person)
        try:
            done = await self.actions.run(verb, form, actor, env,
                                          fallback_key=activity_key_of(turn.activity))
        except DomainError as exc:
            log.info("%s on %s refused: %s", verb, form.reference, type(exc).__name__,
                     extra={"case": form.reference})
            return await self._refused(person, verb, form, exc, data, env)
        case, duplicate = done.outcome.case, done.outcome.duplicate
        log.info("%s on %s by %s%s", verb, form.reference, person.id,
                 " (again)" if duplicate else "", extra={"case": form.reference})
        if done.card is not None and not duplicate:
            return done.card
        if not may(self.o.ctx.directory, actor, Action.VIEW, case, env.today):
            return message_card(STALE_CARD if duplicate else done.notice)  # e.g. moved away
        notice, tone = (STALE_CARD, "warning") if duplicate else (done.notice, "good")
        return await self.o.case_card(case, env, service_id=form.svc, notice=notice, tone=tone)

    async def _form_again(self, person: Person, verb: str, bad: FormError,
                          env: CardEnv) -> Card:
        ref, svc = bad.values.get("reference", ""), self.o.service_id(bad.values.get("svc"))
        try:
            case = await self.o.view(person, ref, env)
        except DomainError as exc:
            return message_card(self.o.explain(exc, env) if "reference" not in bad.problems else
                                bad.problems["reference"], tone="attention")
        message = "Please check the form: " + " ".join(dict.fromkeys(bad.problems.values()))
        if verb not in FORMS:
            return await self.o.case_card(case, env, service_id=svc, notice=message,
                                          tone="attention")
        return form_card(case, env, verb, values=bad.values, problems=bad.problems,
                         message="Please check the form.", service_id=svc)

    async def _refused(self, person: Person, verb: str, form: CaseAction, exc: DomainError,
                       data: dict[str, Any], env: CardEnv) -> Card:
        try:
            case = await self.o.view(person, form.reference, env)
        except DomainError as view_exc:  # not theirs to see: say what they tried, no more
            shown = exc if isinstance(view_exc, NotPermitted) else view_exc
            return message_card(self.o.explain(shown, env), tone="attention")
        message = self.o.explain(exc, env)
        if verb in FORMS and case.state in ACTIVE_STATES and not isinstance(
                exc, NotPermitted | InvalidTransition):
            return form_card(case, env, verb, values=typed_values(data), problems={},
                             message=message, service_id=form.svc)
        return await self.o.case_card(case, env, service_id=form.svc,
                                      notice=message + " Nothing was changed.", tone="attention")

    async def open(self, person: Person, data: dict[str, Any]) -> Card:
        env = self.o.env()
        try:
            target = parse(forms.CaseRef, data)
            case = await self.o.view(person, target.reference, env)
        except FormError as bad:
            return message_card(next(iter(bad.problems.values())), tone="attention")
        except DomainError as exc:
            return message_card(self.o.explain(exc, env), tone="attention")
        return await self.o.case_card(case, env, service_id=target.svc)

    async def queue(self, person: Person, data: dict[str, Any]) -> Card:
        env = self.o.env()
        if person.kind is not ActorKind.OFFICER:
            return message_card("The queue is for council officers.")
        try:
            page_no = parse(forms.QueuePage, data)
        except FormError:
            page_no = forms.QueuePage()
        page = await self.o.casework.list_for_officer(
            actor=self.o.actor(person), now=env.now, flt=CaseFilter(states=tuple(ACTIVE_STATES)),
            offset=page_no.offset, limit=QUEUE_PAGE)
        return queue_card(page, env)

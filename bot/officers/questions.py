"""Questions put to officers: the Answer form of a question card (their chat, or the asked
service's thread) replaces it with the question as answered; "questions" lists those waiting for
the officer, their service areas or those they cover."""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.keys import activity_key_of
from bot.officers.casework import OfficerActions
from bot.officers.context import STALE_CARD, Officers
from bot.teams import Card
from casestore.directory import Person
from casestore.errors import DomainError
from casestore.model import ActorKind
from dialogs.forms import FormError, parse, typed_values
from dialogs.officers import forms
from dialogs.officers.cards import message_card, new_nonce
from dialogs.officers.questions import question_card, questions_card
from dialogs.officers.view import CardEnv

log = logging.getLogger(__name__)


class Questions:
    def __init__(self, officers: Officers, actions: OfficerActions) -> None:
        self.o = officers
        self.actions = actions

    async def answer(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        """The Answer form of a question card (chat or thread) or of "questions for you"."""
        env, to_list = self.o.env(), data.get("view") == "questions"
        try:
            form = parse(forms.AnswerQuestionForm, data)
        except FormError as bad:
            message = "Please check the form: " + " ".join(dict.fromkeys(bad.problems.values()))
            if to_list:
                return await self.listing(person, notice=message, tone="attention")
            return await self._card(person, bad.values, env, notice=message,
                                    tone="attention", problems=bad.problems)
        try:
            done = await self.actions.run("officer.answer_question", form, self.o.actor(person),
                                          env, fallback_key=activity_key_of(turn.activity))
        except DomainError as exc:
            log.info("officer.answer_question on %s refused: %s", form.reference,
                     type(exc).__name__, extra={"case": form.reference})
            notice, tone = self.o.explain(exc, env) + " Nothing was changed.", "attention"
        else:
            log.info("officer.answer_question on %s by %s%s", form.reference, person.id,
                     " (again)" if done.outcome.duplicate else "", extra={"case": form.reference})
            notice, tone = (STALE_CARD, "warning") if done.outcome.duplicate else \
                (done.notice, "good")
        if to_list:
            return await self.listing(person, notice=notice, tone=tone)
        return await self._card(person, data, env, notice=notice, tone=tone)

    async def _card(self, person: Person, data: dict[str, Any], env: CardEnv, *,
                    notice: str = "", tone: str = "good",
                    problems: dict[str, str] | None = None) -> Card:
        """A question as it now stands, for someone who may answer it; else only the reason."""
        problems = problems or {}
        if "reference" in problems or "question_id" in problems:
            return message_card(problems.get("reference") or problems["question_id"],
                                tone="attention")
        try:
            case, question = await self.o.casework.question(
                str(data.get("reference", "")), str(data.get("question_id", "")),
                actor=self.o.actor(person), now=env.now)
        except DomainError as exc:
            return message_card(self.o.explain(exc, env), tone="attention")
        typed = {k: v for k, v in typed_values(data).items() if k.startswith("answer_")}
        return question_card(case, env, question, nonce=new_nonce(),
                             service_id=self.o.service_id(data.get("svc")), notice=notice,
                             tone=tone, values=typed, problem=problems.get("answer", ""))

    async def show(self, person: Person, data: dict[str, Any]) -> Card:
        try:
            target = parse(forms.QuestionRef, data)
        except FormError as bad:
            return message_card(next(iter(bad.problems.values())), tone="attention")
        return await self._card(person, target.model_dump(), self.o.env())

    async def listing(self, person: Person, *, notice: str = "", tone: str = "good") -> Card:
        """The responder's list: questions waiting for them, their services or those they cover."""
        env = self.o.env()
        if person.kind is not ActorKind.OFFICER:
            return message_card("Questions between officers are for council officers.")
        items, total = await self.o.casework.questions_for(actor=self.o.actor(person),
                                                           now=env.now)
        return questions_card(items, total, env, nonce=new_nonce(), notice=notice, tone=tone)

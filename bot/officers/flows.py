"""Officers in Teams: case threads in service channels, case-card actions, and their own chat.

* A message in a case's thread is recorded on the case (`bot.officers.thread`).
* A top-level "log for <councillor>" in a service channel (or the help card's button) opens the
  form to log an enquiry on a councillor's behalf (`bot.officers.logging`).
* Case-card buttons are `officer.*` Action.Execute verbs (`bot.officers.cases`); each returns the
  card that replaces the one clicked.
* In personal chat: help, "my queue", a reference to open a case, answering escalations, and
  "questions" (`bot.officers.questions`): those other officers put to them or their service
  areas, each with an Answer form.

Each verb maps to its handler through one explicit registry; nothing is looked up by name.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.identity import from_the_bot
from bot.officers.cases import CaseCards
from bot.officers.casework import OfficerActions
from bot.officers.context import Officers
from bot.officers.logging import LogFlow
from bot.officers.questions import Questions
from bot.officers.thread import Threads, mentions_bot, message_text
from bot.teams import BotContext, Card, card_activity, conversation_type
from casestore.directory import Person
from casestore.model import ActorKind
from dialogs.forms import current_keys
from dialogs.officers import forms
from dialogs.officers.cards import message_card
from dialogs.officers.chat import help_card
from dialogs.officers.forms import CASE_VERBS

log = logging.getLogger(__name__)

OFFICERS_ONLY = ("Those buttons are for council officers. Nothing was changed. Type **help** to "
                 "see what you can do.")

Handler = Callable[[TurnContext, Person, dict[str, Any]], Awaitable[Card]]


class OfficerFlows:
    """The officers' side of the bot (bot.teams.Flows)."""

    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self.officers = Officers(ctx)
        actions = OfficerActions(ctx.casework)
        self.logging = LogFlow(ctx.casework, self.officers.env)
        self.threads = Threads(self.officers, self.logging)
        self.cases = CaseCards(self.officers, actions)
        self.questions = Questions(self.officers, actions)
        self._verbs: dict[str, Handler] = {
            "officer.answer_question": self.questions.answer,
            "officer.question": lambda _turn, person, data: self.questions.show(person, data),
            "officer.questions": lambda _turn, person, _data: self.questions.listing(person),
            "officer.open": lambda _turn, person, data: self.cases.open(person, data),
            "officer.refresh": lambda _turn, person, data: self.cases.open(person, data),
            "officer.queue": lambda _turn, person, data: self.cases.queue(person, data),
            "officer.log_form": self._log_form,
            "officer.log_submit": lambda _turn, person, data: self.logging.submit(person, data),
        }
        for verb in CASE_VERBS:
            self._verbs.setdefault(verb, self._case_action(verb))

    def _case_action(self, verb: str) -> Handler:
        async def handle(turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
            return await self.cases.case_action(turn, person, verb, data)
        return handle

    async def _log_form(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        return self.logging.form(person, data)

    # -- Flows ----------------------------------------------------------------------------------
    async def on_welcome(self, turn: TurnContext, person: Person) -> None:
        await turn.send_activity(card_activity(help_card(person, self.officers.env())))

    async def on_message(self, turn: TurnContext, person: Person) -> None:
        activity = turn.activity
        if from_the_bot(activity):
            return
        where = conversation_type(turn)
        if where == "channel":
            await self.threads.channel_message(turn, person)
        elif where == "personal" or mentions_bot(activity):
            await turn.send_activity(card_activity(await self._chat(person, message_text(
                activity))))

    async def on_action(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None:
        if person.kind is not ActorKind.OFFICER:  # a councillor with an officer's button
            log.info("officer verb %r refused for %s, who is not an officer", verb[:60],
                     person.id)
            return message_card(OFFICERS_ONLY)
        handler = self._verbs.get(verb)
        if handler is None:
            log.warning("unknown officer verb %r (activity %s)", verb[:60], turn.activity.id)
            return message_card("Sorry, that button is no longer available. Type **help** to "
                                "start.")
        return await handler(turn, person, current_keys(data))

    async def on_message_change(self, turn: TurnContext, person: Person, change: str) -> None:
        """A thread message was edited or deleted: kept on the case's timeline."""
        await self.threads.on_message_change(turn, person, change)

    async def _chat(self, person: Person, text: str) -> Card:
        command = forms.parse_command(text)
        if command.kind == "open":
            return await self.cases.open(person, {"reference": command.argument})
        if command.kind == "queue":
            return await self.cases.queue(person, {})
        if command.kind == "questions":
            return await self.questions.listing(person)
        if command.kind == "log":
            return self.logging.form(person, {}, who=command.argument)
        notice = "Sorry, I didn't understand that." if command.kind == "unknown" else ""
        return help_card(person, self.officers.env(), notice=notice)

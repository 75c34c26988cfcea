"""The member's side of the bot in personal chat: commands, card actions and files.

Each handler parses what Teams sent (`dialogs.forms.parse` with a `dialogs.members.forms`
model), calls one use case on `Casework` as the acting member (`bot.members.acting`), and
answers with a card from `dialogs.members`; the card an Action.Execute returns replaces the card
that was clicked. Every change made from a card uses the button's nonce as its idempotency key.
A domain refusal becomes a plain sentence (`dialogs.refusals`); logs carry references and ids,
never what a constituent said. Each verb maps to its handler through one explicit registry.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.members.acting import HOME, Handler, Members, NotActingFor
from bot.members.cases import CaseDetail
from bot.members.downloads import Downloader
from bot.members.files import Files
from bot.members.intake import Intake
from bot.members.lists import CaseLists
from bot.teams import BotContext, Card, card_activity
from casestore.directory import Person
from casestore.errors import DomainError
from dialogs.forms import FormError, current_keys
from dialogs.members import commands, forms
from dialogs.members.cards import help_card, message_card, welcome_card
from dialogs.members.files import incoming_files
from dialogs.members.lists import ListFilters
from dialogs.refusals import STALE_CARD

log = logging.getLogger(__name__)


class MemberFlows:
    """The `Flows` of bot/teams.py for members and cabinet secretaries in personal chat."""

    def __init__(self, ctx: BotContext, *, downloader: Downloader | None = None) -> None:
        self.ctx = ctx
        self.members = Members(ctx)
        self.lists = CaseLists(self.members)
        self.cases = CaseDetail(self.members)
        self.intake = Intake(self.members, self.lists)
        self.files = Files(self.members, downloader or Downloader(ctx.config.attachments))
        self._verbs: dict[str, Handler] = {
            "member.help": self._help,
            "member.enquiry.new": self.intake.new_enquiry,
            "member.enquiry.edit": self.intake.edit,
            "member.enquiry.submit": self.intake.submit,
            "member.enquiry.save_draft": self.intake.save_draft,
            "member.drafts.list": self.intake.drafts,
            "member.draft.open": self.intake.open_draft,
            "member.draft.discard": self.intake.discard_draft,
            "member.cases.list": self.lists.list,
            "member.case.open": self.cases.open,
            "member.case.link": self.intake.link,
            "member.files.attach": self.files.attach_chosen,
            # the scheduler's notices (dialogs/support/notices.py) open the case
            "member.case": self.cases.open,
            "member.escalate_form": self.cases.open,
            "member.extend_form": self.cases.open,
        }
        for verb in forms.CASE_ACTIONS:
            self._verbs[verb] = self.cases.act

    # -- the Flows protocol ---------------------------------------------------------------------
    async def on_welcome(self, turn: TurnContext, person: Person) -> None:
        try:
            card = welcome_card(self.members.view(), self.members.acting(person))
        except NotActingFor as exc:
            card = self.members.refusal(exc)
        await turn.send_activity(card_activity(card))

    async def on_message(self, turn: TurnContext, person: Person) -> None:
        activity = turn.activity
        files = incoming_files(a.model_dump(mode="json", by_alias=True, exclude_none=True)
                               for a in activity.attachments or [])
        text = activity.text or ""
        if activity.recipient is not None and activity.entities:
            text = TurnContext.remove_recipient_mention(activity) or ""
        try:
            if files:
                card = await self.files.receive(turn, person, text, files)
            else:
                card = await self._command(person, text)
        except DomainError as exc:
            card = self.members.refusal(exc)
        await turn.send_activity(card_activity(card))

    async def on_action(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None:
        handler = self._verbs.get(verb)
        if handler is None:
            log.warning("unknown member verb %r (activity %s)", verb[:60], turn.activity.id)
            return message_card("Sorry, that button is no longer available. Type **help** to "
                                "start again.", actions=HOME)
        try:
            return await handler(turn, person, {**current_keys(data), "_verb": verb})
        except FormError:
            return message_card(STALE_CARD, good=False, actions=HOME)
        except DomainError as exc:
            return self.members.refusal(exc)

    # -- commands -------------------------------------------------------------------------------
    async def _command(self, person: Person, text: str) -> Card:
        name, arg = commands.parse_command(text)
        m = self.members
        view = m.view()
        if name == "new":
            return self.intake.new_form(view, m.acting(person))
        if name == "cases":
            return await self.lists.page(view, m.acting(person), ListFilters())
        if name == "find":
            return await self.lists.page(view, m.acting(person), ListFilters(text=arg))
        if name == "drafts":
            return await self.intake.drafts_card(view, m.acting(person))
        if name == "case":
            acting, _ = await m.acting_for_case(person, arg, None)
            return await self.cases.detail(view, acting, arg)
        if name == "help":
            return help_card(view, acting=m.acting(person))
        return help_card(view, "Sorry, I didn't understand that. Here is what I can do.",
                         acting=m.acting(person))

    async def _help(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        return help_card(self.members.view(), acting=self.members.acting(person))

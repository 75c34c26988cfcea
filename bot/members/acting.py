"""Who acts in a member's turn: the member, or a cabinet secretary for a cabinet member.

Every member handler shares `Members`: the bot's context, the acting person and the member they
act for, the case as that pair may see it, and a refusal as a card. A cabinet secretary acts
"for" a cabinet member, recorded as both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.teams import BotContext, Card
from casestore.directory import Person
from casestore.errors import DomainError, NotPermitted
from casestore.model import Actor, ActorKind, Case
from dialogs.members.cards import Acting, MemberView, message_card
from dialogs.refusals import Audience, sentence_for

Handler = Callable[[TurnContext, Person, dict[str, Any]], Awaitable[Card]]
NOT_FOR_THEM = "You can't raise or follow enquiries for that councillor."
NO_MEMBERS = ("You are set up as a cabinet secretary, but not yet for any cabinet member, so "
              "there are no enquiries to show. Please contact the member support team.")
HOME = (("My cases", "member.cases.list"), ("Help", "member.help"))


class NotActingFor(NotPermitted):
    """The person may not act for that member (`reference` is the member's id, or None)."""

    def __init__(self, person_id: str, member_id: str | None) -> None:
        super().__init__(person_id, "act for", member_id)


class Members:
    """The context every member handler shares."""

    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self.casework = ctx.casework

    def view(self) -> MemberView:
        return MemberView(self.ctx.config, self.ctx.directory, self.casework.policy,
                          self.ctx.clock())

    def acting(self, person: Person, for_member: str | None = None) -> Acting:
        """The person and the member they act for; a member acts only for themselves."""
        if person.kind is ActorKind.MEMBER:
            if for_member not in (None, person.id):
                raise NotActingFor(person.id, for_member)
            return Acting(person, person)
        directory = self.ctx.directory
        members = sorted((directory.get(m) for m in directory.members_for_secretary(person.id)),
                         key=lambda m: m.name)
        chosen = for_member or (members[0].id if members else None)
        if chosen is None or chosen not in {m.id for m in members}:
            raise NotActingFor(person.id, chosen)
        return Acting(person, directory.get(chosen), tuple(members))

    def candidates(self, person: Person) -> list[Acting]:
        """Each member the person may act for (a member: only themselves)."""
        acting = self.acting(person)
        return [acting] if not acting.members else [
            self.acting(person, m.id) for m in acting.members]

    @staticmethod
    def actor(acting: Acting) -> Actor:
        return Actor(acting.person.id, ActorKind.MEMBER, on_behalf_of=acting.for_member)

    async def acting_for_case(self, person: Person, reference: str,
                              for_member: str | None) -> tuple[Acting, Case]:
        """Who acts on this case, and the case as they may see it (NotPermitted otherwise)."""
        now = self.ctx.clock()
        candidates = [self.acting(person, for_member)] if for_member else \
            self.candidates(person)
        for candidate in candidates:
            try:
                case = await self.casework.view(reference, actor=self.actor(candidate), now=now)
            except NotPermitted:
                continue
            return candidate, case
        raise NotPermitted(person.id, "view", reference)

    def refusal(self, exc: DomainError) -> Card:
        if isinstance(exc, NotActingFor):
            return message_card(NOT_FOR_THEM if exc.reference else NO_MEMBERS, good=False,
                                actions=HOME)
        sentence = sentence_for(exc, Audience.MEMBER, today=self.view().today)
        return message_card(sentence, good=False, actions=HOME)

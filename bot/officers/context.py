"""What every officer handler shares: the bot's context, the card environment, the case card."""

from __future__ import annotations

from bot.teams import BotContext, Card
from casestore.directory import Person
from casestore.errors import DomainError
from casestore.model import Actor, Case
from dialogs.officers.cards import case_card
from dialogs.officers.view import CardEnv, FileInfo
from dialogs.refusals import Audience, sentence_for

STALE_CARD = ("This card had already been used, so nothing more was changed. It now shows the "
              "enquiry as it stands: check it and try again if you need to.")


class Officers:
    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self.casework = ctx.casework

    def env(self) -> CardEnv:
        return CardEnv(self.ctx.config, self.ctx.directory, self.ctx.casework.policy,
                       self.ctx.clock())

    @staticmethod
    def actor(person: Person) -> Actor:
        return Actor(person.id, person.kind)

    def explain(self, exc: DomainError, env: CardEnv | None = None) -> str:
        """A domain refusal as a sentence for the officer."""
        return sentence_for(exc, Audience.OFFICER, today=(env or self.env()).today)

    def service_id(self, value: object) -> str | None:
        return value if isinstance(value, str) and value in {
            s.id for s in self.ctx.config.services} else None

    async def view(self, person: Person, reference: str, env: CardEnv) -> Case:
        return await self.casework.view(reference, actor=self.actor(person), now=env.now)

    async def files(self, case: Case) -> list[FileInfo]:
        if case.id is None:
            return []
        async with self.ctx.store.transaction() as uow:
            rows = await uow.cases.attachment_list(case.id)
        return [f for f in (FileInfo.parse(r) for r in rows) if f is not None]

    async def case_card(self, case: Case, env: CardEnv, *, service_id: str | None,
                        notice: str = "", tone: str = "good") -> Card:
        """The case card with its files and the questions put to other officers."""
        return case_card(case, env, service_id=service_id, files=await self.files(case),
                         questions=await self.casework.questions(case), notice=notice,
                         tone=tone)

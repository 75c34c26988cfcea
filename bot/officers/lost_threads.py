"""A reply in a thread the store does not know: find the case it belongs to, or say so.

The delivery job records each case thread's root post before sending it and confirms it with
its root id afterwards (`bot.delivery`). If the job dies in between, the post is in Teams but its
root id is not in the store, and the retry posts the card again. An officer may reply in either.
A reply in an unknown thread is therefore placed like this:

1. No post in this channel is unconfirmed: no case thread here can be unknown, so the thread is
   officers' own conversation and is left alone (a message that @mentions the bot still gets
   the help card).
2. With Microsoft Graph, the root post is fetched: if it is the bot's case card it names the case
   and service (`casestore.graph.threads`); the thread is recorded as that case's (confirming
   the unconfirmed post) and the reply is handled as in any case thread. A root that is not the
   bot's card is someone else's conversation, left alone.
3. Otherwise (no Graph, or Graph could not answer), a reply that starts with the reference of a
   case with an unconfirmed post here links the thread to that case, if the officer may work on
   it; anything else gets a polite answer saying the message could not be placed. No officer's
   message in a thread that may be a case's is dropped without a word.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass

from bot.teams import BotContext
from casestore.directory import Person
from casestore.model import Actor
from casestore.permissions import Action, may
from casestore.ports import ThreadRoots
from casestore.records import CaseCardRoot, Thread, ThreadPost

log = logging.getLogger(__name__)

CANT_PLACE = (
    "Sorry {name}, I can't tell which enquiry this thread belongs to, so your message has not "
    "been recorded or sent to anyone. Please post it in the enquiry's own thread, or send it "
    "again here starting with the enquiry's reference (for example {example}) and I'll link "
    "this thread to that enquiry.")
LEADING_REFERENCE = re.compile(r"^\s*(ENQ-\d{4}-\d{6})\b[\s:;,.\-\u2013\u2014]*", re.IGNORECASE)
NOT_OURS_REMEMBERED = 1000


@dataclass(frozen=True)
class Placed:
    """Where a reply in an unknown thread goes: a case thread (with the text to record, the
    reference it began with taken off), nowhere of ours (`thread` None, `answer` empty), or
    nowhere the bot can tell (`answer`: what to tell the officer)."""

    thread: Thread | None = None
    text: str = ""
    answer: str = ""


NOT_OURS = Placed()


class LostThreads:
    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self._not_ours: OrderedDict[tuple[str, str], None] = OrderedDict()

    @property
    def roots(self) -> ThreadRoots | None:
        return self.ctx.thread_roots

    async def place(self, person: Person, channel_id: str, root_id: str, text: str, *,
                    mentioned: bool) -> Placed:
        async with self.ctx.store.read() as uow:
            posts = await uow.threads.unconfirmed_posts(channel_id)
        if (channel_id, root_id) in self._not_ours or not (posts or (mentioned and self.roots)):
            return NOT_OURS
        if self.roots is not None:
            try:
                card = await self.roots.case_card_of(self._team_of(channel_id), channel_id,
                                                     root_id)
            except Exception as exc:  # Graph could not say: fall back to asking the officer
                log.warning("cannot read the root of a thread in %s: %s", channel_id,
                            type(exc).__name__)
            else:
                if card is None:
                    self._remember_not_ours(channel_id, root_id)
                    return NOT_OURS
                thread = await self._adopt(card, channel_id, root_id, posts)
                return Placed(thread, text) if thread is not None else NOT_OURS
        if not posts:
            return NOT_OURS
        linked = await self._linked_by_reference(person, channel_id, root_id, text, posts)
        if linked is not None:
            return linked
        example = await self._example_reference(posts)
        return Placed(answer=CANT_PLACE.format(name=person.name, example=example))

    def _team_of(self, channel_id: str) -> str:
        return next((s.team_id for s in self.ctx.config.services if s.channel_id == channel_id),
                    "")

    def _remember_not_ours(self, channel_id: str, root_id: str) -> None:
        self._not_ours[(channel_id, root_id)] = None
        while len(self._not_ours) > NOT_OURS_REMEMBERED:
            self._not_ours.popitem(last=False)

    async def _adopt(self, card: CaseCardRoot, channel_id: str, root_id: str,
                     posts: list[ThreadPost]) -> Thread | None:
        """Record a root post of the bot's case card as that case's thread in this channel."""
        config = self.ctx.config
        if not any(s.id == card.service_id and s.channel_id == channel_id
                   for s in config.services):
            return None  # a card about another channel's thread, quoted here: not this thread
        now = self.ctx.clock()
        async with self.ctx.store.transaction() as uow:
            case = await uow.cases.find(card.reference)
            if case is None or case.id is None:
                return None
            post = next((p for p in posts if p.case_id == case.id and
                         p.service_id == card.service_id), None)
            post_id = post.id if post is not None else await uow.threads.start_post(
                case_id=case.id, service_id=card.service_id, channel_id=channel_id, now=now)
            await uow.threads.confirm_post(post_id, root_message_id=root_id, now=now)
            thread = await uow.threads.by_root(channel_id, root_id)
        log.info("a reply in an unrecorded thread of %s in %s: the thread is now known",
                 card.reference, card.service_id)
        return thread

    async def _linked_by_reference(self, person: Person, channel_id: str, root_id: str,
                                   text: str, posts: list[ThreadPost]) -> Placed | None:
        match = LEADING_REFERENCE.match(text)
        if match is None:
            return None
        now = self.ctx.clock()
        today = self.ctx.casework.calendar.local_date(now)
        async with self.ctx.store.transaction() as uow:
            case = await uow.cases.find(match.group(1).upper())
            post = next((p for p in posts if case is not None and p.case_id == case.id), None)
            if case is None or post is None or not may(
                    self.ctx.directory, Actor(person.id, person.kind), Action.REPLY, case, today):
                return None
            await uow.threads.confirm_post(post.id, root_message_id=root_id, now=now)
            thread = await uow.threads.by_root(channel_id, root_id)
        log.info("%s linked an unrecorded thread in %s to %s", person.id, post.service_id,
                 case.reference)
        return Placed(thread, text[match.end():].strip())

    async def _example_reference(self, posts: list[ThreadPost]) -> str:
        async with self.ctx.store.read() as uow:
            cases = await uow.cases.by_ids([p.case_id for p in posts[-1:]])
        return next((c.reference for c in cases.values() if c.reference), "ENQ-2026-000123")

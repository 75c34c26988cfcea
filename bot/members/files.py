"""Files a member sends in personal chat: added to the case their message names, or held
briefly while they choose the case from a card, or confirm special category data.

Each file is fetched by `bot.members.downloads` (https, the council's download hosts, public
addresses only) and stored by the use case, which decides its type from its bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.keys import activity_key_of
from bot.members.acting import HOME, Members
from bot.members.downloads import (
    Downloader,
    DownloadFailed,
    DownloadRefused,
    TooLarge,
    credentials_for,
)
from bot.members.pending_files import PendingFiles
from bot.teams import Card
from casestore import filetypes
from casestore.directory import Person
from casestore.errors import AttachmentRejected, CaseNotFound, DomainError, NotPermitted
from casestore.intake import special_categories
from casestore.keys import nonce_key
from casestore.model import ACTIVE_STATES
from casestore.records import CaseFilter
from dialogs.forms import parse
from dialogs.members import commands, forms, special
from dialogs.members.cards import Acting, MemberView, message_card
from dialogs.members.files import IncomingFile, not_fetched, with_extension
from dialogs.members.lists import FileResult, choose_case_for_files_card, files_added_card
from dialogs.refusals import Audience, sentence_for

log = logging.getLogger(__name__)

FILE_GONE = ("I no longer have that file. Please send it again with the enquiry's reference in "
             "the message (for example ENQ-2026-000123).")
NO_DOWNLOAD = "I couldn't download it from Teams. Please send it again."


class Files:
    def __init__(self, members: Members, downloader: Downloader) -> None:
        self.m = members
        self.downloader = downloader
        self.pending = PendingFiles(members.ctx.store)

    async def receive(self, turn: TurnContext, person: Person, text: str,
                      files: list[IncomingFile]) -> Card:
        view = self.m.view()
        reference = commands.find_reference(text)
        names = [f.name for f in files]
        if reference is None:
            acting = self.m.acting(person)
            page = await self.m.casework.list_for_member(
                actor=self.m.actor(acting), now=view.now,
                flt=CaseFilter(states=tuple(sorted(ACTIVE_STATES))), limit=10)
            token = await self.pending.put(person.id, files, view.now, caption=text)
            return choose_case_for_files_card(view, page.cases, names, token, acting)
        acting, _ = await self.m.acting_for_case(person, reference, None)
        found = special_categories(text, *names)
        if found:  # held until the member confirms, as an enquiry's text would be
            token = await self.pending.put(person.id, files, view.now, caption=text)
            log.info("files for %s from %s: special category data to confirm", reference,
                     person.id)
            return special.files_card(reference, names, found, token,
                                      for_member=acting.for_member)
        return await self._store(turn, view, acting, reference, files, text, False,
                                 activity_key_of(turn.activity))

    async def attach_chosen(self, turn: TurnContext, person: Person,
                            data: dict[str, Any]) -> Card:
        form = parse(forms.AttachFiles, data)
        view = self.m.view()
        held = await self.pending.get(form.token, person.id, view.now)
        if held is None:
            return message_card(FILE_GONE, good=False, actions=HOME)
        acting, _ = await self.m.acting_for_case(person, form.reference, form.for_member)
        names = [f.name for f in held.files]
        found = special_categories(held.caption, *names)
        if found and not form.special_category_confirmed:
            return special.files_card(form.reference, names, found, form.token,
                                      for_member=acting.for_member)
        return await self._store(turn, view, acting, form.reference, held.files, held.caption,
                                 form.special_category_confirmed, nonce_key(form.nonce))

    async def _store(self, turn: TurnContext, view: MemberView, acting: Acting,
                     reference: str, files: Sequence[IncomingFile], caption: str,
                     confirmed: bool, key: str) -> Card:
        results: list[FileResult] = []
        for i, incoming in enumerate(files):
            try:
                attachment_id, name = await self._store_one(
                    turn, view, acting, reference, incoming, caption, confirmed,
                    key if i == 0 else f"{key}:{i}")
                log.info("file added to %s by %s (attachment %s)", reference,
                         acting.person.id, attachment_id, extra={"case": reference})
                results.append(FileResult(name, True))
            except (NotPermitted, CaseNotFound):
                raise
            except DomainError as exc:
                results.append(FileResult(incoming.name, False, sentence_for(
                    exc, Audience.MEMBER, today=view.today)))
            except DownloadRefused as exc:
                log.warning("refused to fetch a file for %s: %s", reference, exc.why.value,
                            extra={"case": reference})
                results.append(FileResult(incoming.name, False,
                                          not_fetched(incoming.name, exc.why)))
            except DownloadFailed as exc:
                log.warning("could not download a file for %s: %s", reference, exc,
                            extra={"case": reference})
                results.append(FileResult(incoming.name, False,
                                          f"{incoming.name} was not added: {NO_DOWNLOAD}"))
        return files_added_card(view, reference, results, acting.for_member)

    async def _store_one(self, turn: TurnContext, view: MemberView, acting: Acting,
                         reference: str, incoming: IncomingFile, caption: str, confirmed: bool,
                         key: str) -> tuple[int | None, str]:
        limits = self.m.ctx.config.attachments
        if incoming.content_type not in limits.allowed_types and \
                not incoming.content_type.startswith("image/"):
            raise AttachmentRejected(incoming.name, "this type of file is not accepted")
        try:
            content = await self.downloader.fetch(
                incoming.url, headers=await credentials_for(turn, incoming.url))
        except TooLarge as exc:
            raise AttachmentRejected(incoming.name, filetypes.too_large(exc.max_bytes)) from None
        name = with_extension(incoming.name, filetypes.identify(content) or "")
        outcome = await self.m.casework.add_attachment(
            reference, actor=self.m.actor(acting), now=view.now, filename=name,
            content_type=incoming.content_type, content=content, caption=caption,
            special_category_confirmed=confirmed, idempotency_key=key)
        return outcome.attachment_id, name

"""Use cases: one async function for every action on a case.

Each opens one transaction, checks who is acting (permissions) and what the case allows
(lifecycle), changes the case, appends its events and queues its notifications in the outbox,
and commits, or raises a domain error and writes nothing. An `idempotency_key` (a Teams activity
id scoped by its conversation, or a card nonce: `casestore.keys`) makes a retried action a no-op
that returns the case as it now stands. The key is stored scoped by the person acting, and the
case is returned only to someone who may see it, so a key replayed by anyone else is their own
new action and never shows them another person's case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from casestore import filetypes, lifecycle
from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.errors import AttachmentRejected, InvalidRequest, NotPermitted
from casestore.intake import (
    MAX_TEXT,
    EnquiryDetails,
    check_enquiry,
    require_confirmed_if_special,
)
from casestore.keys import actor_key
from casestore.kinds import EventKind
from casestore.model import Actor, ActorKind, Case, CaseState, Event
from casestore.notifications import notifications_for
from casestore.permissions import (
    Action,
    access_ended_on,
    acts_for_member,
    may,
    require,
    require_in_office,
)
from casestore.ports import Store, UnitOfWork
from casestore.records import AttachmentInfo, CaseFilter, Page, StoredEvent
from casestore.sla import SlaPolicy


@dataclass(frozen=True)
class Outcome:
    case: Case
    duplicate: bool = False
    first_response: bool = False
    attachment_id: int | None = None


class MemberCasework:
    """The member's use cases, on the ports: any `Store` (SQLAlchemy or the tests' fake)."""

    def __init__(self, store: Store, config: CouncilConfig, directory: Directory,
                 policy: SlaPolicy | None = None) -> None:
        self.store = store
        self.config = config
        self.directory = directory
        self.policy = policy or SlaPolicy(config)
        self.calendar = self.policy.calendar

    # -- helpers -------------------------------------------------------------------------------
    async def _queue(self, uow: UnitOfWork, case: Case, actor: Actor, now: datetime,
                     events: list[Event] | None = None, version: int | None = None) -> None:
        """Queue what the change's events cause. Call it once the case has its id."""
        events = case.new_events if events is None else events
        version = case.version if version is None else version
        for n in notifications_for(case, events, actor_kind=actor.kind,
                                   discriminator=f"v{version + 1}"):
            await uow.outbox.add(dedupe_key=n.dedupe_key, kind=n.kind, recipient=str(n.recipient),
                                 payload=n.payload, now=now, case_id=case.id)

    @staticmethod
    def _key(actor: Actor, idempotency_key: str | None) -> str | None:
        """The key as stored: scoped by the person acting, so one person's nonce or activity
        id never answers for another's action."""
        return actor_key(actor.person_id, idempotency_key) if idempotency_key else None

    def _replayed(self, case: Case, actor: Actor, now: datetime) -> Outcome:
        """The answer to a repeated key: the case as it stands, for someone who may see it."""
        require(self.directory, actor, Action.VIEW, case, self.calendar.local_date(now))
        return Outcome(case, duplicate=True)

    async def _act(
        self, reference: str, actor: Actor, action: Action, now: datetime,
        change: Callable[[Case], object], *, idempotency_key: str | None = None,
    ) -> Outcome:
        idempotency_key = self._key(actor, idempotency_key)
        async with self.store.transaction() as uow:
            if idempotency_key and await uow.idempotency.claim(idempotency_key, now) is not None:
                return self._replayed(await uow.cases.get(reference), actor, now)
            case = await uow.cases.get(reference, for_update=True)
            require(self.directory, actor, action, case, self.calendar.local_date(now))
            result = change(case)
            await self._queue(uow, case, actor, now)
            await uow.cases.save(case)
            if idempotency_key:
                await uow.idempotency.set_result(idempotency_key, {"reference": case.reference})
            return Outcome(case, first_response=result is True)

    def _text(self, field: str, text: str, *, required: bool = True) -> str:
        text = text.strip()
        if required and not text:
            raise InvalidRequest(field, "this cannot be empty")
        if len(text) > MAX_TEXT:
            raise InvalidRequest(field, f"keep this to {MAX_TEXT} characters")
        return text

    def _member_actor_ok(self, actor: Actor, member_id: str, now: datetime) -> None:
        require_in_office(self.directory, actor, self.calendar.local_date(now))
        if not acts_for_member(self.directory, actor, member_id):
            raise NotPermitted(actor.person_id, "raise an enquiry for", member_id)

    # -- drafts and submission ------------------------------------------------------------------
    def _new_case(self, details: EnquiryDetails, member_id: str, actor: Actor,
                  now: datetime) -> Case:
        return Case(
            member_id=member_id, raised_by_id=actor.person_id, lead_service=details.service_id,
            enquiry_type=details.enquiry_type, ward_id=details.ward_id,
            description=details.description.strip(), ask=details.ask.strip(), created_at=now,
            location=details.location.strip(), constituent_name=details.constituent_name.strip(),
            constituent_contact=details.constituent_contact.strip(),
            consent_given=details.consent_given, search_term=details.search_term.strip(),
            urgency=details.urgency, special_category_confirmed=details.special_category_confirmed,
            services=[details.service_id], cc_member_ids=list(dict.fromkeys(details.cc_member_ids)),
        )

    async def submit(
        self, details: EnquiryDetails, *, member_id: str, actor: Actor, now: datetime,
        idempotency_key: str | None = None, draft_id: int | None = None,
        linked_reference: str | None = None,
    ) -> Outcome:
        """Raise an enquiry (from the form, a draft, or an officer logging it for a member)."""
        if actor.kind is ActorKind.OFFICER:
            probe = Case(member_id=member_id, raised_by_id=actor.person_id,
                         lead_service=details.service_id, enquiry_type="", ward_id="",
                         description="", ask="", created_at=now)
            if not may(self.directory, actor, Action.LOG_FOR_MEMBER, probe,
                       self.calendar.local_date(now)):
                raise NotPermitted(actor.person_id, Action.LOG_FOR_MEMBER.value, None)
            member = self.directory.get(member_id)
            if member.kind is not ActorKind.MEMBER:
                raise InvalidRequest("member_id", "choose a councillor")
            if access_ended_on(member, self.calendar.local_date(now)) is not None:
                raise InvalidRequest("member_id", "that councillor has left office; choose a "
                                     "serving councillor")
        else:
            self._member_actor_ok(actor, member_id, now)
        check_enquiry(details, member_id=member_id, config=self.config,
                      directory=self.directory)
        idempotency_key = self._key(actor, idempotency_key)
        async with self.store.transaction() as uow:
            if idempotency_key:
                prior = await uow.idempotency.claim(idempotency_key, now)
                if prior is not None:
                    return self._replayed(await uow.cases.get(prior["reference"]), actor, now)
            if draft_id is not None:
                case = await self._own_draft(uow, draft_id, actor, now)
                fresh = self._new_case(details, case.member_id, actor, now)
                fresh.id, fresh.version, fresh.created_at = case.id, case.version, case.created_at
                case = fresh
            else:
                case = self._new_case(details, member_id, actor, now)
            case.linked_reference = linked_reference
            reference = await uow.cases.next_reference(self.calendar.local_date(now).year)
            lifecycle.submit(case, actor, now, self.policy, reference)
            events, version = list(case.new_events), case.version
            await (uow.cases.save(case) if case.id is not None else uow.cases.add(case))
            await self._queue(uow, case, actor, now, events, version)  # rows need the case id
            if idempotency_key:
                await uow.idempotency.set_result(idempotency_key, {"reference": reference})
            return Outcome(case)

    async def save_draft(self, details: EnquiryDetails, *, member_id: str, actor: Actor,
                         now: datetime, draft_id: int | None = None,
                         idempotency_key: str | None = None) -> Case:
        """Save (or update) a draft. A repeated key returns the draft saved the first time."""
        self._member_actor_ok(actor, member_id, now)
        check_enquiry(details, member_id=member_id, config=self.config,
                      directory=self.directory, complete=False)
        idempotency_key = self._key(actor, idempotency_key)
        async with self.store.transaction() as uow:
            if idempotency_key:
                prior = await uow.idempotency.claim(idempotency_key, now)
                if prior is not None:
                    return await self._own_draft(uow, int(prior["draft_id"]), actor, now)
            case = self._new_case(details, member_id, actor, now)
            case.record(EventKind.DRAFT_SAVED, now, actor)
            if draft_id is not None:
                old = await self._own_draft(uow, draft_id, actor, now)
                case.id, case.version, case.created_at = old.id, old.version, old.created_at
                await uow.cases.save(case)
            else:
                await uow.cases.add(case)
            if idempotency_key:
                await uow.idempotency.set_result(idempotency_key, {"draft_id": case.id})
            return case

    async def discard_draft(self, draft_id: int, *, actor: Actor, now: datetime) -> None:
        async with self.store.transaction() as uow:
            await uow.cases.delete_draft(await self._own_draft(uow, draft_id, actor, now))

    async def drafts(self, *, actor: Actor, now: datetime) -> list[Case]:
        self._member_actor_ok(actor, actor.acting_for, now)
        async with self.store.read() as uow:
            return await uow.cases.list_cases(
                CaseFilter(member_id=actor.acting_for, states=(CaseState.DRAFT,)), limit=50
            )

    async def get_draft(self, draft_id: int, *, actor: Actor, now: datetime) -> Case:
        async with self.store.read() as uow:
            return await self._own_draft(uow, draft_id, actor, now)

    async def _own_draft(self, uow: UnitOfWork, draft_id: int, actor: Actor,
                         now: datetime) -> Case:
        require_in_office(self.directory, actor, self.calendar.local_date(now))
        case = await uow.cases.get_by_id(draft_id)
        if case.state is not CaseState.DRAFT or not acts_for_member(
            self.directory, actor, case.member_id
        ):
            raise NotPermitted(actor.person_id, "use the draft", f"#{draft_id}")
        return case

    # -- reading ------------------------------------------------------------------------------
    async def view(self, reference: str, *, actor: Actor, now: datetime) -> Case:
        async with self.store.read() as uow:
            case = await uow.cases.get(reference)
        require(self.directory, actor, Action.VIEW, case, self.calendar.local_date(now))
        return case

    async def attachments(self, reference: str, *, actor: Actor, now: datetime
                          ) -> list[AttachmentInfo]:
        """The files on a case, for someone allowed to see it (metadata, not content)."""
        case = await self.view(reference, actor=actor, now=now)
        assert case.id is not None
        async with self.store.read() as uow:
            return await uow.cases.attachment_list(case.id)

    async def timeline(self, case: Case) -> list[StoredEvent]:
        assert case.id is not None
        async with self.store.read() as uow:
            return await uow.cases.events(case.id)

    async def list_for_member(self, *, actor: Actor, now: datetime,
                              flt: CaseFilter | None = None, offset: int = 0,
                              limit: int = 10) -> Page:
        """A member's own and cc'd cases (for a secretary: the cabinet member's)."""
        self._member_actor_ok(actor, actor.acting_for, now)
        base = flt or CaseFilter()
        flt = CaseFilter(
            visible_to_member=actor.acting_for, service_ids=base.service_ids,
            ward_id=base.ward_id, states=base.states, text=base.text,
        )
        async with self.store.read() as uow:
            return Page(await uow.cases.list_cases(flt, offset=offset, limit=limit),
                        await uow.cases.count(flt), offset, limit)

    # -- the member's actions ------------------------------------------------------------------
    async def request_update(self, reference: str, *, actor: Actor, now: datetime,
                             text: str = "", idempotency_key: str | None = None) -> Outcome:
        text = self._text("text", text, required=False)
        return await self._act(reference, actor, Action.REQUEST_UPDATE, now,
                               lambda c: lifecycle.request_update(c, actor, now, text),
                               idempotency_key=idempotency_key)

    async def add_information(self, reference: str, *, actor: Actor, now: datetime, text: str,
                              special_category_confirmed: bool = False,
                              idempotency_key: str | None = None) -> Outcome:
        """Information from the member, or their answer to the service's question; like an
        enquiry, text that looks like special category data needs their confirmation."""
        text = self._text("text", text)
        found = require_confirmed_if_special(text, confirmed=special_category_confirmed)
        return await self._act(
            reference, actor, Action.ADD_INFORMATION, now,
            lambda c: lifecycle.add_information(c, actor, now, self.policy, text,
                                                special_categories=found),
            idempotency_key=idempotency_key)

    async def close(self, reference: str, *, actor: Actor, now: datetime, reason: str = "",
                    idempotency_key: str | None = None) -> Outcome:
        reason = self._text("reason", reason, required=False)
        action = Action.MEMBER_CLOSE if actor.kind is not ActorKind.OFFICER \
            else Action.OFFICER_CLOSE
        return await self._act(reference, actor, action, now,
                               lambda c: lifecycle.close(c, actor, now, reason=reason),
                               idempotency_key=idempotency_key)

    async def reopen(self, reference: str, *, actor: Actor, now: datetime, reason: str,
                     idempotency_key: str | None = None) -> Outcome:
        reason = self._text("reason", reason)
        by_member = actor.kind is not ActorKind.OFFICER
        action = Action.MEMBER_REOPEN if by_member else Action.OFFICER_REOPEN
        return await self._act(
            reference, actor, action, now,
            lambda c: lifecycle.reopen(c, actor, now, self.policy, reason, by_member=by_member),
            idempotency_key=idempotency_key)

    async def rate(self, reference: str, *, actor: Actor, now: datetime, score: int,
                   comment: str = "", idempotency_key: str | None = None) -> Outcome:
        comment = self._text("comment", comment, required=False)
        return await self._act(reference, actor, Action.RATE, now,
                               lambda c: lifecycle.rate(c, actor, now, score, comment),
                               idempotency_key=idempotency_key)

    async def extend_auto_close(self, reference: str, *, actor: Actor, now: datetime, days: int,
                                idempotency_key: str | None = None) -> Outcome:
        return await self._act(
            reference, actor, Action.EXTEND_AUTO_CLOSE, now,
            lambda c: lifecycle.extend_auto_close(c, actor, now, self.policy, days),
            idempotency_key=idempotency_key)

    async def escalate(self, reference: str, *, actor: Actor, now: datetime, reason: str,
                       idempotency_key: str | None = None) -> Outcome:
        reason = self._text("reason", reason)
        return await self._act(
            reference, actor, Action.ESCALATE, now,
            lambda c: lifecycle.escalate(c, actor, now, self.policy, reason),
            idempotency_key=idempotency_key)

    async def add_attachment(self, reference: str, *, actor: Actor, now: datetime,
                             filename: str, content_type: str, content: bytes,
                             caption: str = "", special_category_confirmed: bool = False,
                             idempotency_key: str | None = None) -> Outcome:
        """Store a file on the case, within the council's type, size and count limits. The
        type stored is what the bytes are (`casestore.filetypes`), never what the name or
        `content_type` claim; a file whose bytes are not the kind its name claims is refused.
        Its name and `caption` (the message sent with it, not stored) go through the same
        special category check as an enquiry."""
        limits = self.config.attachments
        name = (filename or "attachment").strip()[:255]
        if len(content) > limits.max_bytes:
            raise AttachmentRejected(name, filetypes.too_large(limits.max_bytes))
        if not content:
            raise AttachmentRejected(name, "the file is empty")
        try:
            ctype = filetypes.stored_type(content, claimed=content_type,
                                          allowed=limits.allowed_types)
        except filetypes.NotAllowed as exc:
            raise AttachmentRejected(name, exc.reason) from None
        found = require_confirmed_if_special(name, caption, confirmed=special_category_confirmed)
        digest = hashlib.sha256(content).hexdigest()
        action = Action.ADD_INFORMATION if actor.kind is not ActorKind.OFFICER \
            else Action.INTERNAL_NOTE
        idempotency_key = self._key(actor, idempotency_key)
        async with self.store.transaction() as uow:
            if idempotency_key and await uow.idempotency.claim(idempotency_key, now) is not None:
                return self._replayed(await uow.cases.get(reference), actor, now)
            case = await uow.cases.get(reference, for_update=True)
            require(self.directory, actor, action, case, self.calendar.local_date(now))
            assert case.id is not None
            if case.state is CaseState.DRAFT:
                raise InvalidRequest("attachment", "submit the enquiry before adding files")
            if await uow.cases.attachment_count(case.id) >= limits.max_per_case:
                raise AttachmentRejected(name, f"a case can hold {limits.max_per_case} files")
            att_id, new = await uow.cases.add_attachment(
                case.id, filename=name, content_type=ctype, content=content, sha256=digest,
                uploaded_by_id=actor.person_id, uploaded_at=now)
            if new:
                extra = {"special_category_confirmed": found} if found else {}
                if found:
                    case.special_category_confirmed = True
                case.record(EventKind.ATTACHMENT_ADDED, now, actor, attachment_id=att_id,
                            filename=name, size_bytes=len(content), **extra)
                await self._queue(uow, case, actor, now)
                await uow.cases.save(case)
            return Outcome(case, duplicate=not new, attachment_id=att_id)

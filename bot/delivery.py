"""Outbox delivery: send what the case store queued, through the Bot Connector, exactly once.

A worker claims due rows (a lease, `FOR UPDATE SKIP LOCKED` on PostgreSQL), renders each with
its card renderer, resolves the address at send time (an officer on leave -> their delegate;
`thread:<service>` -> the case's thread, created with the case card if it has none yet), sends,
and marks the row sent. A failure is retried with exponential backoff and, after `max_attempts`,
dead-lettered where the digest shows it. Rows are never sent twice by two workers: the worker
renews its lease every third of `lease_s` while it sends, and a worker that dies mid-send leaves
its rows to be re-claimed once the lease has lapsed (seconds, not minutes).

A case thread's root post is recorded before it is sent (`threads.start_post`) and confirmed with
its root id after: if the worker dies in between, the post may be in Teams with no record of its
root, and a retry posts the card again. The unconfirmed record is what lets a reply in that first
post still find its case (`bot/officers/lost_threads.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext

from bot.teams import BotContext, card_activity
from casestore.kinds import NoticeKind, Recipient, RecipientKind
from casestore.model import Case
from casestore.ports import UnitOfWork
from casestore.records import OutboxMessage, Thread, split_conversation_id, thread_conversation_id
from dialogs.notices import NoticeContext, renderer_for

log = logging.getLogger(__name__)

SERVICE_URL_KEY = "service-url"
CHANNEL = "msteams"
CONNECTOR_AUDIENCE = "https://api.botframework.com"  # the Bot Connector's token audience


class DeliveryError(Exception):
    """A message that cannot be sent now (no conversation yet, connector error...)."""


class NotYetDeliverable(DeliveryError):
    """Nothing is wrong with the message, but Teams has not reached the bot yet, so there is no
    service URL to send to. It waits without using up its tries."""


WAIT_FOR_TEAMS_S = 60.0


class DeliveryObserver(Protocol):
    """Watches each send (the composition root's telemetry: a span and the outbox lag)."""

    def sending(self, message: OutboxMessage) -> AbstractContextManager[object]: ...

    def finished(self, message: OutboxMessage, outcome: str, at: datetime) -> None: ...


class _Unobserved:
    def sending(self, message: OutboxMessage) -> AbstractContextManager[object]:
        return nullcontext()

    def finished(self, message: OutboxMessage, outcome: str, at: datetime) -> None:
        return None


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)

    def outcome(self, message_id: int) -> str:
        if message_id in self.sent:
            return "sent"
        if message_id in self.dead:
            return "dead"
        return "retry" if message_id in self.retried else "not-marked"


class OutboxDelivery:
    def __init__(
        self, ctx: BotContext, adapter: ChannelServiceAdapter, *, app_id: str = "",
        worker_id: str | None = None, max_attempts: int = 8, backoff_base_s: float = 30.0,
        default_service_url: str = "", batch_size: int = 20, lease_s: float = 15.0,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self.ctx = ctx
        self.adapter = adapter
        self.app_id = app_id
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.default_service_url = default_service_url
        self.batch_size = batch_size
        self.stopping = False
        self.lease_s = lease_s
        self.observer: DeliveryObserver = observer or _Unobserved()

    def stop(self) -> None:
        """Claim nothing more; `deliver_due` returns after the message it is sending."""
        self.stopping = True

    async def deliver_due(self, now: datetime | None = None) -> DeliveryReport:
        """Deliver every row due now, batch by batch, until none is left (or `stop()`)."""
        report = DeliveryReport()
        while not self.stopping:
            now_ = now or self.ctx.clock()
            async with self.ctx.store.transaction() as uow:
                batch = await uow.outbox.claim(worker=self.worker_id, now=now_,
                                               lease_s=self.lease_s, limit=self.batch_size)
                loaded = await _cases_by_id(uow, [m.case_id for m in batch if m.case_id])
            if not batch:
                return report
            held = {m.id for m in batch}
            renewing = asyncio.create_task(self._renew(held), name="outbox lease")
            try:
                for message in batch:
                    if self.stopping:  # the rest of the batch is released by release_claims()
                        return report
                    with self.observer.sending(message):
                        await self._deliver_one(message, loaded.get(message.case_id or -1), now_,
                                                report)
                        self.observer.finished(message, report.outcome(message.id),
                                               self.ctx.clock())
                    held.discard(message.id)
            finally:
                renewing.cancel()
        return report

    async def release_claims(self, now: datetime | None = None) -> int:
        """Hand back every row this worker claimed and has not finished, due at once."""
        async with self.ctx.store.transaction() as uow:
            return await uow.outbox.release(worker=self.worker_id, now=now or self.ctx.clock())

    async def _renew(self, held: set[int]) -> None:
        """Keep the lease on the rows still being sent, so no other worker takes them."""
        while held:
            await asyncio.sleep(self.lease_s / 3)
            with contextlib.suppress(Exception):  # the next try, or the lease itself, covers it
                async with self.ctx.store.transaction() as uow:
                    await uow.outbox.renew(sorted(held), worker=self.worker_id,
                                           until=self.ctx.clock()
                                           + timedelta(seconds=self.lease_s))

    async def _deliver_one(self, message: OutboxMessage, case: Case | None, now: datetime,
                           report: DeliveryReport) -> None:
        try:
            await self._send(message, case, now)
        except NotYetDeliverable as exc:
            log.debug("outbox %s waits for Teams: %s", message.id, exc)
            async with self.ctx.store.transaction() as uow:
                await uow.outbox.defer(message.id, worker=self.worker_id, error=str(exc),
                                       until=now + timedelta(seconds=WAIT_FOR_TEAMS_S))
            report.retried.append(message.id)
            return
        except Exception as exc:  # every failure is retried or dead-lettered, never lost
            attempts = message.attempts + 1
            retry_at = None if attempts >= self.max_attempts else now + timedelta(
                seconds=min(self.backoff_base_s * 2 ** (attempts - 1), 3600))
            log.warning("outbox %s (%s to %s) failed, attempt %d: %s", message.id, message.kind,
                        message.recipient.split(":")[0], attempts, type(exc).__name__)
            async with self.ctx.store.transaction() as uow:
                await uow.outbox.mark_failed(message.id, worker=self.worker_id, now=now,
                                             error=f"{type(exc).__name__}: {exc}",
                                             retry_at=retry_at)
            (report.retried if retry_at else report.dead).append(message.id)
            return
        async with self.ctx.store.transaction() as uow:
            if await uow.outbox.mark_sent(message.id, worker=self.worker_id, now=now):
                report.sent.append(message.id)

    def _today(self, now: datetime) -> date:
        return self.ctx.casework.calendar.local_date(now)

    # -- rendering and addressing -------------------------------------------------------------
    def render(self, message: OutboxMessage, case: Case | None, now: datetime,
               kind: str | None = None) -> dict[str, Any]:
        kind = kind or message.kind
        renderer = renderer_for(kind)
        if renderer is None:
            raise DeliveryError(f"no card for the kind {kind!r}")
        return renderer(NoticeContext(
            case=case, kind=kind, payload=message.payload, recipient=message.recipient,
            config=self.ctx.config, directory=self.ctx.directory,
            policy=self.ctx.casework.policy, now=now))

    async def _send(self, message: OutboxMessage, case: Case | None, now: datetime) -> None:
        try:
            recipient = Recipient.parse(message.recipient)
        except ValueError as exc:
            raise DeliveryError(str(exc)) from None
        target = recipient.target
        if recipient.kind is RecipientKind.PERSON:
            await self._to_person(target, self.render(message, case, now), self._today(now))
        elif recipient.kind is RecipientKind.THREAD:
            if case is None:
                raise DeliveryError("a thread message without a case")
            await self._to_thread(message, case, target, now)
        elif recipient.kind is RecipientKind.ESCALATION:
            service = self.ctx.config.service(target)
            card = self.render(message, case, now)
            if service.escalation_delivery == "personal" or not service.escalation_channel_id:
                await self._to_person(service.escalation_owner, card, self._today(now))
            else:
                await self._new_channel_post(service.escalation_channel_id, card)
        else:  # RecipientKind.SUPPORT
            await self._new_channel_post(self.ctx.config.member_support_channel_id,
                                         self.render(message, case, now))

    async def _service_url(self) -> str:
        async with self.ctx.store.transaction() as uow:
            stored = await uow.refs.get(SERVICE_URL_KEY)
        url = (stored or {}).get("serviceUrl") or self.default_service_url
        if not url:
            raise NotYetDeliverable("no Teams service URL is known yet (no activity received)")
        return str(url)

    async def _to_person(self, person_id: str, content: dict[str, Any], today: date) -> None:
        person = self.ctx.directory.get(person_id)
        delegate = self.ctx.directory.delegate_for(person.id, today)
        if delegate:
            person = self.ctx.directory.get(delegate)
        async with self.ctx.store.transaction() as uow:
            stored = await uow.refs.get(f"person:{person.id}")
        if stored is not None:
            reference = ConversationReference.model_validate(stored)
            await self._continue(reference, card_activity(content))
            return
        # No chat yet: open a 1:1 conversation (works once the app is installed for them).
        params = ConversationParameters(
            is_group=False, agent=ChannelAccount(id=self.app_id or "bot"),
            members=[ChannelAccount(id=person.teams_user_id)],
            tenant_id=self.ctx.config.council.tenant_id or None,
            activity=card_activity(content),
        )
        await self._create(params)

    async def _to_thread(self, message: OutboxMessage, case: Case, service_id: str,
                         now: datetime) -> None:
        assert case.id is not None
        async with self.ctx.store.transaction() as uow:
            thread = await uow.threads.get(case.id, service_id)
        if thread is None:
            root_card = self.render(message, case, now, kind=NoticeKind.CASE_OPENED)
            thread = await self._open_thread(case, service_id, root_card, now)
            if message.kind == NoticeKind.CASE_OPENED:
                return  # the thread's root post is the case card itself
        content = self.render(message, case, now)
        reference = ConversationReference(
            channel_id=CHANNEL, service_url=thread.service_url,
            conversation=ConversationAccount(id=thread.conversation_id, is_group=True,
                                             conversation_type="channel"),
            agent=ChannelAccount(id=self.app_id or "bot"),
        )
        await self._continue(reference, card_activity(content))

    async def _open_thread(self, case: Case, service_id: str, root_card: dict[str, Any],
                           now: datetime) -> Thread:
        assert case.id is not None
        channel_id = self.ctx.config.service(service_id).channel_id
        service_url = await self._service_url()
        async with self.ctx.store.transaction() as uow:
            post_id = await uow.threads.start_post(case_id=case.id, service_id=service_id,
                                                   channel_id=channel_id, now=now)
        conversation_id, activity_id = await self._create(
            _channel_post(channel_id, root_card, self.ctx.config.council.tenant_id),
            service_url=service_url)
        _, root = split_conversation_id(conversation_id)
        root = root or activity_id
        thread = Thread(
            case_id=case.id, service_id=service_id, channel_id=channel_id, root_message_id=root,
            conversation_id=thread_conversation_id(channel_id, root),
            card_activity_id=activity_id or root, service_url=service_url, created_at=now)
        async with self.ctx.store.transaction() as uow:
            await uow.threads.confirm_post(post_id, root_message_id=root, now=now)
        async with self.ctx.store.transaction() as uow:  # another worker may have posted too
            known = await uow.threads.get(case.id, service_id)
            if known is None:
                await uow.threads.add(thread)
        log.info("opened the thread for %s in %s%s", case.reference, service_id,
                 "" if known is None else " (a second post; replies there reach the case too)",
                 extra={"case": case.reference})
        return known or thread

    async def _new_channel_post(self, channel_id: str, content: dict[str, Any]) -> None:
        await self._create(_channel_post(channel_id, content, self.ctx.config.council.tenant_id))

    # -- the Bot Connector --------------------------------------------------------------------
    async def _continue(self, reference: ConversationReference, activity: Activity) -> None:
        """Send into an existing conversation. The adapter's on_turn_error would swallow a
        failed send (and the row would be marked sent): catch it inside and raise it here."""
        failures: list[Exception] = []

        async def send(turn: TurnContext) -> None:
            try:
                await turn.send_activity(activity)
            except Exception as exc:
                failures.append(exc)

        await self.adapter.continue_conversation(
            self.app_id, reference.get_continuation_activity(), send)
        if failures:
            raise DeliveryError(f"the Bot Connector refused the message: "
                                f"{type(failures[0]).__name__}") from failures[0]

    async def _create(self, params: ConversationParameters,
                      service_url: str | None = None) -> tuple[str, str]:
        created: dict[str, str] = {}

        async def remember(turn: TurnContext) -> None:
            created["conversation"] = turn.activity.conversation.id
            created["activity"] = turn.activity.id or ""

        await self.adapter.create_conversation(
            self.app_id, CHANNEL, service_url or await self._service_url(), CONNECTOR_AUDIENCE,
            params, remember)
        return created.get("conversation", ""), created.get("activity", "")


def _channel_post(channel_id: str, content: dict[str, Any], tenant_id: str
                  ) -> ConversationParameters:
    """A new post in a channel (DESIGN.md: create_conversation, not send_message_to_teams_channel,
    which fails with an empty app id)."""
    return ConversationParameters(
        is_group=True, channel_data={"channel": {"id": channel_id}, "tenant": {"id": tenant_id}},
        activity=card_activity(content), tenant_id=tenant_id or None)


async def _cases_by_id(uow: UnitOfWork, ids: list[int]) -> dict[int, Case]:
    return await uow.cases.by_ids(ids)

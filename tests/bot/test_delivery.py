"""Outbox delivery through a local Bot Connector: once, to the right place, retried, never lost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from microsoft_agents.activity import ChannelAccount, ConversationAccount, ConversationReference

from bot.connector import PooledClientFactory
from bot.delivery import OutboxDelivery
from bot.http import HardenedCloudAdapter
from bot.settings import BotSettings
from bot.teams import BotContext
from casestore.casework import Casework
from casestore.db.store import Store
from tests.store.helpers import MONDAY
from tests.support import loopback_only
from tests.support.connector import FakeConnector

SARAH = "sarah-okafor"


@pytest.fixture(autouse=True)
def no_external_network() -> Iterator[None]:
    with loopback_only():
        yield



def _ctx(casework: Casework) -> BotContext:
    return BotContext(casework=casework, config=casework.config, directory=casework.directory,
                      clock=lambda: MONDAY)


_FACTORIES: list[PooledClientFactory] = []


@pytest.fixture(autouse=True)
async def close_clients() -> AsyncIterator[None]:
    yield
    while _FACTORIES:
        await _FACTORIES.pop().close()


def _delivery(casework: Casework, **kwargs: object) -> OutboxDelivery:
    """Delivery through the Agents SDK adapter the app uses (no app id: local development)."""
    factory = PooledClientFactory(None)
    _FACTORIES.append(factory)
    adapter = HardenedCloudAdapter(BotSettings(), client_factory=factory)
    return OutboxDelivery(_ctx(casework), adapter, **kwargs)  # type: ignore[arg-type]


async def _remember_chat(store: Store, person_id: str, service_url: str) -> None:
    reference = ConversationReference(
        channel_id="msteams", service_url=service_url,
        conversation=ConversationAccount(id=f"a:chat-{person_id}", conversation_type="personal"),
        user=ChannelAccount(id=f"29:{person_id}"), agent=ChannelAccount(id="28:bot"))
    async with store.transaction() as uow:
        await uow.refs.put(f"person:{person_id}", reference.model_dump(mode="json", by_alias=True,
                                                                  exclude_none=True), MONDAY)
        await uow.refs.put("service-url", {"serviceUrl": service_url}, MONDAY)


async def _queue(store: Store, key: str, kind: str = "escalation-open",
                 recipient: str = f"person:{SARAH}") -> None:
    async with store.transaction() as uow:
        await uow.outbox.add(dedupe_key=key, kind=kind, recipient=recipient,
                             payload={"reference": "ENQ-2026-000001", "service": "roads",
                                      "due_on": "2026-12-08"}, now=MONDAY)


async def test_a_queued_message_reaches_the_members_chat_once(
    casework: Casework, connector: FakeConnector,
) -> None:
    await _remember_chat(casework.store, SARAH, connector.service_url)
    await _queue(casework.store, "k1")
    report = await _delivery(casework).deliver_due(MONDAY)
    assert len(report.sent) == 1
    [sent] = await connector.wait_for_activities(1)
    assert sent.conversation_id == f"a:chat-{SARAH}"
    assert "escalate" in str(sent.body).lower()
    assert sent.body["summary"] == "ENQ-2026-000001: no response yet"
    again = await _delivery(casework).deliver_due(MONDAY + timedelta(minutes=5))
    assert again.sent == [] and len(connector.activities) == 1


async def test_the_digest_goes_to_the_member_support_channel_as_a_new_post(
    casework: Casework, connector: FakeConnector,
) -> None:
    from scheduler.digest import queue_digest

    await _remember_chat(casework.store, SARAH, connector.service_url)
    digest = await queue_digest(casework, MONDAY)
    assert digest is not None
    await _delivery(casework).deliver_due(MONDAY)
    [created] = await connector.wait_for(1, where=lambda r: r.kind == "create_conversation")
    assert created.body["channelData"]["channel"]["id"] == casework.config.member_support_channel_id
    assert "digest" in str(created.body["activity"]).lower()


async def test_a_message_waits_for_teams_without_using_up_its_tries(
    casework: Casework, connector: FakeConnector,
) -> None:
    await _queue(casework.store, "k1")  # no activity from Teams yet: no service URL to send to
    delivery = _delivery(casework, max_attempts=2)
    for minutes in (0, 2, 4, 6):
        await delivery.deliver_due(MONDAY + timedelta(minutes=minutes))
    async with casework.store.transaction() as uow:
        [waiting] = await uow.outbox.by_status("pending")
    assert waiting.attempts == 0 and "service URL" in (waiting.last_error or "")
    await _remember_chat(casework.store, SARAH, connector.service_url)
    report = await delivery.deliver_due(MONDAY + timedelta(minutes=8))
    assert report.sent == [waiting.id]


async def test_a_failure_is_retried_with_backoff_then_dead_lettered(
    casework: Casework, connector: FakeConnector,
) -> None:
    from tests.support.tokens import unreachable_url

    with unreachable_url("") as refusing:  # Teams is not answering
        await _remember_chat(casework.store, SARAH, refusing.rsplit("/", 1)[0])
        await _retried_then_dead(casework)


async def _retried_then_dead(casework: Casework) -> None:
    await _queue(casework.store, "k1")
    delivery = _delivery(casework, max_attempts=3, backoff_base_s=60)
    first = await delivery.deliver_due(MONDAY)
    assert first.retried and not first.sent
    assert (await delivery.deliver_due(MONDAY + timedelta(seconds=30))).retried == []
    second = await delivery.deliver_due(MONDAY + timedelta(seconds=61))
    assert second.retried
    third = await delivery.deliver_due(MONDAY + timedelta(minutes=10))
    assert third.dead
    async with casework.store.transaction() as uow:
        [dead] = await uow.outbox.by_status("dead")
    assert dead.attempts == 3 and dead.last_error


async def test_two_workers_on_one_database_send_each_message_once(
    casework: Casework, connector: FakeConnector,
) -> None:
    await _remember_chat(casework.store, SARAH, connector.service_url)
    for i in range(30):
        await _queue(casework.store, f"k{i}")
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    a, b = await asyncio.gather(_delivery(casework, worker_id="a", batch_size=4).deliver_due(now),
                                _delivery(casework, worker_id="b", batch_size=4).deliver_due(now))
    assert len(a.sent) + len(b.sent) == 30
    assert not set(a.sent) & set(b.sent)
    assert len(connector.activities) == 30


async def test_two_schedulers_sweeping_and_delivering_at_once_send_each_reminder_once(
    casework: Casework, connector: FakeConnector,
) -> None:
    from scheduler.runner import Jobs
    from tests.store.helpers import details, member

    for who in ("sarah-okafor", "peter-halloran", "joan-whitfield"):
        await _remember_chat(casework.store, who, connector.service_url)
        for _ in range(4):
            await casework.submit(details("ashcroft"), member_id=who, actor=member(who),
                                  now=MONDAY)
    escalation_day = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    first, second = Jobs(casework, lambda: escalation_day), Jobs(casework, lambda: escalation_day)
    counts = await asyncio.gather(first.sweep(), second.sweep(), first.sweep(), second.sweep())
    assert sum(counts) >= 12  # each case: the member told once, the thread reminded once
    await asyncio.gather(_delivery(casework, worker_id="a").deliver_due(escalation_day),
                         _delivery(casework, worker_id="b").deliver_due(escalation_day))
    to_members = [r for r in connector.activities if r.conversation_id.startswith("a:chat-")]
    assert len(to_members) == 12
    async with casework.store.transaction() as uow:
        keys = [m.dedupe_key for m in await uow.outbox.all() if m.kind == "escalation-open"]
    assert len(keys) == len(set(keys)) == 12


async def test_a_question_reaches_the_officers_chat_and_the_answer_the_cases_thread(
    casework: Casework, connector: FakeConnector,
) -> None:
    from tests.store.helpers import details, member, officer

    for who in (SARAH, "colin-hesketh"):
        await _remember_chat(casework.store, who, connector.service_url)
    ref = (await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                 now=MONDAY)).case.reference or ""
    await _delivery(casework).deliver_due(MONDAY)  # opens the roads thread with the case card
    [opened] = await connector.wait_for(1, where=lambda r: r.kind == "create_conversation")
    asked = await casework.ask_officer(ref, actor=officer("leanne-moorcroft"), now=MONDAY,
                                       question="Is the lamp outside number 14 on your list?",
                                       to_officer_id="colin-hesketh", asked_in="roads")
    await _delivery(casework).deliver_due(MONDAY)

    [to_colin] = await connector.wait_for(
        1, where=lambda r: r.is_activity and r.conversation_id == "a:chat-colin-hesketh")
    assert "Is the lamp outside number 14 on your list?" in str(to_colin.body)
    assert "officer.answer_question" in str(to_colin.body)
    [q] = await casework.questions(asked.case)
    await casework.answer_question(ref, actor=officer("colin-hesketh"), now=MONDAY,
                                   question_id=q.id, answer="Yes: fixed on Friday.")
    await _delivery(casework).deliver_due(MONDAY)

    [in_thread] = await connector.wait_for(
        1, where=lambda r: r.is_activity and "Yes: fixed on Friday." in str(r.body))
    assert in_thread.conversation_id != "a:chat-colin-hesketh"
    assert str(opened.body["channelData"]["channel"]["id"]) in str(in_thread.conversation_id)
    assert [r for r in connector.requests if f"chat-{SARAH}" in str(r.conversation_id)] == []


async def test_rows_claimed_by_an_instance_that_died_are_sent_by_another_within_seconds(
    casework: Casework, connector: FakeConnector,
) -> None:
    """Issue 11: rows a killed instance had claimed waited about 120 s for another to send them."""
    await _remember_chat(casework.store, SARAH, connector.service_url)
    await _queue(casework.store, "k1")
    dead, claimed = _delivery(casework), asyncio.Event()

    async def killed_mid_send(*_args: object) -> None:
        claimed.set()
        await asyncio.Event().wait()  # never returns: the process dies here

    dead._send = killed_mid_send  # type: ignore[method-assign]
    dying = asyncio.create_task(dead.deliver_due(MONDAY))
    await claimed.wait()
    dying.cancel()

    other = _delivery(casework)
    assert (await other.deliver_due(MONDAY + timedelta(seconds=5))).sent == []
    report = await other.deliver_due(MONDAY + timedelta(seconds=16))
    assert len(report.sent) == 1
    assert len(await connector.wait_for_activities(1)) == 1


async def test_a_send_slower_than_the_lease_keeps_its_claim_and_goes_out_once(
    casework: Casework, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker renews its lease while it sends, so a slow Bot Connector does not let a
    second worker take the row and send it again."""
    started = time.monotonic()
    ctx = _ctx(casework)
    ctx.clock = lambda: MONDAY + timedelta(seconds=time.monotonic() - started)
    await _remember_chat(casework.store, SARAH, connector.service_url)
    await _queue(casework.store, "k1")
    factory = PooledClientFactory(None)
    _FACTORIES.append(factory)
    adapter = HardenedCloudAdapter(BotSettings(), client_factory=factory)
    slow, other = (OutboxDelivery(ctx, adapter, lease_s=0.3) for _ in range(2))
    real_send = slow._send

    async def slow_send(*args: object) -> None:
        await asyncio.sleep(1.2)  # four leases long
        await real_send(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(slow, "_send", slow_send)
    sending = asyncio.create_task(slow.deliver_due())
    stolen = []
    while not sending.done():
        await asyncio.sleep(0.1)
        stolen += (await other.deliver_due()).sent
    assert len((await sending).sent) == 1 and stolen == []
    assert len(await connector.wait_for_activities(1)) == 1
    await asyncio.sleep(0.3)
    assert len(connector.activities) == 1

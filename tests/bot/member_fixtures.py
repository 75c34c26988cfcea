"""A member's personal chat with the bot through the Agents SDK's TestAdapter, on a real store.

`Chat.say` sends a Teams-shaped message and returns the cards the bot sent back; `Chat.click`
sends the Action.Execute invoke Teams sends for a card button and returns the card that replaces
it (from the `invokeResponse` activity), plus anything the bot posted besides.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity, Attachment, ChannelAccount, ConversationAccount
from microsoft_agents.hosting.core import TurnContext

from bot.members.downloads import Downloader
from bot.members.flows import MemberFlows
from bot.ratelimit import RateLimit
from bot.teams import BotContext, MemberEnquiriesBot
from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.directory import Person
from tests.support.teams_adapter import TeamsTestAdapter

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # the clock starts the same day
SARAH = "sarah-okafor"  # Ashcroft; the Leader (Hayley Naughton is her cabinet secretary)
PETER = "peter-halloran"  # Ashcroft
JOAN = "joan-whitfield"  # Ashcroft
DAVID = "david-ashworth"  # Bramley Cross
HAYLEY = "hayley-naughton"  # cabinet secretary to Sarah
ROADS_OFFICER = "leanne-moorcroft"  # roads coordinator (covers Gareth's leave that week)
BOT_ID = "28:00000000-0000-4000-8000-00000000b07a"
TENANT = "ab778097-23a0-583c-b7ea-ebb06e5f6e1f"

Card = dict[str, Any]


class Clock:
    """The bot's "now", moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class OfficerStub:
    """The officer side is someone else's; these tests only need it to be there."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def on_message(self, turn: TurnContext, person: Person) -> None:
        self.calls.append("message")

    async def on_action(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None:
        self.calls.append(verb)
        return None

    async def on_welcome(self, turn: TurnContext, person: Person) -> None:
        self.calls.append("welcome")

    async def on_message_change(self, turn: TurnContext, person: Person, change: str) -> None:
        self.calls.append(change)


_ids = itertools.count(1)


def account(person: Person | None, *, aad: str | None = None) -> ChannelAccount:
    if person is None:
        return ChannelAccount(id="29:1stranger", name="Somebody", aad_object_id=aad or str(
            uuid.uuid4()))
    return ChannelAccount(id=person.teams_user_id, name=person.name,
                          aad_object_id=person.aad_object_id)


def teams_activity(person: Person | None, **fields: Any) -> Activity:
    """A personal-chat activity shaped as Teams sends it."""
    who = person.id if person else "stranger"
    values: dict[str, Any] = {
        "type": "message",
        "id": f"1{next(_ids):012d}",
        "channel_id": "msteams",
        "service_url": "https://smba.trafficmanager.net/uk/",
        "from_property": account(person),
        "recipient": ChannelAccount(id=BOT_ID, name="Member Enquiries"),
        "conversation": ConversationAccount(id=f"a:1chat-{who}", conversation_type="personal",
                                            tenant_id=TENANT),
        "channel_data": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
        "text_format": "plain",
    }
    values.update(fields)
    return Activity(**values)


def cards_in(activities: list[Activity]) -> list[Card]:
    return [a.content for act in activities if act.type == "message"
            for a in act.attachments or [] if a.content_type.endswith("card.adaptive")]


def texts(card: Card) -> str:
    """Everything a member can read on a card (text blocks, facts, button titles), joined."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label", "placeholder"):
                if isinstance(node.get(key), str) and node.get("type") != "Input.Text":
                    out.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(out)


def actions_of(card: Card) -> list[dict[str, Any]]:
    """Every Action.Execute on the card (in show cards and action sets too), in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def button(card: Card, verb: str) -> dict[str, Any]:
    matches = [a for a in actions_of(card) if a["verb"] == verb]
    assert matches, f"no {verb} button; the card has {[a['verb'] for a in actions_of(card)]}"
    return matches[0]


def verbs(card: Card) -> list[str]:
    return [a["verb"] for a in actions_of(card)]


def inputs_of(card: Card) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found[node["id"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


@dataclass
class Reply:
    card: Card | None  # the card that replaces the one clicked
    status: int
    posted: list[Card] = field(default_factory=list)  # messages the bot sent besides


class Chat:
    def __init__(self, bot: MemberEnquiriesBot, directory_person: Any) -> None:
        self.bot = bot
        self.adapter = TeamsTestAdapter(bot.on_turn)
        self.person_of = directory_person

    def _drain(self) -> list[Activity]:
        out = list(self.adapter.activity_buffer)
        self.adapter.activity_buffer.clear()
        return out

    async def send(self, activity: Activity) -> list[Activity]:
        await self.adapter.receive_activity(activity)
        return self._drain()

    async def say(self, person_id: str | None, text: str, **fields: Any) -> list[Card]:
        person = self.person_of(person_id) if person_id else None
        sent = await self.send(teams_activity(person, text=text, **fields))
        return cards_in(sent)

    async def say_one(self, person_id: str | None, text: str, **fields: Any) -> Card:
        [card] = await self.say(person_id, text, **fields)
        return card

    def invoke(self, person_id: str | None, verb: str, data: dict[str, Any],
               **fields: Any) -> Activity:
        person = self.person_of(person_id) if person_id else None
        return teams_activity(person, type="invoke", name="adaptiveCard/action", value={
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual"}, **fields)

    async def send_invoke(self, activity: Activity) -> Reply:
        sent = await self.send(activity)
        [response] = [a for a in sent if a.type == "invokeResponse"]
        body = response.value.body or {}
        return Reply(body.get("value"), response.value.status,
                     cards_in([a for a in sent if a.type == "message"]))

    async def click(self, person_id: str | None, card: Card, verb: str,
                    **inputs: Any) -> Reply:
        """Press the button `verb` on `card`, with the inputs the member filled in."""
        data = {**button(card, verb)["data"], **inputs}
        return await self.send_invoke(self.invoke(person_id, verb, data))

    async def execute(self, person_id: str | None, verb: str, **data: Any) -> Reply:
        """Send an Action.Execute with exactly this data (tampered or hand-made)."""
        return await self.send_invoke(self.invoke(person_id, verb, data))


def make_bot(casework: Casework, clock: Clock, *, downloader: Downloader | None = None,
             rate_limit: RateLimit | None = None) -> tuple[MemberEnquiriesBot, BotContext]:
    """The bot with the member flows; `downloader` fetches files (tests/support/files.py
    builds one for local https servers), `rate_limit` limits each person's messages."""
    ctx = BotContext(casework=casework, config=casework.config, directory=casework.directory,
                     clock=clock)
    members = MemberFlows(ctx, downloader=downloader)
    return MemberEnquiriesBot(ctx, members=members, officers=OfficerStub(),
                              rate_limit=rate_limit), ctx


def files_attachment(name: str, url: str, file_type: str) -> Attachment:
    return Attachment(content_type="application/vnd.microsoft.teams.file.download.info",
                      name=name, content={"downloadUrl": url, "uniqueId": str(uuid.uuid4()),
                                          "fileType": file_type})


def form_values(**overrides: Any) -> dict[str, Any]:
    """What a member types on the new-enquiry form (as Teams sends inputs: strings)."""
    values: dict[str, Any] = {
        "service_type": "roads|report_it", "ward_id": "ashcroft",
        "location": "14 Mill Lane, MV3 2AB", "description": "A deep pothole outside number 14",
        "ask": "Repair it before someone is hurt", "search_term": "Mill Lane pothole",
        "constituent_name": "", "constituent_contact": "", "consent_given": "false",
        "cc_member_ids": "", "urgency": "normal", "after": "stay",
    }
    values.update(overrides)
    return values


def iter_nonces(card: Card) -> Iterator[str]:
    for a in actions_of(card):
        yield a["data"]["nonce"]

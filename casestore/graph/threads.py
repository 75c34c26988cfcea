"""Which case a thread belongs to, read from its root post through Microsoft Graph.

The bot posts each case's thread with the case card, whose buttons carry the case's reference
and the thread's service (`{"reference": ..., "svc": ...}` in every Action.Execute's data). A
reply in a thread the store does not know (its root post was sent, but the sender died before
recording it) is placed by fetching that root post: `GET /teams/{team}/channels/{channel}/
messages/{root}`, which the bot's own app identity may do in teams where it is installed with
the RSC permission `ChannelMessage.Read.Group` (the permission that delivers unmentioned replies
to it in the first place). A root post is taken as a case card only if the bot posted it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from casestore.graph.client import GraphClient, graph_path
from casestore.records import CaseCardRoot

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


class GraphThreadRoots:
    def __init__(self, graph: GraphClient, *, bot_app_id: str) -> None:
        self.graph = graph
        self.bot_app_id = bot_app_id.lower()

    async def case_card_of(self, team_id: str, channel_id: str,
                           root_message_id: str) -> CaseCardRoot | None:
        """The case card at the root of this thread; None if the root is not one of the bot's
        case cards. Raises `GraphError` (or `OSError`) when Graph cannot say."""
        item = await self.graph.get(graph_path("teams", team_id, "channels", channel_id,
                                               "messages", root_message_id))
        return case_card_root(item, self.bot_app_id)

    async def close(self) -> None:
        await self.graph.close()


def case_card_root(item: Mapping[str, Any], bot_app_id: str = "") -> CaseCardRoot | None:
    """The reference and service of the bot's case card in a Graph `chatMessage`."""
    application = (item.get("from") or {}).get("application") or {}
    if not application or (bot_app_id and str(application.get("id", "")).lower() != bot_app_id):
        return None
    for attachment in item.get("attachments") or []:
        if not isinstance(attachment, Mapping) or attachment.get("contentType") != ADAPTIVE_CARD:
            continue
        content = attachment.get("content")
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError:
                continue
        for data in _action_data(content):
            reference, service = data.get("reference"), data.get("svc")
            if isinstance(reference, str) and isinstance(service, str) and reference:
                return CaseCardRoot(reference.upper(), service)
    return None


def _action_data(node: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        if str(node.get("type", "")).startswith("Action.") and isinstance(node.get("data"),
                                                                          Mapping):
            yield node["data"]
        for value in node.values():
            yield from _action_data(value)
    elif isinstance(node, list):
        for value in node:
            yield from _action_data(value)

"""Fetching the files members send in chat: http(s) only, size-capped, with a timeout, and the
bot's own token only for a file on the Bot Connector that sent the activity."""

from __future__ import annotations

import aiohttp
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from dialogs.members.files import fetchable, same_host


async def credentials_for(turn: TurnContext, url: str) -> dict[str, str]:
    """The bot's own bearer token, for a file on the Bot Connector that sent the activity
    (a pasted image) and for nothing else; none when the bot runs without an app id."""
    if not same_host(url, turn.activity.service_url or ""):
        return {}
    client = turn.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    token = getattr(client, "bearer_token", "")  # bot.connector's clients carry the turn's token
    return {"Authorization": f"Bearer {token}"} if token else {}


async def download(url: str, max_bytes: int, headers: dict[str, str], *,
                   timeout_s: float) -> bytes:
    """Fetch a file over http(s), reading at most `max_bytes + 1` (the store refuses more)."""
    if not fetchable(url):
        raise ValueError("not an http(s) address")
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session, \
            session.get(url, headers=headers) as response:
        if response.status != 200:
            raise aiohttp.ClientResponseError(response.request_info, (), status=response.status)
        buffer = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            buffer += chunk
            if len(buffer) > max_bytes:
                break
        return bytes(buffer[: max_bytes + 1])

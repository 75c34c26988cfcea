"""Anchor: the Microsoft 365 Agents SDK's stock echo agent, as its quickstart builds it
(`AgentApplication` with `MemoryStorage`, the SDK's `CloudAdapter` and `start_agent_process`).

`python -m benchmarks.echo_agents_sdk PORT`; no client id, so anonymous (local development).
"""

from __future__ import annotations

import sys

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    MemoryStorage,
    TurnContext,
    TurnState,
)


def build_app() -> web.Application:
    connections = MsalConnectionManager(
        CONNECTIONS={"SERVICE_CONNECTION": {"SETTINGS": {}}})
    adapter = CloudAdapter(connection_manager=connections)
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=connections)

    @agent.activity("message")
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(f"Echo: {context.activity.text}")

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response or web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None,
                access_log=None)

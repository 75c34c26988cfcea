"""The Agents SDK's `TestAdapter`, delivering activities exactly as Teams shapes them.

The stock `microsoft_agents.testing.TestAdapter` stamps every incoming activity with its own one
conversation, recipient, service URL and a fresh id. The bot's behaviour depends on all four
(personal chat or channel thread, which thread, redelivery of the same id), so
`TeamsTestAdapter.receive_activity` runs the SDK's own pipeline on the activity as given. What
the bot sends is captured in `activity_buffer`; updates and deletions are recorded too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.activity import Activity, ConversationReference, ResourceResponse
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.testing import TestAdapter

Logic = Callable[[TurnContext], Awaitable[Any]]


class TeamsTestAdapter(TestAdapter):
    __test__ = False

    def __init__(self, logic: Logic) -> None:
        super().__init__(channel_id="msteams")
        self.logic = logic
        self.updated_activities: list[Activity] = []
        self.deleted_activities: list[ConversationReference] = []

    @property
    def activity_buffer(self) -> list[Activity]:
        return self._activity_queue

    async def receive_activity(self, activity: Activity) -> None:
        context = self.create_turn_context(activity)
        await self.run_pipeline(context, self.logic)

    async def update_activity(self, context: TurnContext, activity: Activity
                              ) -> ResourceResponse:
        self.updated_activities.append(activity)
        return ResourceResponse(id=activity.id or "")

    async def delete_activity(self, context: TurnContext,
                              reference: ConversationReference) -> None:
        self.deleted_activities.append(reference)

"""The idempotency keys of an incoming activity (`casestore.keys`), scoped by where it arrived.

A channel message's conversation is its thread (`<channel>;messageid=<root>`); a reply Teams
addresses to the channel with `replyToId` instead is put in the same thread, so the live flow
and the Graph reconciliation (which knows the thread) build one key for one reply.
"""

from __future__ import annotations

from microsoft_agents.activity import Activity

from casestore.keys import activity_key, turn_key
from casestore.records import split_conversation_id, thread_conversation_id


def conversation_of(activity: Activity) -> str:
    conversation_id = activity.conversation.id if activity.conversation else ""
    channel, root = split_conversation_id(conversation_id or "")
    if root is None and activity.reply_to_id and \
            (activity.conversation and activity.conversation.conversation_type) == "channel":
        root = activity.reply_to_id
    return thread_conversation_id(channel, root) if root else (conversation_id or "")


def activity_key_of(activity: Activity) -> str:
    """The key of what this activity changes (a message recorded, a file stored)."""
    return activity_key(conversation_of(activity), activity.id or "")


def turn_key_of(activity: Activity) -> str:
    """The key of this delivery being handled (Teams re-delivers with the same id)."""
    return turn_key(conversation_of(activity), activity.id or "")

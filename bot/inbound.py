"""What arrives from Teams, screened before any turn: refused, or cleaned, the same on both engines.

`refusal(activity)` names why an activity cannot be handled at all, or None:

- an identifier Teams fills in (the activity's id, type, name and locale, the channel, the service
  URL, the conversation's and both accounts' ids, names and tenant) that holds a control
  character or a lone surrogate, or is longer than any Teams sends: these are stored (idempotency
  keys, conversation references) and addressed, so they are refused, never rewritten;
- a card action that is not one: an `adaptiveCard/action` invoke whose `value` is not an object,
  whose `action` is not an object, whose verb is not a short plain name, or whose `data` is not an
  object; the same for an Action.Submit message's `value` that carries a `verb`.

`bot.http` answers a refusal with HTTP 400 before the turn; the agent checks again, for activities
that reach it some other way. `clean(activity)` then strips control characters and lone
surrogates (`dialogs.forms.clean_text`) from what a person wrote: the message text, its
attachments' names and every string of the card's data.
"""

from __future__ import annotations

import re
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes

from dialogs.forms import clean_text, clean_values, has_control_characters

MAX_ID = 256  # Teams' ids are far shorter; a key built from one must fit its column (300)
MAX_SERVICE_URL = 300
VERB = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
MAX_VERB = 100
CARD_ACTION = "adaptiveCard/action"


def refusal(activity: Activity) -> str | None:
    """Why this activity is refused before its turn (safe to log: names fields, never values)."""
    for field, value, limit in _identifiers(activity):
        if value is None:
            continue
        text = str(getattr(value, "value", value))
        if has_control_characters(text):
            return f"control characters in {field}"
        if len(text) > limit:
            return f"{field} longer than {limit} characters"
    return action_refusal(activity)


def action_refusal(activity: Activity) -> str | None:
    """Why a card action is not one (an invoke, or a message carrying a submit's `verb`)."""
    value = activity.value
    if activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION:
        if not isinstance(value, dict):
            return "card action value is not an object"
        action = value.get("action")
        if not isinstance(action, dict):
            return "card action is not an object"
        return _verb_and_data(action.get("verb"), action.get("data", {}))
    if activity.type == ActivityTypes.message and isinstance(value, dict) and "verb" in value:
        return _verb_and_data(value.get("verb"), value)
    return None


def clean(activity: Activity) -> None:
    """Strip control characters from what a person wrote (in place)."""
    if isinstance(activity.text, str):
        activity.text = clean_text(activity.text)
    for attachment in activity.attachments or []:
        if isinstance(attachment.name, str):
            attachment.name = clean_text(attachment.name)
    if activity.value is not None:
        activity.value = clean_values(activity.value)


def _verb_and_data(verb: object, data: object) -> str | None:
    if not isinstance(verb, str) or not verb:
        return "card action has no verb"
    if len(verb) > MAX_VERB or not VERB.match(verb):
        return "card action verb is not a name"
    if data is not None and not isinstance(data, dict):
        return "card action data is not an object"
    return None


def _identifiers(activity: Activity) -> list[tuple[str, Any, int]]:
    found: list[tuple[str, Any, int]] = [
        ("id", activity.id, MAX_ID), ("type", activity.type, MAX_ID),
        ("name", activity.name, MAX_ID), ("locale", activity.locale, MAX_ID),
        ("channelId", activity.channel_id, MAX_ID), ("replyToId", activity.reply_to_id, MAX_ID),
        ("serviceUrl", activity.service_url, MAX_SERVICE_URL),
    ]
    conversation = activity.conversation
    if conversation is not None:
        found += [("conversation.id", conversation.id, MAX_ID),
                  ("conversation.name", conversation.name, MAX_ID),
                  ("conversation.tenantId", conversation.tenant_id, MAX_ID),
                  ("conversation.conversationType", conversation.conversation_type, MAX_ID)]
    for label, account in (("from", activity.from_property), ("recipient", activity.recipient)):
        if account is not None:
            found += [(f"{label}.id", account.id, MAX_ID), (f"{label}.name", account.name, MAX_ID),
                      (f"{label}.aadObjectId", account.aad_object_id, MAX_ID)]
    return found

"""Who sent an activity: the one rule for "the bot sent this", for every audience."""

from __future__ import annotations

from microsoft_agents.activity import Activity

BOT_ID_PREFIX = "28:"  # Teams gives bots ids "28:<app id>" (people have "29:...")


def from_the_bot(activity: Activity) -> bool:
    """The sender is the recipient (this bot), has the role of a bot, or has a bot's Teams id:
    RSC delivers every channel message, the bot's own posts included."""
    sender, bot = activity.from_property, activity.recipient
    if sender is None or not sender.id:
        return False
    return (bot is not None and sender.id == bot.id) or sender.id.startswith(BOT_ID_PREFIX) or (
        (sender.role or "").lower() == "bot")

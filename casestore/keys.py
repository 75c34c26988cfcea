"""Idempotency keys, scoped by who and where (pure).

Teams ids are unique only where they were made: an activity id within its conversation, a card
nonce within the cards one person was shown. So a key never stands on an id alone:

- `activity_key(conversation, id)`: a message, scoped by its conversation. In a channel the
  conversation is the thread (`<channel>;messageid=<root>`), so the live officer flow and the
  Graph reconciliation build the same key for the same reply.
- `turn_key(conversation, id)`: "this delivery of an activity was handled", same scope.
- `actor_key(person, key)`: what the use cases store, so one person's key never answers
  another's (a nonce replayed by someone else is a new action of theirs, not a replay).

A key longer than the store's column is shortened to a digest of its parts, deterministically.
"""

from __future__ import annotations

import hashlib

MAX_KEY_LENGTH = 250  # the column holds 300


def scoped_key(kind: str, scope: str, ident: str) -> str:
    key = f"{kind}:{scope}:{ident}"
    if len(key) <= MAX_KEY_LENGTH and "\x00" not in key:
        return key
    digest = hashlib.sha256(f"{scope}\x00{ident}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:#{digest}"


def activity_key(conversation_id: str, activity_id: str) -> str:
    return scoped_key("activity", conversation_id, activity_id)


def turn_key(conversation_id: str, activity_id: str) -> str:
    return scoped_key("turn", conversation_id, activity_id)


def nonce_key(nonce: str) -> str:
    """A card button's nonce; the use case scopes it by the person who clicked."""
    return f"nonce:{nonce}"


def actor_key(person_id: str, key: str) -> str:
    return scoped_key("by", person_id, key)

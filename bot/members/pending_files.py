"""Files waiting for the member to say which enquiry they belong to, or to confirm special
category data in their names or message.

Only their names, Teams' download links and the message sent with them are kept, in the store
under a random token that the card carries, so another bot instance or a restart can still
attach them. They expire after `ttl_s` (Teams' download links do not last long either).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from casestore.ports import Store
from dialogs.members.files import IncomingFile

MAX_CAPTION = 4000


@dataclass(frozen=True)
class Held:
    files: tuple[IncomingFile, ...]
    caption: str  # the message sent with them: checked for special category data, not stored


class PendingFiles:
    def __init__(self, store: Store, *, ttl_s: float = 1800.0) -> None:
        self.store = store
        self.ttl_s = ttl_s

    async def put(self, person_id: str, files: Sequence[IncomingFile], now: datetime,
                  caption: str = "") -> str:
        token = secrets.token_urlsafe(16)
        async with self.store.transaction() as uow:
            await uow.idempotency.claim(f"pending-files:{token}", now)
            await uow.idempotency.set_result(f"pending-files:{token}", {
                "person_id": person_id,
                "expires_at": (now + timedelta(seconds=self.ttl_s)).isoformat(),
                "files": [{"name": f.name, "url": f.url, "content_type": f.content_type}
                          for f in files],
                "caption": caption.replace("\x00", "")[:MAX_CAPTION],
            })
        return token

    async def get(self, token: str, person_id: str, now: datetime) -> Held | None:
        """The files and the message sent with them, if the token is the member's own and has
        not expired."""
        async with self.store.transaction() as uow:
            item = await uow.idempotency.get(f"pending-files:{token}")
        if not item or item.get("person_id") != person_id:
            return None
        if datetime.fromisoformat(item["expires_at"]) <= now:
            return None
        files = tuple(IncomingFile(f["name"], f["url"], f["content_type"]) for f in item["files"])
        return Held(files, str(item.get("caption") or ""))

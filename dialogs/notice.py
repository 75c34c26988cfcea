"""What a notification card is drawn from: the outbox row, the case and the council's data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.model import Case
from casestore.sla import SlaPolicy

Card = dict[str, Any]


@dataclass(frozen=True)
class NoticeContext:
    case: Case | None  # None for messages not about one case (e.g. the digest)
    kind: str
    payload: dict[str, Any]  # the outbox row's payload: event fields, reference, actor ids
    recipient: str  # person:<id>, thread:<service>, escalation:<service>, support
    config: CouncilConfig
    directory: Directory
    policy: SlaPolicy
    now: datetime


Renderer = Callable[[NoticeContext], Card]

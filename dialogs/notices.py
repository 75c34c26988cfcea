"""Cards for what the outbox delivers: one renderer per notification kind.

A renderer is a pure function of a `NoticeContext` returning an Adaptive Card. Member-facing
kinds live in `dialogs.members.notices`, officer-facing ones in `dialogs.officers.notices`; the
delivery job looks a kind up in `renderer_for`.
"""

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


def renderer_for(kind: str) -> Renderer | None:
    from dialogs.members.notices import MEMBER_NOTICES
    from dialogs.officers.notices import OFFICER_NOTICES
    from dialogs.support.notices import SCHEDULER_NOTICES

    return MEMBER_NOTICES.get(kind) or OFFICER_NOTICES.get(kind) or SCHEDULER_NOTICES.get(kind)

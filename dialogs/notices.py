"""Cards for what the outbox delivers: one renderer per notification kind.

A renderer is a pure function of a `NoticeContext` returning an Adaptive Card. Member-facing
kinds live in `dialogs.members.notices`, officer-facing ones in `dialogs.officers.notices`; the
delivery job looks a kind up in `renderer_for`. The context itself is `dialogs.notice`.
"""

from __future__ import annotations

from dialogs.members.notices import MEMBER_NOTICES
from dialogs.notice import Card, NoticeContext, Renderer
from dialogs.officers.notices import OFFICER_NOTICES
from dialogs.support.notices import SCHEDULER_NOTICES

__all__ = ["Card", "NoticeContext", "Renderer", "renderer_for"]


def renderer_for(kind: str) -> Renderer | None:
    return MEMBER_NOTICES.get(kind) or OFFICER_NOTICES.get(kind) or SCHEDULER_NOTICES.get(kind)

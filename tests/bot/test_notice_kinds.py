"""Every notice kind the domain can produce has exactly one card renderer.

The catalogue tests (`test_cards_schema.py`, `test_officer_cards_schema.py`) render every
registered renderer with realistic payloads and validate the cards; this test ties that
catalogue to `NoticeKind`, so a kind added to the domain without a card fails here."""

from __future__ import annotations

from casestore.kinds import NoticeKind
from dialogs.members.notices import MEMBER_NOTICES
from dialogs.notices import renderer_for
from dialogs.officers.notices import OFFICER_NOTICES
from dialogs.support.notices import SCHEDULER_NOTICES


def test_every_notice_kind_has_a_card_renderer() -> None:
    missing = [kind for kind in NoticeKind if renderer_for(kind) is None]

    assert missing == []


def test_every_card_renderer_is_for_a_notice_kind_and_only_one() -> None:
    registries = [set(MEMBER_NOTICES), set(OFFICER_NOTICES), set(SCHEDULER_NOTICES)]
    every = set().union(*registries)

    assert every == {kind.value for kind in NoticeKind}
    assert sum(len(r) for r in registries) == len(every)  # no kind rendered twice

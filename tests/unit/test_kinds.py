"""The domain's closed vocabularies: every notice kind has a card, recipients round-trip, and
every refusal says which action and why."""

from __future__ import annotations

import pytest

from casestore.kinds import EventKind, NoticeKind, Recipient, RecipientKind, Refusal, Transition
from casestore.notifications import RULES


@pytest.mark.parametrize(("stored", "kind", "target"), [
    ("person:sarah-okafor", RecipientKind.PERSON, "sarah-okafor"),
    ("thread:roads", RecipientKind.THREAD, "roads"),
    ("escalation:planning", RecipientKind.ESCALATION, "planning"),
    ("support", RecipientKind.SUPPORT, ""),
])
def test_a_recipient_round_trips_its_stored_form(stored: str, kind: RecipientKind,
                                                  target: str) -> None:
    recipient = Recipient.parse(stored)

    assert (recipient.kind, recipient.target) == (kind, target)
    assert str(recipient) == stored


@pytest.mark.parametrize("stored", ["", "person", "person:", "thread", "support:roads",
                                    "mayor:someone", "PERSON:x"])
def test_a_malformed_recipient_is_refused_with_the_reason(stored: str) -> None:
    with pytest.raises(ValueError, match="unknown recipient"):
        Recipient.parse(stored)


def test_every_event_the_rules_know_is_an_event_kind() -> None:
    assert set(RULES) <= set(EventKind)


def test_kinds_keep_the_stored_text() -> None:
    assert EventKind.SUBMITTED == "submitted"
    assert NoticeKind.CASE_OPENED == "case-opened"
    assert f"{NoticeKind.ACK_DUE}" == "ack-due"


def test_refusals_and_transitions_are_closed_sets() -> None:
    assert Refusal("already_rated") is Refusal.ALREADY_RATED
    assert Transition.ESCALATE == "escalate"

"""A member raises an enquiry, an officer answers it in the service channel, the member rates it:
all through the Playground's rendered page, clicking the cards' buttons and typing, as people do.

Two pages share one Playground: the member's (the Playground's configured user, with the personal
chat) and the roads coordinator's persona tab, opened first because the Playground shows a page
only what arrives while it is open. The tests run in order and share the case they create.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import Stack, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

REFERENCE = re.compile(r"ENQ-\d{4}-\d{6}")
REPLY = "We inspected the pothole this morning and have ordered a repair."
FINAL = "The pothole outside 14 Mill Lane was filled on Tuesday."


@dataclass
class Journey:
    member: Any  # the member's page
    officer: Any  # the coordinator's page
    officer_name: str
    member_name: str
    location: str
    reference: str | None = None
    replied: bool = False

    def need(self, what: str) -> str:
        if not self.reference or (what == "reply" and not self.replied):
            pytest.fail(f"an earlier step of the journey did not complete ({what})",
                        pytrace=False)
        return self.reference or ""


@pytest.fixture(scope="module")
def journey(stack: Stack, context: Any) -> Iterator[Journey]:
    coordinator = stack.persona("coordinator")
    officer = context.new_page()
    officer.goto(coordinator["url"], wait_until="networkidle")
    officer.get_by_role("treeitem", name=re.compile("Roads and pavements")).click()
    member = context.new_page()
    member.goto(stack.playground_url, wait_until="networkidle")
    yield Journey(member, officer, coordinator["name"], stack.state["current_user"]["name"],
                  location=f"outside 14 Mill Lane (browser test {uuid.uuid4().hex[:6]})")
    member.close()
    officer.close()


def thread_of(page: Any, reference: str) -> Any:
    """The case's thread in the channel: its root card, the replies and the reply box."""
    return page.get_by_role("group").filter(has_text=f"{reference}:").first


def test_a_member_submits_an_enquiry_through_the_card_and_sees_its_reference(
        journey: Journey) -> None:
    page = journey.member
    page.bring_to_front()
    page.get_by_role("button", name="New enquiry").first.click()
    page.get_by_role("combobox", name="Service area and type of enquiry").last.click()
    page.keyboard.type("Roads and pavements: Report")
    page.get_by_role("option", name=re.compile("Roads and pavements: Report it")).first.click()
    page.get_by_label("Location (address, street or postcode)").last.fill(journey.location)
    page.get_by_label("Describe the enquiry").last.fill(
        "A pothole about a foot across in the carriageway; cyclists swerve round it.")
    page.get_by_label("The ask: what outcome would you like?").last.fill(
        "Make it safe and repair it.")
    screenshot(page, "01-member-fills-the-enquiry-form")
    page.get_by_role("button", name="Submit").last.click()

    raised = page.get_by_text(re.compile(r"Enquiry ENQ-\d{4}-\d{6} raised")).first
    raised.wait_for()
    found = REFERENCE.search(raised.inner_text())
    assert found is not None
    journey.reference = found.group(0)
    card = page.locator(".ac-adaptiveCard").filter(has_text=f"Enquiry {journey.reference} raised")
    assert card.get_by_text("Acknowledged by").count() == 1
    assert card.get_by_text(journey.location).count() == 1
    screenshot(page, "02-member-sees-the-acknowledgement")


def test_the_case_thread_appears_for_the_officer_who_acknowledges_and_replies(
        journey: Journey) -> None:
    reference = journey.need("reference")
    page = journey.officer
    page.bring_to_front()
    thread = thread_of(page, reference)
    thread.wait_for()
    assert thread.get_by_text(journey.location).count() >= 1
    screenshot(page, "03-officer-sees-the-case-thread")

    thread.get_by_role("button", name="Acknowledge and claim").click()
    thread.get_by_text(f"Acknowledged and claimed by {journey.officer_name}.").wait_for()
    screenshot(page, "04-officer-acknowledged")

    box = thread.get_by_role("textbox").last  # the thread's reply box
    box.click()
    page.keyboard.type("@Member")
    page.get_by_role("menuitem", name=re.compile("Member Enquiries")).click()
    page.keyboard.type(" " + REPLY)
    page.keyboard.press("Enter")
    thread.get_by_text(f"Sent to {journey.member_name}.").wait_for()
    journey.replied = True
    screenshot(page, "05-officer-replied-with-an-at-mention")


def test_the_member_sees_the_reply_and_rates_the_final_response(
        journey: Journey, stack: Stack) -> None:
    reference = journey.need("reply")
    member, officer = journey.member, journey.officer
    member.bring_to_front()
    reply = member.locator(".ac-adaptiveCard").filter(has_text=f"Reply on {reference}")
    reply.get_by_text(REPLY).wait_for()
    screenshot(member, "06-member-sees-the-reply")

    officer.bring_to_front()
    thread = thread_of(officer, reference)
    thread.get_by_role("button", name="Final response").click()
    thread.get_by_label(re.compile("Final response to")).fill(FINAL)
    thread.get_by_role("button", name="Send final response").click()
    screenshot(officer, "07-officer-sends-the-final-response")

    member.bring_to_front()
    final = member.locator(".ac-adaptiveCard").filter(has_text=f"Final response on {reference}")
    final.get_by_text(FINAL).wait_for()
    final.get_by_role("button", name="Rate the response").click()
    final.get_by_role("radio", name="4: Good").check()
    final.get_by_label("A comment (optional)").fill("Quick and clear, thank you.")
    screenshot(member, "08-member-rates-the-response")
    final.get_by_role("button", name="Send rating").click()
    thanks = member.get_by_text("Thank you for rating the response.").first
    thanks.wait_for()
    thanks.scroll_into_view_if_needed()
    screenshot(member, "09-member-thanked-for-the-rating")
    assert stored_rating(stack, reference) == 4


def stored_rating(stack: Stack, reference: str) -> int | None:
    with sqlite3.connect(stack.database) as db:
        row = db.execute("select rating from cases where reference = ?", (reference,)).fetchone()
    return None if row is None else row[0]

"""The special category warning for what a member adds after intake: information, an answer to
the service's question, and files (their names and the message sent with them).

The same rule and the same choice as the new-enquiry form's warning (`dialogs.members.form`):
nothing is stored until the member takes the data out or confirms it is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

from casestore.intake import MAX_TEXT
from dialogs.format import card, text_block
from dialogs.members.cards import Card, action, heading, subtle
from dialogs.text import shown

WHY = ("Under UK GDPR this should be shared only when the service really needs it and the "
       "constituent has agreed.")


def information_card(reference: str, text: str, categories: Sequence[str], *,
                     for_member: str | None = None) -> Card:
    """The information (or answer) back in an editable box: send it again once the data is
    taken out, or confirm it is needed."""
    kinds = ", ".join(categories)
    body = [
        heading("Before you send"),
        text_block(f"What you wrote for {reference} looks like it may include special category "
                   f"data: {kinds}.", color="Warning", weight="Bolder"),
        text_block(f"{WHY} Take it out and send again, or confirm that it is needed."),
        {"type": "Input.Text", "id": "information", "label": "Information for the service",
         "isMultiline": True, "maxLength": MAX_TEXT, "value": text},
        subtle("Nothing has been sent yet."),
    ]
    return card(body, [
        action("Send again", "member.case.add_information", reference=reference,
               for_member=for_member),
        {**action("Confirm and send", "member.case.add_information", reference=reference,
                  for_member=for_member, special_category_confirmed="true"),
         "style": "positive"},
    ])


def files_card(reference: str, names: Sequence[str], categories: Sequence[str], token: str, *,
               for_member: str | None = None) -> Card:
    """The files are held (by `token`) until the member confirms; nothing is stored yet."""
    kinds = ", ".join(categories)
    body = [
        heading("Before I add these files"),
        text_block(f"You sent: {', '.join(shown(n) for n in names)}."),
        text_block(f"Their names or your message look like they may include special category "
                   f"data: {kinds}.", color="Warning", weight="Bolder"),
        text_block(f"{WHY} If they are not needed, don't add them; otherwise confirm."),
        subtle("Nothing has been stored yet."),
    ]
    return card(body, [
        {**action(f"Confirm and add to {reference}", "member.files.attach", reference=reference,
                  token=token, for_member=for_member, special_category_confirmed="true"),
         "style": "positive"},
        action("Don't add them", "member.case.open", reference=reference, for_member=for_member),
    ])

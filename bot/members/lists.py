"""'My cases': the member's list, 10 a page, with filters, search and paging."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.members.acting import Members
from bot.teams import Card
from casestore.directory import Person
from dialogs.forms import parse
from dialogs.members import forms
from dialogs.members.cards import Acting, Banner, MemberView
from dialogs.members.lists import PAGE_SIZE, ListFilters, case_list_card


class CaseLists:
    def __init__(self, members: Members) -> None:
        self.m = members

    async def list(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.ListCases, data)
        view = self.m.view()
        acting = self.m.acting(person, form.for_member)
        filters = ListFilters(page=form.page, status=form.status, service=form.service,
                              ward=form.ward, text=form.text.strip())
        if (form.service and form.service not in {s.id for s in view.config.services}) or \
                (form.ward and form.ward not in {w.id for w in view.config.wards}):
            return await self.page(view, acting, ListFilters(), Banner(
                "Choose a service and a ward from the lists.", good=False))
        return await self.page(view, acting, filters)

    async def page(self, view: MemberView, acting: Acting, filters: ListFilters,
                   banner: Banner | None = None) -> Card:
        flt = filters.case_filter()
        actor = self.m.actor(acting)
        casework = self.m.casework
        page = await casework.list_for_member(actor=actor, now=view.now, flt=flt,
                                              offset=filters.page * PAGE_SIZE, limit=PAGE_SIZE)
        if page.total and not page.cases:  # past the end (an old card): show the last page
            last = (page.total - 1) // PAGE_SIZE
            filters = replace(filters, page=last)
            page = await casework.list_for_member(actor=actor, now=view.now, flt=flt,
                                                  offset=last * PAGE_SIZE, limit=PAGE_SIZE)
        return case_list_card(view, page, filters, acting, banner=banner)

"""Statements that list and count cases, built once per shape of filter and then reused.

Building a `select()` with its conditions costs more Python than SQLite takes to run it (a
member's first page spent a quarter of its turn constructing expressions). The statements here
are built once for each combination of filters in use, with bound parameters for the values, so
a turn only binds values to a statement SQLAlchemy has already compiled and cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, ColumnElement, Integer, Select, bindparam, func, or_, select

from casestore.db.tables import case_cc, case_services, cases
from casestore.model import CaseState
from casestore.records import CaseFilter


class Shape(NamedTuple):
    """Which filters are in use (not their values)."""

    member: bool
    visible_to_member: bool
    services: bool
    ward: bool
    assignee: bool
    states: bool
    include_drafts: bool
    text: bool


def shape_and_values(flt: CaseFilter) -> tuple[Shape, dict[str, Any]]:
    values: dict[str, Any] = {}
    if flt.member_id:
        values["member_id"] = flt.member_id
    if flt.visible_to_member:
        values["visible_to"] = flt.visible_to_member
    if flt.service_ids:
        values["service_ids"] = list(flt.service_ids)
    if flt.ward_id:
        values["ward_id"] = flt.ward_id
    if flt.assignee_id:
        values["assignee_id"] = flt.assignee_id
    if flt.states:
        values["states"] = [s.value for s in flt.states]
    text = flt.text.strip().lower() if flt.text else ""
    if text:
        values["text_exact"] = text
        values["text_like"] = f"%{_escape_like(text)}%"
    shape = Shape(bool(flt.member_id), bool(flt.visible_to_member), bool(flt.service_ids),
                  bool(flt.ward_id), bool(flt.assignee_id), bool(flt.states),
                  flt.include_drafts, bool(text))
    return shape, values


@lru_cache(maxsize=128)
def list_statement(shape: Shape) -> Select[Any]:
    """A page of cases, newest first; bind `offset` and `limit` too."""
    return (select(cases).where(*_conditions(shape)).order_by(cases.c.id.desc())
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer)))


@lru_cache(maxsize=128)
def count_statement(shape: Shape) -> Select[Any]:
    return select(func.count()).select_from(cases).where(*_conditions(shape))


SERVICES_OF = (select(case_services.c.case_id, case_services.c.service_id)
               .where(case_services.c.case_id.in_(bindparam("ids", expanding=True)))
               .order_by(case_services.c.case_id, case_services.c.position))
CC_OF = (select(case_cc.c.case_id, case_cc.c.member_id)
         .where(case_cc.c.case_id.in_(bindparam("ids", expanding=True)))
         .order_by(case_cc.c.member_id))


def _conditions(shape: Shape) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if shape.member:
        found.append(cases.c.member_id == bindparam("member_id"))
    if shape.visible_to_member:
        cc_ids = select(case_cc.c.case_id).where(case_cc.c.member_id == bindparam("visible_to"))
        found.append(or_(cases.c.member_id == bindparam("visible_to"), cases.c.id.in_(cc_ids)))
    if shape.services:
        joined = select(case_services.c.case_id).where(
            case_services.c.service_id.in_(bindparam("service_ids", expanding=True)))
        found.append(cases.c.id.in_(joined))
    if shape.ward:
        found.append(cases.c.ward_id == bindparam("ward_id"))
    if shape.assignee:
        found.append(cases.c.assignee_id == bindparam("assignee_id"))
    if shape.states:
        found.append(cases.c.state.in_(bindparam("states", expanding=True)))
    elif not shape.include_drafts:
        found.append(cases.c.state != CaseState.DRAFT.value)
    if shape.text:
        like: BindParameter[str] = bindparam("text_like")
        found.append(or_(
            func.lower(cases.c.reference) == bindparam("text_exact"),
            func.lower(cases.c.search_term).like(like, escape="\\"),
            func.lower(cases.c.location).like(like, escape="\\"),
            func.lower(cases.c.description).like(like, escape="\\"),
            func.lower(cases.c.ask).like(like, escape="\\"),
        ))
    return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""The policy table in docs/security.md is the code's table, row for row and cell for cell."""

from __future__ import annotations

import re
from pathlib import Path

from casestore.permissions import POLICY, Action, Read
from casestore.policy_table import (
    ALLOWED,
    COLUMNS,
    REFUSED,
    ROWS,
    parse_markdown,
    render_markdown,
)

SECURITY_MD = Path(__file__).resolve().parents[2] / "docs" / "security.md"
BLOCK = re.compile(r"<!-- policy-table:start[^>]*-->\n(.*?)<!-- policy-table:end -->", re.S)


def documented_table() -> str:
    found = BLOCK.search(SECURITY_MD.read_text(encoding="utf-8"))
    assert found, "docs/security.md has no policy-table block"
    return found.group(1)


def test_the_table_in_docs_security_md_is_the_rendering_of_the_codes_table() -> None:
    assert documented_table() == render_markdown(), (
        "docs/security.md's policy table differs from the code's: paste the output of "
        "`python -m casestore.policy_table` between its markers")


def test_every_action_and_read_has_a_policy_and_a_row() -> None:
    every = {*Action, *Read}
    assert set(POLICY) == every
    assert set(ROWS) == every
    assert len(set(ROWS.values())) == len(ROWS)  # labels are unique: the matrix finds rows by them


def test_the_parsed_table_has_every_cell_and_only_allowed_or_refused() -> None:
    cells = parse_markdown(documented_table())
    assert len(cells) == len(ROWS) * len(COLUMNS)
    assert set(cells.values()) == {ALLOWED, REFUSED}


def test_strangers_and_those_who_have_left_office_are_refused_everything() -> None:
    cells = parse_markdown(render_markdown())
    for header in ("an unknown user", "someone who has left office", "a member of the same ward",
                   "a member of another ward", "another cabinet secretary",
                   "a delegate out of their dates", "an officer of another service"):
        assert {cells[(label, header)] for label in ROWS.values()} == {REFUSED}, header


def test_a_ccd_member_only_reads() -> None:
    cells = parse_markdown(render_markdown())
    allowed = {label for label in ROWS.values() if cells[(label, "a cc'd member")] == ALLOWED}
    assert allowed == {ROWS[Action.VIEW], ROWS[Read.FILES], ROWS[Read.LIST]}


def test_a_changed_cell_in_the_document_is_noticed() -> None:
    text = render_markdown()
    tampered = text.replace("| hand the member's cases over | refused",
                            "| hand the member's cases over | allowed", 1)
    assert tampered != text
    assert parse_markdown(tampered) != parse_markdown(text)

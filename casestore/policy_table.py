"""The access policy as the table in docs/security.md: rows are reads and actions, columns the
people the access matrix tries, each cell "allowed" or "refused".

Rendered from `casestore.permissions.POLICY` (what the code enforces): each column names the
relations that person has to the case, and a cell is allowed when the row's relations and the
column's meet. `python -m casestore.policy_table` prints the table; a test keeps the copy in
docs/security.md equal to it, and the access-matrix test reads that copy and tries every cell
through the real use cases on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass

from casestore.permissions import POLICY, Action, Read, Relation

ALLOWED = "allowed"
REFUSED = "refused"
R = Relation


@dataclass(frozen=True)
class Column:
    header: str
    relations: frozenset[Relation]


def _col(header: str, *relations: Relation) -> Column:
    return Column(header, frozenset(relations))


# The people every read and action is tried by, with what they are to the case. Someone who has
# left office is nothing to any case any more, even one they raised.
COLUMNS: tuple[Column, ...] = (
    _col("the member", R.MEMBER),
    _col("a member of the same ward"),
    _col("a member of another ward"),
    _col("a cc'd member", R.CC),
    _col("their cabinet secretary", R.SECRETARY),
    _col("another cabinet secretary"),
    _col("an officer of the service", R.SERVICE),
    _col("a delegate in their dates", R.DELEGATE),
    _col("a delegate out of their dates"),
    _col("an officer of another service"),
    _col("the escalation owner", R.ESCALATION_OWNER),
    _col("member support", R.MEMBER_SUPPORT),
    _col("someone who has left office"),
    _col("an unknown user"),
)

A = Action
ROWS: dict[Action | Read, str] = {
    A.VIEW: "see the case and its timeline",
    Read.FILES: "see the list of its files",
    Read.LIST: "find it in their case lists",
    A.SUBMIT: "raise an enquiry for the member",
    A.REQUEST_UPDATE: "ask for an update",
    A.ADD_INFORMATION: "add information",
    A.MEMBER_CLOSE: "close it (the member's side)",
    A.MEMBER_REOPEN: "reopen it (the member's side)",
    A.RATE: "rate the final response",
    A.EXTEND_AUTO_CLOSE: "keep it open longer",
    A.ESCALATE: "escalate it",
    A.ACKNOWLEDGE: "acknowledge it",
    A.ASSIGN: "assign it",
    A.REPLY: "reply to the member",
    A.INTERNAL_NOTE: "add an internal note",
    A.ASK_MEMBER: "ask the member for information",
    A.REASSIGN: "redirect it to another service",
    A.ADD_SERVICE: "add a service",
    A.CONVERT_TYPE: "change its type",
    A.MARK_LONG_TERM: "mark it awaiting works",
    A.FINAL_RESPONSE: "give the final response",
    A.OFFICER_CLOSE: "close it (the officers' side)",
    A.OFFICER_REOPEN: "reopen it (the officers' side)",
    A.LOG_FOR_MEMBER: "log an enquiry for the member",
    A.ASK_OFFICER: "ask another service a question",
    A.ANSWER_QUESTION: "answer a question on it",
    A.WITHDRAW_QUESTION: "withdraw a question on it",
    A.ANSWER_ESCALATION: "answer its escalation",
    A.HANDOVER: "hand the member's cases over",
}


def cell(row: Action | Read, column: Column) -> str:
    return ALLOWED if not POLICY[row].isdisjoint(column.relations) else REFUSED


def render_markdown() -> str:
    """The policy table as GitHub markdown, one line a row, ending in a newline."""
    lines = ["| | " + " | ".join(c.header for c in COLUMNS) + " |",
             "|---|" + "---|" * len(COLUMNS)]
    for row, label in ROWS.items():
        lines.append(f"| {label} | " + " | ".join(cell(row, c) for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def parse_markdown(text: str) -> dict[tuple[str, str], str]:
    """The cells of the first table in `text`: (row label, column header) -> cell."""
    rows = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    if len(rows) < 3:
        raise ValueError("no table found")

    def split(line: str) -> list[str]:
        return [part.strip() for part in line.strip("|").split("|")]

    headers = split(rows[0])[1:]
    cells: dict[tuple[str, str], str] = {}
    for line in rows[2:]:
        label, *values = split(line)
        if len(values) != len(headers):
            raise ValueError(f"the row {label!r} has {len(values)} cells, not {len(headers)}")
        for header, value in zip(headers, values, strict=True):
            cells[(label, header)] = value
    return cells


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    print(render_markdown(), end="")

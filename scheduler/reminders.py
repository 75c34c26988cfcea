"""What the SLA clock owes each case at a moment: a pure decision over cases and a time.

Reminders go out on working days, in the council's working hours only. Each has a dedupe key
made of the case, the kind and the deadline it is about, so a sweep may run as often as it likes
(and catch up after downtime) and still send each reminder once:

* `ack-due`: the acknowledgement is due today (case thread, mentioning the assignee);
* `ack-overdue`: the acknowledgement date has passed (case thread);
* `response-due`: the first response is due on the next working day (case thread);
* `overdue`: the first response date has passed (case thread);
* `escalation-open`: the member is told their response is overdue and they may now escalate;
* `escalation-reminder`: an escalation's answer is due today (the escalation owner);
* `escalation-overdue`: an escalation's answer date has passed (member support);
* `auto-close-warning`: the case closes automatically on the next working day (the member).

Cases whose auto-close date has come are returned separately to be closed by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.kinds import NoticeKind as N
from casestore.kinds import Recipient
from casestore.model import ACTIVE_STATES, Case, CaseState, EscalationState
from casestore.notifications import Notification
from casestore.sla import SlaPolicy

NOT_YET_ACKNOWLEDGED = frozenset({CaseState.OPEN, CaseState.REOPENED})


@dataclass
class SweepDecision:
    notifications: list[Notification] = field(default_factory=list)
    auto_close: list[Case] = field(default_factory=list)


def in_reminder_hours(now: datetime, policy: SlaPolicy, config: CouncilConfig) -> bool:
    cal = policy.calendar
    return cal.is_working_day(cal.local_date(now)) and cal.is_working_time(
        now, start=config.council.working_hours_start, end=config.council.working_hours_end)


def _mention(case: Case, directory: Directory, today: date) -> str | None:
    """Who a thread reminder @mentions: the assignee, or whoever covers them today."""
    if case.assignee_id is None:
        return None
    return directory.delegate_for(case.assignee_id, today) or case.assignee_id


def reminders_due(
    cases: Iterable[Case], now: datetime, *, policy: SlaPolicy, config: CouncilConfig,
    directory: Directory,
) -> SweepDecision:
    decision = SweepDecision()
    if not in_reminder_hours(now, policy, config):
        return decision
    cal = policy.calendar
    today = cal.local_date(now)
    tomorrow = cal.next_working_day(today)

    for case in cases:
        if case.state in ACTIVE_STATES and case.reference is not None:
            decision.notifications.extend(_for_case(case, today, tomorrow, policy, directory))
            if _auto_close_due(case, today):
                decision.auto_close.append(case)
    return decision


def _notice(case: Case, kind: N, recipient: Recipient, due: date | None,
            mention: str | None) -> Notification:
    ref = case.reference or ""
    due_text = due.isoformat() if due else "-"
    payload = {"reference": ref, "due_on": due.isoformat() if due else None,
               "mention": mention, "service": case.lead_service}
    return Notification(kind, recipient, f"{ref}:{kind}:{due_text}", payload)


def _for_case(case: Case, today: date, tomorrow: date, policy: SlaPolicy,
              directory: Directory) -> list[Notification]:
    out: list[Notification] = []
    thread = Recipient.thread(case.lead_service)
    mention = _mention(case, directory, today)
    ack, response = case.acknowledge_due_on, case.response_due_on
    if case.state in NOT_YET_ACKNOWLEDGED and ack and ack <= today:
        out.append(_notice(case, N.ACK_DUE if ack == today else N.ACK_OVERDUE, thread, ack,
                           mention))
    if case.first_response_at is None and not case.is_paused and response:
        if response == tomorrow:
            out.append(_notice(case, N.RESPONSE_DUE, thread, response, mention))
        elif response < today:
            out.append(_notice(case, N.OVERDUE, thread, response, mention))
    if _escalation_opened(case, today, policy):
        out.append(_notice(case, N.ESCALATION_OPEN, Recipient.person(case.member_id),
                           case.escalation_from_on, None))
    esc = case.escalation_due_on
    if case.escalation_state is EscalationState.ESCALATED and esc and esc <= today:
        if esc == today:
            out.append(_notice(case, N.ESCALATION_REMINDER, Recipient.escalation(case.lead_service),
                               esc, None))
        else:
            out.append(_notice(case, N.ESCALATION_OVERDUE, Recipient.support(), esc, None))
    if _final_given(case) and case.auto_close_on == tomorrow:
        out.append(_notice(case, N.AUTO_CLOSE_WARNING, Recipient.person(case.member_id),
                           case.auto_close_on, None))
    return out


def _final_given(case: Case) -> bool:
    return case.state is CaseState.RESPONDED and case.final_response_at is not None \
        and case.auto_close_on is not None


def _auto_close_due(case: Case, today: date) -> bool:
    return _final_given(case) and case.auto_close_on is not None and case.auto_close_on <= today


def _escalation_opened(case: Case, today: date, policy: SlaPolicy) -> bool:
    """Tell the member once: their response is overdue and escalation is open to them."""
    if case.escalation_state is not EscalationState.NONE or case.escalation_from_on is None:
        return False
    if case.escalation_from_on > today or case.is_paused:
        return False
    return case.first_response_at is None

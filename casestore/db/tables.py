"""The schema, as SQLAlchemy Core tables. Alembic migrations must match it (tests check)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite's naive values come back as UTC-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(20), unique=True),
    Column("state", String(20), nullable=False),
    Column("escalation_state", String(24), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("raised_by_id", String(64), nullable=False),
    Column("lead_service", String(64), nullable=False),
    Column("enquiry_type", String(32), nullable=False),
    Column("ward_id", String(64), nullable=False),
    Column("location", String(300), nullable=False),
    Column("constituent_name", String(200), nullable=False),
    Column("constituent_contact", String(200), nullable=False),
    Column("consent_given", Boolean, nullable=False),
    Column("description", Text, nullable=False),
    Column("ask", Text, nullable=False),
    Column("search_term", String(100), nullable=False),
    Column("urgency", String(10), nullable=False),
    Column("special_category_confirmed", Boolean, nullable=False),
    Column("assignee_id", String(64)),
    Column("linked_reference", String(20)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
    Column("clock_start_on", Date),
    Column("acknowledge_due_on", Date),
    Column("response_due_on", Date),
    Column("completion_due_on", Date),
    Column("escalation_from_on", Date),
    Column("escalation_due_on", Date),
    Column("auto_close_on", Date),
    Column("expected_works_on", Date),
    Column("acknowledged_at", UTCDateTime),
    Column("first_response_at", UTCDateTime),
    Column("final_response_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("escalated_at", UTCDateTime),
    Column("escalation_answered_at", UTCDateTime),
    Column("paused_at", UTCDateTime),
    Column("paused_working_days", Integer, nullable=False),
    Column("auto_close_extended_days", Integer, nullable=False),
    Column("reopen_count", Integer, nullable=False),
    Column("rating", Integer),
    Column("rating_comment", Text, nullable=False),
    Column("redacted_at", UTCDateTime),
    Column("version", Integer, nullable=False),
    Index("ix_cases_member_state", "member_id", "state"),
    Index("ix_cases_service_state", "lead_service", "state"),
    Index("ix_cases_ward_state", "ward_id", "state"),
    Index("ix_cases_state_ack_due", "state", "acknowledge_due_on"),
    Index("ix_cases_state_response_due", "state", "response_due_on"),
    Index("ix_cases_state_auto_close", "state", "auto_close_on"),
    Index("ix_cases_escalation_due", "escalation_state", "escalation_due_on"),
    Index("ix_cases_assignee", "assignee_id"),
    Index("ix_cases_submitted_at", "submitted_at"),
    # the retention sweep: closed cases whose details are still held, oldest closing first
    Index("ix_cases_retention", "redacted_at", "state", "closed_at"),
)

case_services = Table(
    "case_services",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", String(64), primary_key=True),
    Column("is_lead", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
    Index("ix_case_services_service", "service_id", "case_id"),
)

case_cc = Table(
    "case_cc",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", String(64), primary_key=True),
    Index("ix_case_cc_member", "member_id", "case_id"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("on_behalf_of_id", String(64)),
    Column("payload", JSON, nullable=False),
    Index("ix_case_events_case", "case_id", "id"),
    Index("ix_case_events_kind_at", "kind", "at"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by_id", String(64), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("case_id", "sha256", name="uq_attachments_case_sha256"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(255), nullable=False, unique=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="SET NULL")),
    Column("kind", String(40), nullable=False),
    Column("recipient", String(300), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("claimed_by", String(64)),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
    Index("ix_outbox_case", "case_id"),
)

conversation_refs = Table(
    "conversation_refs",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("reference", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("result", JSON, nullable=False),
    Index("ix_idempotency_created", "created_at"),
)

reference_counters = Table(
    "reference_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_value", Integer, nullable=False),
)

case_threads = Table(
    "case_threads",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", String(64), primary_key=True),
    Column("channel_id", String(200), nullable=False),
    Column("root_message_id", String(100), nullable=False),
    Column("conversation_id", String(400), nullable=False),
    Column("card_activity_id", String(100), nullable=False),
    Column("service_url", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel_id", "root_message_id", name="uq_case_threads_channel_root"),
)

thread_posts = Table(
    "thread_posts",
    metadata,
    # Every root post the bot makes for a case's thread, recorded before it is sent: a post
    # whose root id is still NULL may be in Teams (the sender died before recording it), and
    # a confirmed one beside the case's thread in case_threads still leads to the case.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("channel_id", String(200), nullable=False),
    Column("root_message_id", String(100)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    UniqueConstraint("channel_id", "root_message_id", name="uq_thread_posts_channel_root"),
    Index("ix_thread_posts_case", "case_id", "service_id"),
)

turn_claims = Table(
    "turn_claims",
    metadata,
    # One row per incoming activity being handled or answered (`casestore.keys.turn_key`):
    # a second delivery waits for the holder, takes over once its lease has run out, and is
    # dropped once the first was answered.
    Column("key", String(300), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_turn_claims_created", "created_at"),
)

directory_people = Table(
    "directory_people",
    metadata,
    Column("aad_object_id", String(36), primary_key=True),
    Column("person_id", String(64), nullable=False, unique=True),
    Column("kind", String(12), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("job_title", String(200), nullable=False),
    Column("ward_id", String(64)),
    Column("services", JSON, nullable=False),
    Column("roles", JSON, nullable=False),
    Column("synced_at", UTCDateTime, nullable=False),
)

scheduler_heartbeats = Table(
    "scheduler_heartbeats",
    metadata,
    Column("instance", String(64), primary_key=True),
    Column("beat_at", UTCDateTime, nullable=False),
    Index("ix_scheduler_heartbeats_beat_at", "beat_at"),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("job", String(40), primary_key=True),
    Column("due_at", UTCDateTime, primary_key=True),
    Column("instance", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Index("ix_job_runs_due_at", "due_at"),
)

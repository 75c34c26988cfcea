"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('escalation_state', sa.String(length=24), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('raised_by_id', sa.String(length=64), nullable=False),
    sa.Column('lead_service', sa.String(length=64), nullable=False),
    sa.Column('enquiry_type', sa.String(length=32), nullable=False),
    sa.Column('ward_id', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('constituent_name', sa.String(length=200), nullable=False),
    sa.Column('constituent_contact', sa.String(length=200), nullable=False),
    sa.Column('consent_given', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('ask', sa.Text(), nullable=False),
    sa.Column('search_term', sa.String(length=100), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('special_category_confirmed', sa.Boolean(), nullable=False),
    sa.Column('assignee_id', sa.String(length=64), nullable=True),
    sa.Column('linked_reference', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clock_start_on', sa.Date(), nullable=True),
    sa.Column('acknowledge_due_on', sa.Date(), nullable=True),
    sa.Column('response_due_on', sa.Date(), nullable=True),
    sa.Column('completion_due_on', sa.Date(), nullable=True),
    sa.Column('escalation_from_on', sa.Date(), nullable=True),
    sa.Column('escalation_due_on', sa.Date(), nullable=True),
    sa.Column('auto_close_on', sa.Date(), nullable=True),
    sa.Column('expected_works_on', sa.Date(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('final_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalation_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_working_days', sa.Integer(), nullable=False),
    sa.Column('auto_close_extended_days', sa.Integer(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('reference', name=op.f('uq_cases_reference'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_assignee', ['assignee_id'], unique=False)
        batch_op.create_index('ix_cases_escalation_due', ['escalation_state', 'escalation_due_on'], unique=False)
        batch_op.create_index('ix_cases_member_state', ['member_id', 'state'], unique=False)
        batch_op.create_index('ix_cases_service_state', ['lead_service', 'state'], unique=False)
        batch_op.create_index('ix_cases_state_ack_due', ['state', 'acknowledge_due_on'], unique=False)
        batch_op.create_index('ix_cases_state_auto_close', ['state', 'auto_close_on'], unique=False)
        batch_op.create_index('ix_cases_state_response_due', ['state', 'response_due_on'], unique=False)
        batch_op.create_index('ix_cases_submitted_at', ['submitted_at'], unique=False)
        batch_op.create_index('ix_cases_ward_state', ['ward_id', 'state'], unique=False)

    op.create_table('conversation_refs',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_conversation_refs'))
    )
    op.create_table('idempotency_keys',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_idempotency_keys'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_created', ['created_at'], unique=False)

    op.create_table('reference_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_reference_counters'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('case_id', 'sha256', name='uq_attachments_case_sha256')
    )
    op.create_table('case_cc',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_cc_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'member_id', name=op.f('pk_case_cc'))
    )
    with op.batch_alter_table('case_cc', schema=None) as batch_op:
        batch_op.create_index('ix_case_cc_member', ['member_id', 'case_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('on_behalf_of_id', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_case_events_kind_at', ['kind', 'at'], unique=False)

    op.create_table('case_services',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_services_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'service_id', name=op.f('pk_case_services'))
    )
    with op.batch_alter_table('case_services', schema=None) as batch_op:
        batch_op.create_index('ix_case_services_service', ['service_id', 'case_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dedupe_key', sa.String(length=255), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outbox_case_id_cases'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_case', ['case_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')
        batch_op.drop_index('ix_outbox_case')

    op.drop_table('outbox')
    with op.batch_alter_table('case_services', schema=None) as batch_op:
        batch_op.drop_index('ix_case_services_service')

    op.drop_table('case_services')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_kind_at')
        batch_op.drop_index('ix_case_events_case')

    op.drop_table('case_events')
    with op.batch_alter_table('case_cc', schema=None) as batch_op:
        batch_op.drop_index('ix_case_cc_member')

    op.drop_table('case_cc')
    op.drop_table('attachments')
    op.drop_table('reference_counters')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_created')

    op.drop_table('idempotency_keys')
    op.drop_table('conversation_refs')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_ward_state')
        batch_op.drop_index('ix_cases_submitted_at')
        batch_op.drop_index('ix_cases_state_response_due')
        batch_op.drop_index('ix_cases_state_auto_close')
        batch_op.drop_index('ix_cases_state_ack_due')
        batch_op.drop_index('ix_cases_service_state')
        batch_op.drop_index('ix_cases_member_state')
        batch_op.drop_index('ix_cases_escalation_due')
        batch_op.drop_index('ix_cases_assignee')

    op.drop_table('cases')


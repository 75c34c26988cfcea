"""thread posts recorded before sending, and claims on incoming activities

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('thread_posts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=200), nullable=False),
    sa.Column('root_message_id', sa.String(length=100), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_thread_posts_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_posts')),
    sa.UniqueConstraint('channel_id', 'root_message_id', name='uq_thread_posts_channel_root')
    )
    with op.batch_alter_table('thread_posts', schema=None) as batch_op:
        batch_op.create_index('ix_thread_posts_case', ['case_id', 'service_id'], unique=False)

    op.create_table('turn_claims',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_turn_claims'))
    )
    with op.batch_alter_table('turn_claims', schema=None) as batch_op:
        batch_op.create_index('ix_turn_claims_created', ['created_at'], unique=False)


def downgrade() -> None:

    with op.batch_alter_table('turn_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_turn_claims_created')

    op.drop_table('turn_claims')
    with op.batch_alter_table('thread_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_posts_case')

    op.drop_table('thread_posts')

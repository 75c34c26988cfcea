"""case threads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('case_threads',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=200), nullable=False),
    sa.Column('root_message_id', sa.String(length=100), nullable=False),
    sa.Column('conversation_id', sa.String(length=400), nullable=False),
    sa.Column('card_activity_id', sa.String(length=100), nullable=False),
    sa.Column('service_url', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_threads_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'service_id', name=op.f('pk_case_threads')),
    sa.UniqueConstraint('channel_id', 'root_message_id', name='uq_case_threads_channel_root')
    )



def downgrade() -> None:

    op.drop_table('case_threads')


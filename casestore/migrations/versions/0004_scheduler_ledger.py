"""the scheduler's ledger: heartbeats and the scheduled runs taken

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_heartbeats',
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('instance', name=op.f('pk_scheduler_heartbeats'))
    )
    op.create_index('ix_scheduler_heartbeats_beat_at', 'scheduler_heartbeats', ['beat_at'],
                    unique=False)
    op.create_table('job_runs',
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job', 'due_at', name=op.f('pk_job_runs'))
    )
    op.create_index('ix_job_runs_due_at', 'job_runs', ['due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_job_runs_due_at', table_name='job_runs')
    op.drop_table('job_runs')
    op.drop_index('ix_scheduler_heartbeats_beat_at', table_name='scheduler_heartbeats')
    op.drop_table('scheduler_heartbeats')

"""retention: when a case's constituent details were removed, and the sweep's index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_cases_retention', 'cases', ['redacted_at', 'state', 'closed_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_retention', table_name='cases')
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_column('redacted_at')

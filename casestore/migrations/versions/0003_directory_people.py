"""directory people synced from Entra ID

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('directory_people',
    sa.Column('aad_object_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=False),
    sa.Column('ward_id', sa.String(length=64), nullable=True),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('aad_object_id', name=op.f('pk_directory_people')),
    sa.UniqueConstraint('person_id', name=op.f('uq_directory_people_person_id'))
    )



def downgrade() -> None:

    op.drop_table('directory_people')


"""goals remember the citizen's answer (when, by whom), what a caseworker changed, and a version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_by_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_values', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('changed_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_goal_answered_by_user_id_app_user'), 'app_user', ['answered_by_user_id'], ['id'], ondelete='SET NULL'
        )


def downgrade() -> None:
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_goal_answered_by_user_id_app_user'), type_='foreignkey')
        batch_op.drop_column('changed_at')
        batch_op.drop_column('previous_values')
        batch_op.drop_column('answered_by_user_id')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('version')

"""staff reads keep why they were allowed: the reason and, across municipalities, the consent

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('access_log_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('consent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_access_log_entry_consent_id_consent'), 'consent', ['consent_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('access_log_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_access_log_entry_consent_id_consent'), type_='foreignkey')
        batch_op.drop_column('consent_id')
        batch_op.drop_column('reason')

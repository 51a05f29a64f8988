"""a child of 15 or older consents for their own part, and chooses whether the parent sees it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('consent') as batch:
        batch.add_column(sa.Column('member_person_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_consent_member_person_id'), ['member_person_id'], unique=False)
        batch.create_foreign_key(
            batch.f('fk_consent_member_person_id_person'), 'person', ['member_person_id'], ['id'],
        )
    with op.batch_alter_table('plan_member') as batch:
        batch.add_column(
            sa.Column('shares_with_custody_holder', sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('plan_member') as batch:
        batch.drop_column('shares_with_custody_holder')
    with op.batch_alter_table('consent') as batch:
        batch.drop_constraint(batch.f('fk_consent_member_person_id_person'), type_='foreignkey')
        batch.drop_index(batch.f('ix_consent_member_person_id'))
        batch.drop_column('member_person_id')

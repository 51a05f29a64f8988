"""passkey challenges remember the address that asked, so they can be capped per address

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 20:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webauthn_challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_webauthn_challenge_client_key'), ['client_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webauthn_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webauthn_challenge_client_key'))
        batch_op.drop_column('client_key')

"""caseworkers the contact person brought into a plan's message thread

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'message_thread_staff',
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_by_user_id', sa.Integer(), nullable=False),
        sa.Column('added_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['added_by_user_id'], ['app_user.id'], name=op.f('fk_message_thread_staff_added_by_user_id_app_user')),
        sa.ForeignKeyConstraint(['thread_id'], ['message_thread.id'], name=op.f('fk_message_thread_staff_thread_id_message_thread'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_message_thread_staff_user_id_app_user')),
        sa.PrimaryKeyConstraint('thread_id', 'user_id', name=op.f('pk_message_thread_staff')),
    )
    op.create_index(op.f('ix_message_thread_staff_user_id'), 'message_thread_staff', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_message_thread_staff_user_id'), table_name='message_thread_staff')
    op.drop_table('message_thread_staff')

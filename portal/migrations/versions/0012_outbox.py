"""the notification outbox, each user's notification choices and calendar link

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('recipient_user_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=False),
        sa.Column('dedupe_key', sa.String(length=120), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('message', 'goal', 'consent', 'delegation')", name=op.f('ck_outbox_kind_valid')),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dropped')", name=op.f('ck_outbox_status_valid')),
        sa.CheckConstraint("channel IN ('email', 'sms', 'digital_post')", name=op.f('ck_outbox_channel_valid')),
        sa.ForeignKeyConstraint(['recipient_user_id'], ['app_user.id'], name=op.f('fk_outbox_recipient_user_id_app_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key')),
    )
    op.create_index('ix_outbox_status_next_attempt_at', 'outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_outbox_recipient_user_id'), 'outbox', ['recipient_user_id'], unique=False)
    op.create_table(
        'notification_settings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('calendar_token_hash', sa.String(length=64), nullable=True),
        sa.Column('calendar_details', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_notification_settings_user_id_app_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings')),
        sa.UniqueConstraint('calendar_token_hash', name=op.f('uq_notification_settings_calendar_token_hash')),
    )


def downgrade() -> None:
    op.drop_table('notification_settings')
    op.drop_index(op.f('ix_outbox_recipient_user_id'), table_name='outbox')
    op.drop_index('ix_outbox_status_next_attempt_at', table_name='outbox')
    op.drop_table('outbox')

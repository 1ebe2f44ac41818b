"""attempt counters shared by every process (progress digits, registration, login, SMS, kiosks)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 08:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'attempt_counter',
        sa.Column('limit_name', sa.String(length=40), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('window_start', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('limit_name', 'key_hash', 'window_start', name=op.f('pk_attempt_counter')),
    )
    op.create_index(op.f('ix_attempt_counter_expires_at'), 'attempt_counter', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_attempt_counter_expires_at'), table_name='attempt_counter')
    op.drop_table('attempt_counter')

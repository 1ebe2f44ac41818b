"""kiosk devices

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tongban.core.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Ticket machines enrolled by hall staff; only the hash of each machine's token is stored."""
    op.create_table('kiosk_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('enrolled_by', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('last_seen_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolled_by'], ['staff_account.id'], name=op.f('fk_kiosk_device_enrolled_by_staff_account')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_kiosk_device_hall_id_hall'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by'], ['staff_account.id'], name=op.f('fk_kiosk_device_revoked_by_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_device')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_device_token_hash'))
    )
    op.create_index(op.f('ix_kiosk_device_hall_id'), 'kiosk_device', ['hall_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_kiosk_device_hall_id'), table_name='kiosk_device')
    op.drop_table('kiosk_device')

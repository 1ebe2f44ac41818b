"""closed slots, bookings made by staff, the machine that printed a ticket, kiosk pairing codes

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('booking_slot') as batch:
        batch.add_column(sa.Column('closed', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Slots closed before this revision look like full open ones (capacity == booked); the next settings change of
    # their hall marks them, as slots.rebuild does for every slot the hours no longer cover.
    with op.batch_alter_table('appointment') as batch:
        batch.add_column(sa.Column('booked_by', sa.String(length=40), nullable=False, server_default=''))
    with op.batch_alter_table('queue_ticket') as batch:
        batch.add_column(sa.Column('kiosk_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_queue_ticket_kiosk_id_kiosk_device'), 'kiosk_device', ['kiosk_id'], ['id'])
    with op.batch_alter_table('kiosk_device') as batch:
        batch.add_column(sa.Column('pairing_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('pairing_expires_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(op.f('uq_kiosk_device_pairing_hash'), ['pairing_hash'])


def downgrade() -> None:
    with op.batch_alter_table('kiosk_device') as batch:
        batch.drop_constraint(op.f('uq_kiosk_device_pairing_hash'), type_='unique')
        batch.drop_column('pairing_expires_at')
        batch.drop_column('pairing_hash')
    with op.batch_alter_table('queue_ticket') as batch:
        batch.drop_constraint(op.f('fk_queue_ticket_kiosk_id_kiosk_device'), type_='foreignkey')
        batch.drop_column('kiosk_id')
    with op.batch_alter_table('appointment') as batch:
        batch.drop_column('booked_by')
    with op.batch_alter_table('booking_slot') as batch:
        batch.drop_column('closed')

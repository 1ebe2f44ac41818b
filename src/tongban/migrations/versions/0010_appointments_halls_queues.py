"""appointments halls queues

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tongban.core.crypto
import tongban.core.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Halls, hours, window groups, windows, slots, appointments, booking accounts, queue tickets, home visits."""
    op.create_table('booking_account',
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('suspended_until', sa.Date(), nullable=True),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_booking_account_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_booking_account'))
    )
    op.create_table('hall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=100), nullable=False),
    sa.Column('fax', sa.String(length=40), nullable=False),
    sa.Column('hours_note', sa.String(length=300), nullable=False),
    sa.Column('directions', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('bookable', sa.Boolean(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('days_ahead', sa.Integer(), nullable=False),
    sa.Column('max_active_bookings', sa.Integer(), nullable=False),
    sa.Column('no_show_limit', sa.Integer(), nullable=False),
    sa.Column('suspension_days', sa.Integer(), nullable=False),
    sa.Column('near_notice', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_hall_agency_id_agency')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_hall_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall')),
    sa.UniqueConstraint('code', name=op.f('uq_hall_code'))
    )
    op.create_index(op.f('ix_hall_agency_id'), 'hall', ['agency_id'], unique=False)
    op.create_index(op.f('ix_hall_kind'), 'hall', ['kind'], unique=False)
    op.create_index(op.f('ix_hall_level'), 'hall', ['level'], unique=False)
    op.create_index(op.f('ix_hall_region_code'), 'hall', ['region_code'], unique=False)
    op.create_table('hall_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.String(length=10), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_session_hall_id_hall'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_session'))
    )
    op.create_index(op.f('ix_hall_session_hall_id'), 'hall_session', ['hall_id'], unique=False)
    op.create_table('home_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('visitee_name', sa.String(length=100), nullable=False),
    sa.Column('visitee_phone', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('address', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('preferred_day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=True),
    sa.Column('staff_note', sa.Text(), nullable=False),
    sa.Column('handled_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_home_visit_hall_id_hall')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_home_visit_item_id_service_item')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_home_visit_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_visit'))
    )
    op.create_index(op.f('ix_home_visit_hall_id'), 'home_visit', ['hall_id'], unique=False)
    op.create_index(op.f('ix_home_visit_person_id'), 'home_visit', ['person_id'], unique=False)
    op.create_table('window_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('ticket_prefix', sa.String(length=2), nullable=False),
    sa.Column('avg_minutes', sa.Integer(), nullable=False),
    sa.Column('booking_share', sa.Integer(), nullable=False),
    sa.Column('booking_required', sa.Boolean(), nullable=False),
    sa.Column('ticket_day', sa.Date(), nullable=True),
    sa.Column('ticket_seq', sa.Integer(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_window_group_hall_id_hall'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_window_group')),
    sa.UniqueConstraint('hall_id', 'ticket_prefix', name=op.f('uq_window_group_hall_id'))
    )
    op.create_index(op.f('ix_window_group_hall_id'), 'window_group', ['hall_id'], unique=False)
    op.create_table('booking_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.CheckConstraint('booked >= 0 AND booked <= capacity', name=op.f('ck_booking_slot_within_capacity')),
    sa.ForeignKeyConstraint(['group_id'], ['window_group.id'], name=op.f('fk_booking_slot_group_id_window_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_booking_slot_hall_id_hall'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_slot')),
    sa.UniqueConstraint('group_id', 'day', 'start_minute', name=op.f('uq_booking_slot_group_id'))
    )
    op.create_index(op.f('ix_booking_slot_hall_id'), 'booking_slot', ['hall_id'], unique=False)
    op.create_table('hall_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('helps', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_hall_window_agency_id_agency')),
    sa.ForeignKeyConstraint(['group_id'], ['window_group.id'], name=op.f('fk_hall_window_group_id_window_group')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_window_hall_id_hall'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_window')),
    sa.UniqueConstraint('hall_id', 'number', name=op.f('uq_hall_window_hall_id'))
    )
    op.create_index(op.f('ix_hall_window_group_id'), 'hall_window', ['group_id'], unique=False)
    op.create_index(op.f('ix_hall_window_hall_id'), 'hall_window', ['hall_id'], unique=False)
    op.create_table('window_group_item',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['window_group.id'], name=op.f('fk_window_group_item_group_id_window_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_window_group_item_item_id_service_item')),
    sa.PrimaryKeyConstraint('group_id', 'item_id', name=op.f('pk_window_group_item'))
    )
    op.create_index(op.f('ix_window_group_item_item_id'), 'window_group_item', ['item_id'], unique=False)
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('marked_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['window_group.id'], name=op.f('fk_appointment_group_id_window_group')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appointment_hall_id_hall')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_appointment_item_id_service_item')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_appointment_person_id_person')),
    sa.ForeignKeyConstraint(['slot_id'], ['booking_slot.id'], name=op.f('fk_appointment_slot_id_booking_slot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    op.create_index('ix_appointment_hall_day', 'appointment', ['hall_id', 'day'], unique=False)
    op.create_index(op.f('ix_appointment_person_id'), 'appointment', ['person_id'], unique=False)
    op.create_index(op.f('ix_appointment_slot_id'), 'appointment', ['slot_id'], unique=False)
    op.create_index(op.f('ix_appointment_status'), 'appointment', ['status'], unique=False)
    op.create_index('uq_appointment_active_item', 'appointment', ['person_id', 'item_id'], unique=True, sqlite_where=sa.text("status IN ('booked', 'checked_in')"), postgresql_where=sa.text("status IN ('booked', 'checked_in')"))
    op.create_index('uq_appointment_active_time', 'appointment', ['person_id', 'day', 'start_minute'], unique=True, sqlite_where=sa.text("status IN ('booked', 'checked_in')"), postgresql_where=sa.text("status IN ('booked', 'checked_in')"))
    op.create_table('queue_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('phone', tongban.core.crypto.EncryptedText(), nullable=True),
    sa.Column('green_reason', sa.String(length=20), nullable=False),
    sa.Column('slot_start_minute', sa.Integer(), nullable=True),
    sa.Column('slot_end_minute', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('call_count', sa.Integer(), nullable=False),
    sa.Column('near_notified', sa.Boolean(), nullable=False),
    sa.Column('taken_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('called_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_queue_ticket_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['group_id'], ['window_group.id'], name=op.f('fk_queue_ticket_group_id_window_group')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_queue_ticket_hall_id_hall')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_queue_ticket_person_id_person')),
    sa.ForeignKeyConstraint(['window_id'], ['hall_window.id'], name=op.f('fk_queue_ticket_window_id_hall_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_ticket')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_queue_ticket_appointment_id')),
    sa.UniqueConstraint('group_id', 'day', 'seq', name=op.f('uq_queue_ticket_group_id'))
    )
    op.create_index('ix_queue_ticket_hall_day_status', 'queue_ticket', ['hall_id', 'day', 'status'], unique=False)
    op.create_index(op.f('ix_queue_ticket_person_id'), 'queue_ticket', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_queue_ticket_person_id'), table_name='queue_ticket')
    op.drop_index('ix_queue_ticket_hall_day_status', table_name='queue_ticket')
    op.drop_table('queue_ticket')
    op.drop_index('uq_appointment_active_time', table_name='appointment', sqlite_where=sa.text("status IN ('booked', 'checked_in')"), postgresql_where=sa.text("status IN ('booked', 'checked_in')"))
    op.drop_index('uq_appointment_active_item', table_name='appointment', sqlite_where=sa.text("status IN ('booked', 'checked_in')"), postgresql_where=sa.text("status IN ('booked', 'checked_in')"))
    op.drop_index(op.f('ix_appointment_status'), table_name='appointment')
    op.drop_index(op.f('ix_appointment_slot_id'), table_name='appointment')
    op.drop_index(op.f('ix_appointment_person_id'), table_name='appointment')
    op.drop_index('ix_appointment_hall_day', table_name='appointment')
    op.drop_table('appointment')
    op.drop_index(op.f('ix_window_group_item_item_id'), table_name='window_group_item')
    op.drop_table('window_group_item')
    op.drop_index(op.f('ix_hall_window_hall_id'), table_name='hall_window')
    op.drop_index(op.f('ix_hall_window_group_id'), table_name='hall_window')
    op.drop_table('hall_window')
    op.drop_index(op.f('ix_booking_slot_hall_id'), table_name='booking_slot')
    op.drop_table('booking_slot')
    op.drop_index(op.f('ix_window_group_hall_id'), table_name='window_group')
    op.drop_table('window_group')
    op.drop_index(op.f('ix_home_visit_person_id'), table_name='home_visit')
    op.drop_index(op.f('ix_home_visit_hall_id'), table_name='home_visit')
    op.drop_table('home_visit')
    op.drop_index(op.f('ix_hall_session_hall_id'), table_name='hall_session')
    op.drop_table('hall_session')
    op.drop_index(op.f('ix_hall_region_code'), table_name='hall')
    op.drop_index(op.f('ix_hall_level'), table_name='hall')
    op.drop_index(op.f('ix_hall_kind'), table_name='hall')
    op.drop_index(op.f('ix_hall_agency_id'), table_name='hall')
    op.drop_table('hall')
    op.drop_table('booking_account')

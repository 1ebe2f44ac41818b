"""help: co-filled draft applications and video/voice help sessions (CONS-08, CONS-12)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'application_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('form_values', sa.Text(), nullable=False),
        sa.Column('prepared_by', sa.String(length=40), nullable=False),
        sa.Column('prepared_by_name', sa.String(length=100), nullable=False),
        sa.Column('ticket_number', sa.String(length=20), nullable=False),
        sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('used_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_application_draft_item_id_service_item')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_application_draft_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_application_draft')),
    )
    op.create_index(op.f('ix_application_draft_person_id'), 'application_draft', ['person_id'], unique=False)
    with op.batch_alter_table('window_group') as batch:
        batch.add_column(sa.Column('remote_help', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_table(
        'help_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('appointment_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('hall_name', sa.String(length=200), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('contact_note', sa.Text(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('start_minute', sa.Integer(), nullable=False),
        sa.Column('end_minute', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('held_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('held_by_staff_id', sa.Integer(), nullable=True),
        sa.Column('held_by_name', sa.String(length=100), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_help_session_agency_id_agency')),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_help_session_appointment_id_appointment')),
        sa.ForeignKeyConstraint(['held_by_staff_id'], ['staff_account.id'],
                                name=op.f('fk_help_session_held_by_staff_id_staff_account')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_help_session_person_id_person')),
        sa.ForeignKeyConstraint(['ticket_id'], ['help_ticket.id'], name=op.f('fk_help_session_ticket_id_help_ticket'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_session')),
        sa.UniqueConstraint('appointment_id', name=op.f('uq_help_session_appointment_id')),
    )
    op.create_index('ix_help_session_day', 'help_session', ['state', 'day'], unique=False)
    op.create_index(op.f('ix_help_session_ticket_id'), 'help_session', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_help_session_ticket_id'), table_name='help_session')
    op.drop_index('ix_help_session_day', table_name='help_session')
    op.drop_table('help_session')
    with op.batch_alter_table('window_group') as batch:
        batch.drop_column('remote_help')
    op.drop_index(op.f('ix_application_draft_person_id'), table_name='application_draft')
    op.drop_table('application_draft')

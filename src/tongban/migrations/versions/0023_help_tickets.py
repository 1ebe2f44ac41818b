"""help tickets: consult → guide → assist → close → follow-up, with what happened on each (CONS-04, 06–09, 11, 13)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-12 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'help_ticket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('contact_name', sa.Text(), nullable=True),
        sa.Column('contact_phone', sa.Text(), nullable=True),
        sa.Column('contact_email', sa.Text(), nullable=True),
        sa.Column('check_code', sa.Text(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('assistant_question', sa.String(length=200), nullable=False),
        sa.Column('assistant_item_id', sa.Integer(), nullable=True),
        sa.Column('owner_staff_id', sa.Integer(), nullable=True),
        sa.Column('owner_name', sa.String(length=100), nullable=False),
        sa.Column('registered_by', sa.String(length=100), nullable=False),
        sa.Column('reply_due', sa.Date(), nullable=True),
        sa.Column('taken_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('answered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('closed_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('follow_up_due', sa.Date(), nullable=True),
        sa.Column('follow_up_asked_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('followed_up_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('follow_up_answer', sa.String(length=20), nullable=False),
        sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_help_ticket_agency_id_agency')),
        sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_help_ticket_item_id_service_item')),
        sa.ForeignKeyConstraint(['owner_staff_id'], ['staff_account.id'], name=op.f('fk_help_ticket_owner_staff_id_staff_account')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_help_ticket_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_ticket')),
        sa.UniqueConstraint('number', name=op.f('uq_help_ticket_number')),
    )
    op.create_index('ix_help_ticket_follow_up', 'help_ticket', ['state', 'follow_up_due'], unique=False)
    op.create_index('ix_help_ticket_queue', 'help_ticket', ['agency_id', 'state'], unique=False)
    op.create_index(op.f('ix_help_ticket_item_id'), 'help_ticket', ['item_id'], unique=False)
    op.create_index(op.f('ix_help_ticket_owner_staff_id'), 'help_ticket', ['owner_staff_id'], unique=False)
    op.create_index(op.f('ix_help_ticket_person_id'), 'help_ticket', ['person_id'], unique=False)
    op.create_index(op.f('ix_help_ticket_state'), 'help_ticket', ['state'], unique=False)
    op.create_table(
        'help_ticket_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('author', sa.String(length=100), nullable=False),
        sa.Column('author_name', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('public', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['help_ticket.id'], name=op.f('fk_help_ticket_entry_ticket_id_help_ticket'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_ticket_entry')),
    )
    op.create_index(op.f('ix_help_ticket_entry_ticket_id'), 'help_ticket_entry', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_help_ticket_entry_ticket_id'), table_name='help_ticket_entry')
    op.drop_table('help_ticket_entry')
    op.drop_index(op.f('ix_help_ticket_state'), table_name='help_ticket')
    op.drop_index(op.f('ix_help_ticket_person_id'), table_name='help_ticket')
    op.drop_index(op.f('ix_help_ticket_owner_staff_id'), table_name='help_ticket')
    op.drop_index(op.f('ix_help_ticket_item_id'), table_name='help_ticket')
    op.drop_index('ix_help_ticket_queue', table_name='help_ticket')
    op.drop_index('ix_help_ticket_follow_up', table_name='help_ticket')
    op.drop_table('help_ticket')

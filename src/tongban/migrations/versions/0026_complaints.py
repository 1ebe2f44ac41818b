"""complaints, problem reports, staff suggestions and the 办不成事 desk (RATE-04, 05, 09, 10, 11)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.Text(), nullable=True),
    sa.Column('check_code', sa.Text(), nullable=False),
    sa.Column('disclose_identity', sa.Boolean(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('case_number', sa.String(length=40), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('handling_region', sa.String(length=12), nullable=False),
    sa.Column('handling_agency_id', sa.Integer(), nullable=True),
    sa.Column('registered_by', sa.String(length=100), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=True),
    sa.Column('invalid_reason', sa.Text(), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('verify_due', sa.Date(), nullable=True),
    sa.Column('dispose_due', sa.Date(), nullable=True),
    sa.Column('answer_due', sa.Date(), nullable=True),
    sa.Column('verified_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('disposed_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('archived_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_complaint_agency_id_agency')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_complaint_hall_id_hall')),
    sa.ForeignKeyConstraint(['handling_agency_id'], ['agency.id'], name=op.f('fk_complaint_handling_agency_id_agency')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_complaint_item_id_service_item')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_complaint_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('number', name=op.f('uq_complaint_number'))
    )
    op.create_index(op.f('ix_complaint_agency_id'), 'complaint', ['agency_id'], unique=False)
    op.create_index(op.f('ix_complaint_item_id'), 'complaint', ['item_id'], unique=False)
    op.create_index(op.f('ix_complaint_person_id'), 'complaint', ['person_id'], unique=False)
    op.create_index('ix_complaint_queue', 'complaint', ['region_code', 'state'], unique=False)
    op.create_index(op.f('ix_complaint_state'), 'complaint', ['state'], unique=False)
    op.create_table('problem_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('page', sa.String(length=300), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('contact_phone', sa.Text(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_by', sa.String(length=100), nullable=False),
    sa.Column('replied_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_problem_report_agency_id_agency')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_problem_report_item_id_service_item')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_problem_report_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_report')),
    sa.UniqueConstraint('number', name=op.f('uq_problem_report_number'))
    )
    op.create_index(op.f('ix_problem_report_item_id'), 'problem_report', ['item_id'], unique=False)
    op.create_index(op.f('ix_problem_report_person_id'), 'problem_report', ['person_id'], unique=False)
    op.create_index('ix_problem_report_queue', 'problem_report', ['kind', 'agency_id', 'state'], unique=False)
    op.create_table('unresolved_matter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('matter', sa.Text(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.Text(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('registered_by', sa.String(length=100), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('resolved_by', sa.String(length=100), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_unresolved_matter_agency_id_agency')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_unresolved_matter_item_id_service_item')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_unresolved_matter_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unresolved_matter')),
    sa.UniqueConstraint('number', name=op.f('uq_unresolved_matter_number'))
    )
    op.create_index('ix_unresolved_matter_ledger', 'unresolved_matter', ['region_code', 'registered_on'], unique=False)
    op.create_index(op.f('ix_unresolved_matter_person_id'), 'unresolved_matter', ['person_id'], unique=False)
    op.create_table('complaint_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_step_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_step'))
    )
    op.create_index(op.f('ix_complaint_step_complaint_id'), 'complaint_step', ['complaint_id'], unique=False)
    op.create_table('staff_suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('proposer_name', sa.String(length=100), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by', sa.String(length=100), nullable=False),
    sa.Column('answered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('draft_version_id', sa.Integer(), nullable=True),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_staff_suggestion_agency_id_agency')),
    sa.ForeignKeyConstraint(['draft_version_id'], ['item_version.id'], name=op.f('fk_staff_suggestion_draft_version_id_item_version')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_staff_suggestion_item_id_service_item')),
    sa.ForeignKeyConstraint(['proposer_id'], ['staff_account.id'], name=op.f('fk_staff_suggestion_proposer_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_suggestion')),
    sa.UniqueConstraint('number', name=op.f('uq_staff_suggestion_number'))
    )
    op.create_index(op.f('ix_staff_suggestion_item_id'), 'staff_suggestion', ['item_id'], unique=False)
    op.create_index(op.f('ix_staff_suggestion_proposer_id'), 'staff_suggestion', ['proposer_id'], unique=False)
    op.create_index(op.f('ix_staff_suggestion_state'), 'staff_suggestion', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_staff_suggestion_state'), table_name='staff_suggestion')
    op.drop_index(op.f('ix_staff_suggestion_proposer_id'), table_name='staff_suggestion')
    op.drop_index(op.f('ix_staff_suggestion_item_id'), table_name='staff_suggestion')
    op.drop_table('staff_suggestion')
    op.drop_index(op.f('ix_complaint_step_complaint_id'), table_name='complaint_step')
    op.drop_table('complaint_step')
    op.drop_index(op.f('ix_unresolved_matter_person_id'), table_name='unresolved_matter')
    op.drop_index('ix_unresolved_matter_ledger', table_name='unresolved_matter')
    op.drop_table('unresolved_matter')
    op.drop_index('ix_problem_report_queue', table_name='problem_report')
    op.drop_index(op.f('ix_problem_report_person_id'), table_name='problem_report')
    op.drop_index(op.f('ix_problem_report_item_id'), table_name='problem_report')
    op.drop_table('problem_report')
    op.drop_index(op.f('ix_complaint_state'), table_name='complaint')
    op.drop_index('ix_complaint_queue', table_name='complaint')
    op.drop_index(op.f('ix_complaint_person_id'), table_name='complaint')
    op.drop_index(op.f('ix_complaint_item_id'), table_name='complaint')
    op.drop_index(op.f('ix_complaint_agency_id'), table_name='complaint')
    op.drop_table('complaint')

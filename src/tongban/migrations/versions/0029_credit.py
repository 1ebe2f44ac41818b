"""credit-based approval (CRED-01 … 06)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 17:40:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('subject_hash', sa.String(length=64), nullable=False),
    sa.Column('subject_masked', sa.String(length=40), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('loaded_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_record')),
    sa.UniqueConstraint('subject_hash', 'source', name=op.f('uq_credit_record_subject_hash'))
    )
    op.create_index(op.f('ix_credit_record_subject_hash'), 'credit_record', ['subject_hash'], unique=False)
    op.create_table('credit_list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('list_kind', sa.String(length=20), nullable=False),
    sa.Column('check_days', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_credit_list_entry_item_id_service_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_list_entry')),
    sa.UniqueConstraint('item_id', 'list_kind', name=op.f('uq_credit_list_entry_item_id'))
    )
    op.create_index(op.f('ix_credit_list_entry_item_id'), 'credit_list_entry', ['item_id'], unique=False)
    op.create_table('credit_pledge_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('subject_hash', sa.String(length=64), nullable=False),
    sa.Column('subject_masked', sa.String(length=40), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('checked_by', sa.String(length=100), nullable=False),
    sa.Column('checked_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_credit_pledge_check_case_id_case_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_pledge_check')),
    sa.UniqueConstraint('case_id', name=op.f('uq_credit_pledge_check_case_id'))
    )
    op.create_index(op.f('ix_credit_pledge_check_agency_id'), 'credit_pledge_check', ['agency_id'], unique=False)
    op.create_index(op.f('ix_credit_pledge_check_due_on'), 'credit_pledge_check', ['due_on'], unique=False)
    op.create_index(op.f('ix_credit_pledge_check_subject_hash'), 'credit_pledge_check', ['subject_hash'], unique=False)
    op.create_table('credit_treatment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('grade_source', sa.String(length=100), nullable=False),
    sa.Column('opted_in', sa.Boolean(), nullable=False),
    sa.Column('treatments', sa.String(length=100), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('decide_by', sa.Date(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_credit_treatment_case_id_case_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_treatment')),
    sa.UniqueConstraint('case_id', name=op.f('uq_credit_treatment_case_id'))
    )
    op.create_index(op.f('ix_credit_treatment_agency_id'), 'credit_treatment', ['agency_id'], unique=False)
    op.create_table('credit_exclusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('subject_hash', sa.String(length=64), nullable=False),
    sa.Column('subject_masked', sa.String(length=40), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['check_id'], ['credit_pledge_check.id'], name=op.f('fk_credit_exclusion_check_id_credit_pledge_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_exclusion')),
    sa.UniqueConstraint('check_id', name=op.f('uq_credit_exclusion_check_id'))
    )
    op.create_index(op.f('ix_credit_exclusion_subject_hash'), 'credit_exclusion', ['subject_hash'], unique=False)
    op.create_table('credit_repair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exclusion_id', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('applicant_ref', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('submitted_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.String(length=100), nullable=False),
    sa.Column('reviewed_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['exclusion_id'], ['credit_exclusion.id'], name=op.f('fk_credit_repair_exclusion_id_credit_exclusion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_repair'))
    )
    op.create_index(op.f('ix_credit_repair_exclusion_id'), 'credit_repair', ['exclusion_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_credit_repair_exclusion_id'), table_name='credit_repair')
    op.drop_table('credit_repair')
    op.drop_index(op.f('ix_credit_exclusion_subject_hash'), table_name='credit_exclusion')
    op.drop_table('credit_exclusion')
    op.drop_index(op.f('ix_credit_treatment_agency_id'), table_name='credit_treatment')
    op.drop_table('credit_treatment')
    op.drop_index(op.f('ix_credit_pledge_check_subject_hash'), table_name='credit_pledge_check')
    op.drop_index(op.f('ix_credit_pledge_check_due_on'), table_name='credit_pledge_check')
    op.drop_index(op.f('ix_credit_pledge_check_agency_id'), table_name='credit_pledge_check')
    op.drop_table('credit_pledge_check')
    op.drop_index(op.f('ix_credit_list_entry_item_id'), table_name='credit_list_entry')
    op.drop_table('credit_list_entry')
    op.drop_index(op.f('ix_credit_record_subject_hash'), table_name='credit_record')
    op.drop_table('credit_record')

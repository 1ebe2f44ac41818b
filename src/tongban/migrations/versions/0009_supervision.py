"""supervision: case warnings and their dispatch, platform faults, handling errors, per-item warning thresholds (SUP-03, SUP-05, SUP-06)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tongban.core.crypto
import tongban.core.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('platform_fault',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_platform_fault_agency_id_agency')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_platform_fault_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_fault'))
    )
    op.create_index(op.f('ix_platform_fault_region_code'), 'platform_fault', ['region_code'], unique=False)
    op.create_table('warning_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_warning_rule_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_rule')),
    sa.UniqueConstraint('item_id', name=op.f('uq_warning_rule_item_id'))
    )
    op.create_table('case_error',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_error_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_error')),
    sa.UniqueConstraint('case_id', 'kind', name=op.f('uq_case_error_case_id'))
    )
    op.create_index(op.f('ix_case_error_case_id'), 'case_error', ['case_id'], unique=False)
    op.create_table('case_warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('limit_kind', sa.String(length=10), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('remaining_days', sa.Integer(), nullable=False),
    sa.Column('raised_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_case_warning_agency_id_agency')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_warning_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_warning')),
    sa.UniqueConstraint('case_id', 'limit_kind', 'level', name=op.f('uq_case_warning_case_id'))
    )
    op.create_index(op.f('ix_case_warning_agency_id'), 'case_warning', ['agency_id'], unique=False)
    op.create_index(op.f('ix_case_warning_case_id'), 'case_warning', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_warning_region_code'), 'case_warning', ['region_code'], unique=False)
    op.create_table('warning_dispatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sms_delivery_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_account.id'], name=op.f('fk_warning_dispatch_staff_id_staff_account')),
    sa.ForeignKeyConstraint(['warning_id'], ['case_warning.id'], name=op.f('fk_warning_dispatch_warning_id_case_warning')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_dispatch')),
    sa.UniqueConstraint('warning_id', 'staff_id', name=op.f('uq_warning_dispatch_warning_id'))
    )
    op.create_index(op.f('ix_warning_dispatch_staff_id'), 'warning_dispatch', ['staff_id'], unique=False)
    op.create_index(op.f('ix_warning_dispatch_warning_id'), 'warning_dispatch', ['warning_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_warning_dispatch_warning_id'), table_name='warning_dispatch')
    op.drop_index(op.f('ix_warning_dispatch_staff_id'), table_name='warning_dispatch')
    op.drop_table('warning_dispatch')
    op.drop_index(op.f('ix_case_warning_region_code'), table_name='case_warning')
    op.drop_index(op.f('ix_case_warning_case_id'), table_name='case_warning')
    op.drop_index(op.f('ix_case_warning_agency_id'), table_name='case_warning')
    op.drop_table('case_warning')
    op.drop_index(op.f('ix_case_error_case_id'), table_name='case_error')
    op.drop_table('case_error')
    op.drop_table('warning_rule')
    op.drop_index(op.f('ix_platform_fault_region_code'), table_name='platform_fault')
    op.drop_table('platform_fault')

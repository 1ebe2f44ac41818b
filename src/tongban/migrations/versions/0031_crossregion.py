"""cross-region service (XREG-01 … 04)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 17:40:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('xreg_handling_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_xreg_handling_place_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xreg_handling_place')),
    sa.UniqueConstraint('item_id', name=op.f('uq_xreg_handling_place_item_id'))
    )
    op.create_table('xreg_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('applied_item_id', sa.Integer(), nullable=False),
    sa.Column('filed_item_id', sa.Integer(), nullable=False),
    sa.Column('applied_region', sa.String(length=12), nullable=False),
    sa.Column('home_region', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applied_item_id'], ['service_item.id'], name=op.f('fk_xreg_route_applied_item_id_service_item')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_xreg_route_case_id_case_record')),
    sa.ForeignKeyConstraint(['filed_item_id'], ['service_item.id'], name=op.f('fk_xreg_route_filed_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xreg_route')),
    sa.UniqueConstraint('case_id', name=op.f('uq_xreg_route_case_id'))
    )
    op.create_index(op.f('ix_xreg_route_outcome'), 'xreg_route', ['outcome'], unique=False)
    op.create_table('xreg_handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('envelope_id', sa.String(length=40), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('origin_installation', sa.String(length=60), nullable=False),
    sa.Column('origin_region', sa.String(length=12), nullable=False),
    sa.Column('origin_agency_code', sa.String(length=40), nullable=False),
    sa.Column('origin_agency_name', sa.String(length=200), nullable=False),
    sa.Column('origin_address', sa.String(length=300), nullable=False),
    sa.Column('handling_region', sa.String(length=12), nullable=False),
    sa.Column('item_code', sa.String(length=100), nullable=False),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('local_agency_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_number', sa.String(length=40), nullable=False),
    sa.Column('applicant_name', sa.Text(), nullable=False),
    sa.Column('applicant_hash', sa.String(length=64), nullable=False),
    sa.Column('applicant_phone', sa.Text(), nullable=True),
    sa.Column('delivery_choice', sa.String(length=20), nullable=False),
    sa.Column('delivery_address', sa.Text(), nullable=True),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('envelope_sha256', sa.String(length=64), nullable=False),
    sa.Column('filed_by', sa.String(length=100), nullable=False),
    sa.Column('filed_by_name', sa.String(length=100), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('feedback_note', sa.Text(), nullable=False),
    sa.Column('feedback_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('handed_over_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('handed_over_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_xreg_handover_case_id_case_record')),
    sa.ForeignKeyConstraint(['local_agency_id'], ['agency.id'], name=op.f('fk_xreg_handover_local_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xreg_handover')),
    sa.UniqueConstraint('envelope_id', 'side', name=op.f('uq_xreg_handover_envelope_id'))
    )
    op.create_index('ix_xreg_handover_list', 'xreg_handover', ['side', 'state'], unique=False)
    op.create_index(op.f('ix_xreg_handover_applicant_hash'), 'xreg_handover', ['applicant_hash'], unique=False)
    op.create_index(op.f('ix_xreg_handover_case_id'), 'xreg_handover', ['case_id'], unique=False)
    op.create_index(op.f('ix_xreg_handover_handling_region'), 'xreg_handover', ['handling_region'], unique=False)
    op.create_index(op.f('ix_xreg_handover_local_agency_id'), 'xreg_handover', ['local_agency_id'], unique=False)
    op.create_index(op.f('ix_xreg_handover_origin_region'), 'xreg_handover', ['origin_region'], unique=False)
    op.create_table('xreg_liaison',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('contact_name', sa.Text(), nullable=False),
    sa.Column('phone', sa.Text(), nullable=False),
    sa.Column('post', sa.String(length=100), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('items_text', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_xreg_liaison_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xreg_liaison'))
    )
    op.create_index(op.f('ix_xreg_liaison_agency_id'), 'xreg_liaison', ['agency_id'], unique=False)
    op.create_index(op.f('ix_xreg_liaison_region_code'), 'xreg_liaison', ['region_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_xreg_liaison_region_code'), table_name='xreg_liaison')
    op.drop_index(op.f('ix_xreg_liaison_agency_id'), table_name='xreg_liaison')
    op.drop_table('xreg_liaison')
    op.drop_index(op.f('ix_xreg_handover_origin_region'), table_name='xreg_handover')
    op.drop_index(op.f('ix_xreg_handover_local_agency_id'), table_name='xreg_handover')
    op.drop_index(op.f('ix_xreg_handover_handling_region'), table_name='xreg_handover')
    op.drop_index(op.f('ix_xreg_handover_case_id'), table_name='xreg_handover')
    op.drop_index(op.f('ix_xreg_handover_applicant_hash'), table_name='xreg_handover')
    op.drop_index('ix_xreg_handover_list', table_name='xreg_handover')
    op.drop_table('xreg_handover')
    op.drop_index(op.f('ix_xreg_route_outcome'), table_name='xreg_route')
    op.drop_table('xreg_route')
    op.drop_table('xreg_handling_place')

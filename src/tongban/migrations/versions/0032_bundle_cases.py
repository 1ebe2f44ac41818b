"""bundle cases and their sub-cases (BND-07)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 17:50:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.crypto
import tongban.core.db


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bundle_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('bundle_version_id', sa.Integer(), nullable=False),
    sa.Column('lead_agency_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('applicant_name', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('applicant_hash', sa.String(length=64), nullable=False),
    sa.Column('submitter_ref', sa.String(length=100), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('state_note', sa.Text(), nullable=False),
    sa.Column('overall_limit_days', sa.Integer(), nullable=False),
    sa.Column('accepted_by', sa.String(length=100), nullable=False),
    sa.Column('accepted_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], name=op.f('fk_bundle_case_bundle_id_bundle')),
    sa.ForeignKeyConstraint(['bundle_version_id'], ['bundle_version.id'], name=op.f('fk_bundle_case_bundle_version_id_bundle_version')),
    sa.ForeignKeyConstraint(['lead_agency_id'], ['agency.id'], name=op.f('fk_bundle_case_lead_agency_id_agency')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_bundle_case_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_bundle_case_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_case')),
    sa.UniqueConstraint('number', name=op.f('uq_bundle_case_number')),
    sa.UniqueConstraint('submitter_ref', 'idempotency_key', name=op.f('uq_bundle_case_submitter_ref'))
    )
    with op.batch_alter_table('bundle_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_case_applicant_hash'), ['applicant_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundle_case_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundle_case_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_bundle_case_queue', ['lead_agency_id', 'state'], unique=False)

    op.create_table('bundle_part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_case_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=60), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_bundle_part_agency_id_agency')),
    sa.ForeignKeyConstraint(['bundle_case_id'], ['bundle_case.id'], name=op.f('fk_bundle_part_bundle_case_id_bundle_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_bundle_part_case_id_case_record')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_bundle_part_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_part')),
    sa.UniqueConstraint('bundle_case_id', 'item_code', name=op.f('uq_bundle_part_bundle_case_id')),
    sa.UniqueConstraint('case_id', name=op.f('uq_bundle_part_case_id'))
    )
    with op.batch_alter_table('bundle_part', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_part_bundle_case_id'), ['bundle_case_id'], unique=False)


def downgrade() -> None:
    op.drop_table('bundle_part')
    op.drop_table('bundle_case')

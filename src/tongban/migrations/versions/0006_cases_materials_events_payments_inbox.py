"""cases: the case, its materials and files, events, posts, pauses, payments, deliveries; in-app inbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tongban.core.crypto
import tongban.core.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation_seal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('private_key', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_seal_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_seal')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_organisation_seal_fingerprint')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_organisation_seal_organisation_id'))
    )
    op.create_table('case_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=40), nullable=True),
    sa.Column('tracking_token', sa.String(length=64), nullable=False),
    sa.Column('submitter_ref', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_identifier', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('applicant_hash', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', tongban.core.crypto.EncryptedText(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('filed_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('form_data', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('pledge_signed', sa.Boolean(), nullable=False),
    sa.Column('limit_unit', sa.String(length=20), nullable=False),
    sa.Column('legal_limit_days', sa.Integer(), nullable=True),
    sa.Column('promised_limit_days', sa.Integer(), nullable=True),
    sa.Column('legal_due', sa.Date(), nullable=True),
    sa.Column('promised_due', sa.Date(), nullable=True),
    sa.Column('supplement_deadline', sa.Date(), nullable=True),
    sa.Column('deficiency_deadline', sa.Date(), nullable=True),
    sa.Column('fee_fen', sa.Integer(), nullable=False),
    sa.Column('fee_detail', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decision_reasons', sa.Text(), nullable=False),
    sa.Column('delivery_method', sa.String(length=30), nullable=True),
    sa.Column('licence_id', sa.Integer(), nullable=True),
    sa.Column('renews_licence_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_case_record_agency_id_agency')),
    sa.ForeignKeyConstraint(['filed_by_staff_id'], ['staff_account.id'], name=op.f('fk_case_record_filed_by_staff_id_staff_account')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_case_record_item_id_service_item')),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_version.id'], name=op.f('fk_case_record_item_version_id_item_version')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_case_record_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_case_record_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_record')),
    sa.UniqueConstraint('case_number', name=op.f('uq_case_record_case_number')),
    sa.UniqueConstraint('submitter_ref', 'idempotency_key', name=op.f('uq_case_record_submitter_ref')),
    sa.UniqueConstraint('tracking_token', name=op.f('uq_case_record_tracking_token'))
    )
    op.create_index(op.f('ix_case_record_agency_id'), 'case_record', ['agency_id'], unique=False)
    op.create_index(op.f('ix_case_record_applicant_hash'), 'case_record', ['applicant_hash'], unique=False)
    op.create_index(op.f('ix_case_record_item_id'), 'case_record', ['item_id'], unique=False)
    op.create_index(op.f('ix_case_record_organisation_id'), 'case_record', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_case_record_person_id'), 'case_record', ['person_id'], unique=False)
    op.create_index(op.f('ix_case_record_region_code'), 'case_record', ['region_code'], unique=False)
    op.create_index(op.f('ix_case_record_state'), 'case_record', ['state'], unique=False)
    op.create_table('case_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('locker_code', tongban.core.crypto.EncryptedText(), nullable=True),
    sa.Column('locker_expires_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('locker_failures', sa.Integer(), nullable=False),
    sa.Column('address', tongban.core.crypto.EncryptedText(), nullable=True),
    sa.Column('carrier', sa.String(length=40), nullable=False),
    sa.Column('tracking_number', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('prepared_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('delivered_by', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_delivery_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_delivery')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_delivery_case_id'))
    )
    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('actor_ref', sa.String(length=40), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('chain', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_event_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event')),
    sa.UniqueConstraint('case_id', 'seq', name=op.f('uq_case_event_case_id'))
    )
    op.create_index(op.f('ix_case_event_case_id'), 'case_event', ['case_id'], unique=False)
    op.create_table('case_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('material_key', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('seal_signature', sa.Text(), nullable=True),
    sa.Column('seal_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('uploaded_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_file_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_file'))
    )
    op.create_index(op.f('ix_case_file_case_id'), 'case_file', ['case_id'], unique=False)
    op.create_table('case_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('started_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_pause_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_pause'))
    )
    op.create_index(op.f('ix_case_pause_case_id'), 'case_pause', ['case_id'], unique=False)
    op.create_table('case_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('lead', sa.Boolean(), nullable=False),
    sa.Column('opinion', sa.String(length=20), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_name', sa.String(length=100), nullable=False),
    sa.Column('at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_case_post_agency_id_agency')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_post_case_id_case_record')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_account.id'], name=op.f('fk_case_post_staff_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_post')),
    sa.UniqueConstraint('case_id', 'agency_id', name=op.f('uq_case_post_case_id'))
    )
    op.create_index(op.f('ix_case_post_agency_id'), 'case_post', ['agency_id'], unique=False)
    op.create_index(op.f('ix_case_post_case_id'), 'case_post', ['case_id'], unique=False)
    op.create_table('inbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_inbox_message_case_id_case_record')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_inbox_message_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_message'))
    )
    op.create_index(op.f('ix_inbox_message_case_id'), 'inbox_message', ['case_id'], unique=False)
    op.create_index(op.f('ix_inbox_message_person_id'), 'inbox_message', ['person_id'], unique=False)
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('gateway', sa.String(length=40), nullable=False),
    sa.Column('gateway_ref', sa.String(length=100), nullable=False),
    sa.Column('receipt_document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_payment_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('order_number', name=op.f('uq_payment_order_number'))
    )
    op.create_index(op.f('ix_payment_case_id'), 'payment', ['case_id'], unique=False)
    op.create_table('case_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('material_key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('exemption', sa.String(length=20), nullable=True),
    sa.Column('exemption_ref', sa.String(length=200), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('standard', sa.Text(), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_material_case_id_case_record')),
    sa.ForeignKeyConstraint(['file_id'], ['case_file.id'], name=op.f('fk_case_material_file_id_case_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_material')),
    sa.UniqueConstraint('case_id', 'material_key', name=op.f('uq_case_material_case_id'))
    )
    op.create_index(op.f('ix_case_material_case_id'), 'case_material', ['case_id'], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    for table in ('case_material', 'payment', 'inbox_message', 'case_post', 'case_pause', 'case_file', 'case_event',
                  'case_delivery', 'case_record', 'organisation_seal'):
        op.drop_table(table)

"""benefits without applying (POL-01)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 17:40:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.crypto
import tongban.core.db


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('population_attribute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('loaded_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['population_record.id'], name=op.f('fk_population_attribute_record_id_population_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_population_attribute')),
    sa.UniqueConstraint('record_id', 'name', name=op.f('uq_population_attribute_record_id'))
    )
    op.create_index(op.f('ix_population_attribute_record_id'), 'population_attribute', ['record_id'], unique=False)
    op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('benefit', sa.String(length=300), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_policy_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy')),
    sa.UniqueConstraint('name', name=op.f('uq_policy_name'))
    )
    op.create_index(op.f('ix_policy_agency_id'), 'policy', ['agency_id'], unique=False)
    op.create_table('policy_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('name', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('id_masked', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('data', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('notified', sa.String(length=30), nullable=False),
    sa.Column('offered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('grant_on', sa.Date(), nullable=False),
    sa.Column('decided_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_policy_grant_person_id_person')),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_policy_grant_policy_id_policy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_grant')),
    sa.UniqueConstraint('policy_id', 'person_hash', name=op.f('uq_policy_grant_policy_id'))
    )
    op.create_index(op.f('ix_policy_grant_person_hash'), 'policy_grant', ['person_hash'], unique=False)
    op.create_index(op.f('ix_policy_grant_person_id'), 'policy_grant', ['person_id'], unique=False)
    op.create_index(op.f('ix_policy_grant_policy_id'), 'policy_grant', ['policy_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_policy_grant_policy_id'), table_name='policy_grant')
    op.drop_index(op.f('ix_policy_grant_person_id'), table_name='policy_grant')
    op.drop_index(op.f('ix_policy_grant_person_hash'), table_name='policy_grant')
    op.drop_table('policy_grant')
    op.drop_index(op.f('ix_policy_agency_id'), table_name='policy')
    op.drop_table('policy')
    op.drop_index(op.f('ix_population_attribute_record_id'), table_name='population_attribute')
    op.drop_table('population_attribute')

"""one-thing bundles: definitions, versioned and reviewed (BND-01 … 06)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 17:50:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('lead_agency_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('live_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_agency_id'], ['agency.id'], name=op.f('fk_bundle_lead_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle')),
    sa.UniqueConstraint('code', name=op.f('uq_bundle_code'))
    )
    with op.batch_alter_table('bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_region_code'), ['region_code'], unique=False)

    op.create_table('bundle_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('reviewed_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('published_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], name=op.f('fk_bundle_version_bundle_id_bundle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_version')),
    sa.UniqueConstraint('bundle_id', 'number', name=op.f('uq_bundle_version_bundle_id'))
    )
    with op.batch_alter_table('bundle_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_version_bundle_id'), ['bundle_id'], unique=False)


def downgrade() -> None:
    op.drop_table('bundle_version')
    op.drop_table('bundle')

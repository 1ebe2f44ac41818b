"""the knowledge base: FAQ entries with reviewed versions (CONS-03; the question log is 0021's)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-10 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'faq_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_agency_id', sa.Integer(), nullable=True),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('proposal_key', sa.String(length=64), nullable=True),
        sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_agency_id'], ['agency.id'], name=op.f('fk_faq_entry_owner_agency_id_agency')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entry')),
        sa.UniqueConstraint('proposal_key', name=op.f('uq_faq_entry_proposal_key')),
    )
    op.create_index(op.f('ix_faq_entry_owner_agency_id'), 'faq_entry', ['owner_agency_id'], unique=False)
    op.create_table(
        'faq_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('question', sa.String(length=200), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('variants', sa.JSON(), nullable=False),
        sa.Column('item_ids', sa.JSON(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('origin', sa.String(length=20), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=True),
        sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('author_name', sa.String(length=100), nullable=False),
        sa.Column('submitted_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('submitted_by', sa.String(length=100), nullable=False),
        sa.Column('reviewed_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('reviewed_by', sa.String(length=100), nullable=False),
        sa.Column('review_comment', sa.Text(), nullable=False),
        sa.Column('published_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['faq_entry.id'], name=op.f('fk_faq_version_entry_id_faq_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_version')),
        sa.UniqueConstraint('entry_id', 'number', name='uq_faq_version_number'),
    )
    op.create_index(op.f('ix_faq_version_entry_id'), 'faq_version', ['entry_id'], unique=False)
    op.create_index(op.f('ix_faq_version_state'), 'faq_version', ['state'], unique=False)
    op.create_index('uq_faq_version_one_open', 'faq_version', ['entry_id'], unique=True,
                    sqlite_where=sa.text("state IN ('draft', 'review', 'returned')"),
                    postgresql_where=sa.text("state IN ('draft', 'review', 'returned')"))
    op.create_index('uq_faq_version_one_published', 'faq_version', ['entry_id'], unique=True,
                    sqlite_where=sa.text("state = 'published'"), postgresql_where=sa.text("state = 'published'"))


def downgrade() -> None:
    op.drop_index('uq_faq_version_one_published', table_name='faq_version')
    op.drop_index('uq_faq_version_one_open', table_name='faq_version')
    op.drop_index(op.f('ix_faq_version_state'), table_name='faq_version')
    op.drop_index(op.f('ix_faq_version_entry_id'), table_name='faq_version')
    op.drop_table('faq_version')
    op.drop_index(op.f('ix_faq_entry_owner_agency_id'), table_name='faq_entry')
    op.drop_table('faq_entry')

"""ratings and rectification (RATE-01, 02, 03, 06, 07, 08)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('rater_key', sa.String(length=40), nullable=False),
    sa.Column('subject_ref', sa.String(length=40), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('dimension_mask', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('addendum', sa.Text(), nullable=False),
    sa.Column('addendum_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=True),
    sa.Column('window_number', sa.Integer(), nullable=True),
    sa.Column('staff_ref', sa.String(length=40), nullable=False),
    sa.Column('staff_name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('invalid_kind', sa.String(length=20), nullable=False),
    sa.Column('invalid_reason', sa.Text(), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('subject_kind', 'subject_id', 'rater_key', name='uq_rating_subject'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_rating_token_hash'))
    )
    op.create_index('ix_rating_agency_month', 'rating', ['agency_id', 'month'], unique=False)
    op.create_index(op.f('ix_rating_item_id'), 'rating', ['item_id'], unique=False)
    op.create_index(op.f('ix_rating_person_id'), 'rating', ['person_id'], unique=False)
    op.create_table('rating_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_reminder')),
    sa.UniqueConstraint('subject_kind', 'subject_id', name='uq_rating_reminder_subject')
    )
    op.create_table('window_rater',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('window_number', sa.Integer(), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_window_rater')),
    sa.UniqueConstraint('device_id', name=op.f('uq_window_rater_device_id'))
    )
    op.create_table('rectification_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('verification', sa.Text(), nullable=False),
    sa.Column('verified_by', sa.String(length=100), nullable=False),
    sa.Column('verified_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('rectification', sa.Text(), nullable=False),
    sa.Column('rectified_by', sa.String(length=100), nullable=False),
    sa.Column('rectified_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('fed_back_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('person_satisfied', sa.Boolean(), nullable=True),
    sa.Column('person_answered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_rectification_task_rating_id_rating'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_task')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rectification_task_rating_id'))
    )
    op.create_index('ix_rectification_task_ledger', 'rectification_task', ['agency_id', 'state'], unique=False)
    op.create_index(op.f('ix_rectification_task_state'), 'rectification_task', ['state'], unique=False)
    op.create_table('return_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('subject_kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('subject_ref', sa.String(length=40), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('rating_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('answer_level', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('drawn_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_return_visit_rating_id_rating'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_visit')),
    sa.UniqueConstraint('subject_kind', 'subject_id', name='uq_return_visit_subject')
    )
    op.create_index('ix_return_visit_month', 'return_visit', ['month', 'agency_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_return_visit_month', table_name='return_visit')
    op.drop_table('return_visit')
    op.drop_index(op.f('ix_rectification_task_state'), table_name='rectification_task')
    op.drop_index('ix_rectification_task_ledger', table_name='rectification_task')
    op.drop_table('rectification_task')
    op.drop_table('window_rater')
    op.drop_table('rating_reminder')
    op.drop_index(op.f('ix_rating_person_id'), table_name='rating')
    op.drop_index(op.f('ix_rating_item_id'), table_name='rating')
    op.drop_index('ix_rating_agency_month', table_name='rating')
    op.drop_table('rating')

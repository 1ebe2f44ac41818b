"""outbox jobs and notification deliveries

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tongban.core.crypto
import tongban.core.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.String(length=100), nullable=True),
    sa.Column('locked_until', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_job')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_job_dedupe_key'))
    )
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_job_due', ['status', 'run_after'], unique=False)

    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('recipient', tongban.core.crypto.EncryptedText(), nullable=False),
    sa.Column('recipient_masked', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_notification_delivery_case_id_case_record')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notification_delivery_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_delivery'))
    )
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_delivery_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_delivery_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_delivery_person_id'))
        batch_op.drop_index(batch_op.f('ix_notification_delivery_case_id'))

    op.drop_table('notification_delivery')
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_job_due')

    op.drop_table('outbox_job')

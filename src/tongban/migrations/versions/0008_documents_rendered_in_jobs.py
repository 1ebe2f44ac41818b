"""documents rendered in jobs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tongban.core.crypto
import tongban.core.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A document's number and content are stored with the case step; its PDF, seal and signature
    # follow from a job, so those columns are empty until then (existing rows are all issued).
    with op.batch_alter_table('case_document') as batch:
        batch.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='issued'))
        batch.add_column(sa.Column('sheet', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('rendered_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True))
        batch.alter_column('seal_id', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('pdf', existing_type=sa.LargeBinary(), nullable=True)
        batch.alter_column('sha256', existing_type=sa.String(length=64), nullable=True)
        batch.alter_column('sm3', existing_type=sa.String(length=64), nullable=True)
        batch.alter_column('signature', existing_type=sa.LargeBinary(), nullable=True)
    # A case keeps its last event's seq and chain value, so appending an event needs no read.
    with op.batch_alter_table('case_record') as batch:
        batch.add_column(sa.Column('event_seq', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('event_chain', sa.String(length=64), nullable=False, server_default=''))
    op.execute(
        "UPDATE case_record SET "
        "event_seq = COALESCE((SELECT MAX(e.seq) FROM case_event e WHERE e.case_id = case_record.id), 0), "
        "event_chain = COALESCE((SELECT e.chain FROM case_event e WHERE e.case_id = case_record.id "
        "ORDER BY e.seq DESC LIMIT 1), '')"
    )


def downgrade() -> None:
    with op.batch_alter_table('case_record') as batch:
        batch.drop_column('event_chain')
        batch.drop_column('event_seq')
    with op.batch_alter_table('case_document') as batch:
        batch.drop_column('rendered_at')
        batch.drop_column('sheet')
        batch.drop_column('status')

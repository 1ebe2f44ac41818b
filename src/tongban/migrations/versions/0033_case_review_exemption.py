"""case: review exemption and same-day decision of credit approval (CRED-04)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 21:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_record') as batch:
        batch.add_column(sa.Column('review_exemption', sa.String(length=200), server_default='', nullable=False))
        batch.add_column(sa.Column('decide_by', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_record') as batch:
        batch.drop_column('decide_by')
        batch.drop_column('review_exemption')

"""population library: household registration region (户籍地), for cross-region routing (XREG-02)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 17:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('population_record') as batch:
        batch.add_column(sa.Column('household_region', sa.String(length=12), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('population_record') as batch:
        batch.drop_column('household_region')

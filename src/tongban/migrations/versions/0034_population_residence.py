"""population library: residence region (居住地), for items handled where the person lives (XREG-02)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 22:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('population_record') as batch:
        batch.add_column(sa.Column('residence_region', sa.String(length=12), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('population_record') as batch:
        batch.drop_column('residence_region')

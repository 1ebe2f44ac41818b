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
    pass


def downgrade() -> None:
    pass

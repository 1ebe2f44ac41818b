"""supervision

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tongban.core.crypto
import tongban.core.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""a licence keeps its type's own fields (declared by the item's result), encrypted

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-09 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.crypto


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('licence') as batch:
        batch.add_column(sa.Column('fields', tongban.core.crypto.EncryptedText(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('licence') as batch:
        batch.drop_column('fields')

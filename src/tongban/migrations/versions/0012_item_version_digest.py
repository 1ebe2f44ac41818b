"""item version content digest

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 15:30:00.000000
"""
import json

from alembic import op
import sqlalchemy as sa

from tongban.catalog.models import content_digest


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Each item version keeps the SHA-256 of its content, filled in here for the versions already stored."""
    with op.batch_alter_table('item_version') as batch:
        batch.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=False, server_default=''))
    connection = op.get_bind()
    versions = sa.table('item_version', sa.column('id', sa.Integer), sa.column('content', sa.JSON),
                        sa.column('content_sha256', sa.String))
    for version_id, content in connection.execute(sa.select(versions.c.id, versions.c.content)).all():
        if isinstance(content, str):
            content = json.loads(content)
        connection.execute(versions.update().where(versions.c.id == version_id).values(content_sha256=content_digest(content)))


def downgrade() -> None:
    with op.batch_alter_table('item_version') as batch:
        batch.drop_column('content_sha256')

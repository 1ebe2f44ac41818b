"""links limited to http(s), hot searches counted by distinct visitors and hideable by staff

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00.000000
"""
import json

from alembic import op
import sqlalchemy as sa

import tongban.core.db
from tongban.catalog.models import content_digest
from tongban.core.links import is_web_link


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _drop_unsafe_links(connection) -> None:
    """A `javascript:` online_url stored before links were checked would make the item unreadable: it is emptied."""
    versions = sa.table('item_version', sa.column('id', sa.Integer), sa.column('content', sa.JSON),
                        sa.column('content_sha256', sa.String))
    for version_id, content in connection.execute(sa.select(versions.c.id, versions.c.content)).all():
        if isinstance(content, str):
            content = json.loads(content)
        url = content.get('online_url') if isinstance(content, dict) else None
        if url and not is_web_link(url.strip()):
            content = {**content, 'online_url': ''}
            connection.execute(versions.update().where(versions.c.id == version_id)
                               .values(content=content, content_sha256=content_digest(content)))
    agencies = sa.table('agency', sa.column('id', sa.Integer), sa.column('website', sa.String))
    for agency_id, website in connection.execute(sa.select(agencies.c.id, agencies.c.website)).all():
        if website and not is_web_link(website.strip()):
            connection.execute(agencies.update().where(agencies.c.id == agency_id).values(website=''))


def upgrade() -> None:
    _drop_unsafe_links(op.get_bind())
    with op.batch_alter_table('search_click') as batch:
        batch.add_column(sa.Column('visitor', sa.String(length=64), nullable=False, server_default=''))
    op.create_table(
        'hidden_search',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('query', sa.String(length=100), nullable=False),
        sa.Column('hidden_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('hidden_by', sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hidden_search')),
        sa.UniqueConstraint('query', name=op.f('uq_hidden_search_query')),
    )


def downgrade() -> None:
    op.drop_table('hidden_search')
    with op.batch_alter_table('search_click') as batch:
        batch.drop_column('visitor')

"""calendar year revision

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:40:00.000000
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Each entered year gets a random revision that every change of its days replaces, so a process may keep
    the days it read under that revision."""
    with op.batch_alter_table('calendar_year') as batch:
        batch.add_column(sa.Column('revision', sa.String(length=32), nullable=False, server_default=''))
    connection = op.get_bind()
    years = sa.table('calendar_year', sa.column('year', sa.Integer), sa.column('revision', sa.String))
    for (year,) in connection.execute(sa.select(years.c.year)).all():
        connection.execute(years.update().where(years.c.year == year).values(revision=secrets.token_hex(8)))


def downgrade() -> None:
    with op.batch_alter_table('calendar_year') as batch:
        batch.drop_column('revision')

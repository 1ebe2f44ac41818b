"""locker codes last the result's holding period; wrong codes are counted by the shared attempt limits

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 10:00:00.000000
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

HOLDING = timedelta(days=15)  # cases.delivery.LOCKER_HOLDING when this was written


def upgrade() -> None:
    connection = op.get_bind()
    deliveries = sa.table('case_delivery', sa.column('id', sa.Integer), sa.column('method', sa.String),
                          sa.column('status', sa.String), sa.column('prepared_at', tongban.core.db.UtcDateTime()),
                          sa.column('locker_expires_at', tongban.core.db.UtcDateTime()))
    waiting = connection.execute(sa.select(deliveries.c.id, deliveries.c.prepared_at)
                                 .where(deliveries.c.method == 'locker', deliveries.c.status == 'ready')).all()
    for row in waiting:  # codes sent with "24 hours" stay valid for the holding period that replaces it
        connection.execute(deliveries.update().where(deliveries.c.id == row.id)
                           .values(locker_expires_at=row.prepared_at + HOLDING))
    with op.batch_alter_table('case_delivery') as batch:
        batch.drop_column('locker_failures')


def downgrade() -> None:
    with op.batch_alter_table('case_delivery') as batch:
        batch.add_column(sa.Column('locker_failures', sa.Integer(), nullable=False, server_default='0'))

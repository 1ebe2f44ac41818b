"""case content digest, licence serial counters, indexes no query uses

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (index, table, column): each duplicates the first column of a unique constraint, or serves no query while
# costing a page write on every insert (agencies, seals, items and cases are never deleted).
DROPPED = (
    ('ix_case_event_case_id', 'case_event', 'case_id'),
    ('ix_case_material_case_id', 'case_material', 'case_id'),
    ('ix_case_post_case_id', 'case_post', 'case_id'),
    ('ix_inbox_message_case_id', 'inbox_message', 'case_id'),
    ('ix_case_document_agency_id', 'case_document', 'agency_id'),
    ('ix_case_document_seal_id', 'case_document', 'seal_id'),
    ('ix_licence_agency_id', 'licence', 'agency_id'),
    ('ix_licence_item_id', 'licence', 'item_id'),
    ('ix_licence_case_id', 'licence', 'case_id'),
    ('ix_licence_seal_id', 'licence', 'seal_id'),
)


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table('case_record') as batch:
        batch.add_column(sa.Column('item_content_sha256', sa.String(length=64), nullable=False, server_default=''))
    cases = sa.table('case_record', sa.column('item_version_id', sa.Integer), sa.column('item_content_sha256', sa.String))
    versions = sa.table('item_version', sa.column('id', sa.Integer), sa.column('content_sha256', sa.String))
    connection.execute(cases.update().values(item_content_sha256=sa.select(versions.c.content_sha256)
                                             .where(versions.c.id == cases.c.item_version_id).scalar_subquery()))

    op.create_table(
        'licence_serial',
        sa.Column('prefix', sa.String(length=40), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('prefix', name=op.f('pk_licence_serial')),
    )
    licences = sa.table('licence', sa.column('number', sa.String))
    last: dict[str, int] = {}
    for (number,) in connection.execute(sa.select(licences.c.number)):
        prefix, _, serial = number.rpartition('-')
        if prefix and serial.isdigit():
            last[prefix + '-'] = max(last.get(prefix + '-', 0), int(serial))
    if last:
        serials = sa.table('licence_serial', sa.column('prefix', sa.String), sa.column('last', sa.Integer))
        connection.execute(serials.insert(), [{'prefix': p, 'last': n} for p, n in sorted(last.items())])

    for name, table, _column in DROPPED:
        op.drop_index(name, table_name=table)

    # 0001 declared the item's live-version key with use_alter inside create_table, which Alembic leaves out:
    # PostgreSQL never had it. (SQLite keeps it in the table's definition.)
    if connection.dialect.name == 'postgresql' and not _has_live_version_key(connection):
        op.create_foreign_key(LIVE_VERSION_KEY, 'service_item', 'item_version', ['live_version_id'], ['id'])


LIVE_VERSION_KEY = 'fk_service_item_live_version'


def _has_live_version_key(connection) -> bool:
    return any(fk['name'] == LIVE_VERSION_KEY for fk in sa.inspect(connection).get_foreign_keys('service_item'))


def downgrade() -> None:
    for name, table, column in DROPPED:
        op.create_index(name, table, [column], unique=False)
    op.drop_table('licence_serial')
    with op.batch_alter_table('case_record') as batch:
        batch.drop_column('item_content_sha256')

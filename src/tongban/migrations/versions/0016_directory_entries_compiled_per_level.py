"""the directory list (基本目录) is its own list per level, with revisions; copied entries wait for review

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 09:00:00.000000

Until now an entry was copied from whichever implementation item first cited its basic code. Each
such entry becomes an entry of the list of its region and level, marked needs_review, with one
submitted revision holding the copied elements, so the management agency of that level reviews it.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

MIGRATED_NOTE = "迁移：此前由首个引用该基本编码的实施清单复制生成，须由本级政务服务管理机构审核"
OPEN_STATES = "state IN ('draft', 'submitted', 'returned', 'approved')"


def _list_region(level: str, item_region: str | None) -> tuple[str, str]:
    """The region and level of the list an entry belongs to: national, province or city."""
    if not item_region or level == "national":
        return "000000", "national"
    if level == "province":
        return item_region[:2] + "0000", "province"
    return item_region[:4] + "00", "city"


def upgrade() -> None:
    with op.batch_alter_table('directory_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_code', sa.String(length=12), nullable=False, server_default='000000'))
        batch_op.add_column(sa.Column('state', sa.String(length=20), nullable=False, server_default='draft'))
        batch_op.add_column(sa.Column('published_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('directory_entry', schema=None) as batch_op:
        batch_op.alter_column('region_code', server_default=None)
        batch_op.alter_column('state', server_default=None)
        batch_op.create_index(batch_op.f('ix_directory_entry_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_state'), ['state'], unique=False)

    op.create_table(
        'directory_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('item_type', sa.String(length=30), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('legal_basis', sa.JSON(), nullable=False),
        sa.Column('change_note', sa.String(length=500), nullable=False),
        sa.Column('created_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('proposed_by_ref', sa.String(length=40), nullable=False),
        sa.Column('submitted_by_ref', sa.String(length=40), nullable=False),
        sa.Column('submitted_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('reviewed_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('reviewed_by', sa.String(length=100), nullable=False),
        sa.Column('reviewed_by_ref', sa.String(length=40), nullable=False),
        sa.Column('review_comment', sa.Text(), nullable=False),
        sa.Column('published_at', tongban.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('published_by', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['directory_entry.id'], name=op.f('fk_directory_revision_entry_id_directory_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_revision')),
        sa.UniqueConstraint('entry_id', 'number', name=op.f('uq_directory_revision_entry_id')),
    )
    with op.batch_alter_table('directory_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_revision_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_revision_state'), ['state'], unique=False)
        batch_op.create_index(
            'uq_directory_revision_one_open', ['entry_id'], unique=True,
            sqlite_where=sa.text(OPEN_STATES), postgresql_where=sa.text(OPEN_STATES),
        )

    _mark_copied_entries_for_review()


def _mark_copied_entries_for_review() -> None:
    conn = op.get_bind()
    entry = sa.table(
        'directory_entry', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('item_type', sa.String),
        sa.column('level', sa.String), sa.column('legal_basis', sa.JSON), sa.column('region_code', sa.String),
        sa.column('state', sa.String), sa.column('updated_at', tongban.core.db.UtcDateTime(timezone=True)),
    )
    item = sa.table('service_item', sa.column('id', sa.Integer), sa.column('directory_entry_id', sa.Integer),
                    sa.column('region_code', sa.String))
    revision_table = sa.table(
        'directory_revision', *(sa.column(name) for name in (
            'entry_id', 'number', 'state', 'name', 'item_type', 'level', 'change_note', 'created_by', 'proposed_by_ref',
            'submitted_by_ref', 'reviewed_by', 'reviewed_by_ref', 'review_comment', 'published_by')),
        sa.column('legal_basis', sa.JSON), sa.column('created_at', tongban.core.db.UtcDateTime(timezone=True)),
        sa.column('submitted_at', tongban.core.db.UtcDateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    rows = conn.execute(sa.select(entry.c.id, entry.c.name, entry.c.item_type, entry.c.level, entry.c.legal_basis)).all()
    for entry_id, name, item_type, level, legal_basis in rows:
        first_region = conn.scalar(
            sa.select(item.c.region_code).where(item.c.directory_entry_id == entry_id).order_by(item.c.id).limit(1)
        )
        region_code, list_level = _list_region(level or "", first_region)
        conn.execute(
            entry.update().where(entry.c.id == entry_id)
            .values(region_code=region_code, level=list_level, state='needs_review', updated_at=now)
        )
        conn.execute(revision_table.insert().values(
            entry_id=entry_id, number=1, state='submitted', name=name, item_type=item_type, level=list_level,
            legal_basis=legal_basis or [], change_note=MIGRATED_NOTE, created_at=now, created_by='系统迁移',
            proposed_by_ref='', submitted_by_ref='', submitted_at=now, reviewed_by='', reviewed_by_ref='',
            review_comment='', published_by='',
        ))


def downgrade() -> None:
    with op.batch_alter_table('directory_revision', schema=None) as batch_op:
        batch_op.drop_index('uq_directory_revision_one_open')
        batch_op.drop_index(batch_op.f('ix_directory_revision_state'))
        batch_op.drop_index(batch_op.f('ix_directory_revision_entry_id'))
    op.drop_table('directory_revision')
    with op.batch_alter_table('directory_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_entry_state'))
        batch_op.drop_index(batch_op.f('ix_directory_entry_region_code'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('published_at')
        batch_op.drop_column('state')
        batch_op.drop_column('region_code')

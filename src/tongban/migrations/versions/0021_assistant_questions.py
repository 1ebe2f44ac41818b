"""the log of questions asked (the assistant's, later tickets' and letters'), input of the frequent question
analysis (CONS-01, CONS-10)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-10 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import tongban.core.db


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'knowledge_question_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('asked_at', tongban.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_question_log')),
    )
    op.create_index('ix_knowledge_question_log_at', 'knowledge_question_log', ['asked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_knowledge_question_log_at', table_name='knowledge_question_log')
    op.drop_table('knowledge_question_log')

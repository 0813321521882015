"""core: matchings of a file's columns to an import's fields, saved under a name; an uptake upload's matching

Revision ID: 0015_import_matching
Revises: 0014_awareness_burst
Create Date: 2026-12-06 04:10:00

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0015_import_matching'
down_revision = '0014_awareness_burst'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_matching',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('headings', sa.JSON(), nullable=False),
        sa.Column('columns', sa.JSON(), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('ignored', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', engage.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_matching')),
        sa.UniqueConstraint('kind', 'name', name='uq_import_matching_kind_name'),
    )
    with op.batch_alter_table('uptake_pending', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matching', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('uptake_pending', schema=None) as batch_op:
        batch_op.drop_column('matching')
    op.drop_table('import_matching')

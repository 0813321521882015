"""links: every awareness answer counts; one visitor key is only held back for a short burst

Drops the one-answer-per-visitor-key-a-day constraint (colleagues on one network with the same
kind of phone share a key, and the second was refused all day) and adds `awareness_burst`: when
a key last had an answer counted for a service, so the same key is held back only for
AWARENESS_BURST_MINUTES.

Downgrading puts the daily constraint back, keeping the first answer of each key, service and
day and deleting the later ones (which the old rule would never have stored).

Revision ID: 0014_awareness_burst
Revises: 0013_service_referral
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0014_awareness_burst'
down_revision = '0013_service_referral'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('awareness_answer', schema=None) as batch_op:
        batch_op.drop_constraint('uq_awareness_answer_visitor', type_='unique')
    op.create_table('awareness_burst',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('visitor_key', sa.String(length=32), nullable=False),
    sa.Column('last_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_awareness_burst_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'visitor_key', name=op.f('pk_awareness_burst'))
    )
    with op.batch_alter_table('awareness_burst', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awareness_burst_last_at'), ['last_at'], unique=False)


def downgrade():
    with op.batch_alter_table('awareness_burst', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awareness_burst_last_at'))
    op.drop_table('awareness_burst')

    answer = sa.table('awareness_answer', sa.column('id', sa.Integer),
                      sa.column('service_id', sa.Integer), sa.column('day', sa.Date),
                      sa.column('visitor_key', sa.String))
    first = (sa.select(sa.func.min(answer.c.id))
             .group_by(answer.c.service_id, answer.c.day, answer.c.visitor_key))
    op.execute(answer.delete().where(answer.c.id.not_in(first)))
    with op.batch_alter_table('awareness_answer', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_awareness_answer_visitor', ['service_id', 'day', 'visitor_key'])

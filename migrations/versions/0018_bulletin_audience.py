"""reminders: a bulletin's audience (localities, organisation kinds, contact roles) and saved
bulletin templates

Existing bulletins get empty lists: the campaign's whole audience, every contact, as before.

Revision ID: 0018_bulletin_audience
Revises: 0017_send_tracking
Create Date: 2026-12-06 07:05:15.516779

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0018_bulletin_audience'
down_revision = '0017_send_tracking'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bulletin_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('channel', sa.Enum('webinar', 'newsletter', 'email_bulletin', 'poster', 'practice_visit', 'training', 'quality_meeting', 'pm_update', 'presentation', 'facebook', 'gateway', 'phone_call', 'other', name='channel', native_enum=False, length=30), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_bulletin_template_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_template'))
    )
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience_locality_ids', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('audience_kinds', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('audience_roles', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))



def downgrade():
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.drop_column('audience_roles')
        batch_op.drop_column('audience_kinds')
        batch_op.drop_column('audience_locality_ids')

    op.drop_table('bulletin_template')

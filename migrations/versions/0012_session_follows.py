"""Members follow sessions, as they follow threads

Revision ID: 0012_session_follows
Revises: 0011_notification_dedupe_key
Create Date: 2026-12-02 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_session_follows'
down_revision = '0011_notification_dedupe_key'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_follow',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('following', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_follow_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_follow_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'meeting_id', name=op.f('pk_meeting_follow'))
    )
    with op.batch_alter_table('meeting_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_follow_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('meeting_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_follow_meeting_id'))

    op.drop_table('meeting_follow')

"""Challenges remember when their author committed to something and when an outcome was recorded

Revision ID: 0008_challenge_loop_times
Revises: 0007_notifications
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_challenge_loop_times'
down_revision = '0007_notifications'
branch_labels = None
depends_on = None


# In place (recreate='never'), as in 0005: rebuilding the post table on SQLite with foreign keys on
# would delete every reply, tag and result with it.


def upgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_post_cohort_outcome', ['cohort_id', 'outcome_at'], unique=False)
        batch_op.create_index('ix_post_status_committed', ['status', 'committed_at'], unique=False)
    # Nothing recorded when a commitment or an outcome was made before now. Recording either one
    # touched last_activity_at, and only later replies have moved it since, so it is the best time
    # there is: never too early, at worst late. Late errs the safe way: a "what happened next?"
    # question comes a little after its time rather than before, and an old outcome counts as news
    # for one more session rather than never.
    op.execute("UPDATE post SET committed_at = last_activity_at WHERE commitment <> ''")
    op.execute("UPDATE post SET outcome_at = last_activity_at WHERE outcome <> ''")


def downgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_post_status_committed')
        batch_op.drop_index('ix_post_cohort_outcome')
        batch_op.drop_column('outcome_at')
        batch_op.drop_column('committed_at')

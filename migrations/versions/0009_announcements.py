"""Announcements are pinned on the cohort home until unpinned

Revision ID: 0009_announcements
Revises: 0008_challenge_loop_times
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_announcements'
down_revision = '0008_challenge_loop_times'
branch_labels = None
depends_on = None


# The new kind, "announcement", needs no change: post.kind is a VARCHAR(20) with no CHECK
# constraint (a non-native enum made without one). Both ways alter the post table in place
# (recreate='never'): SQLite rebuilds a table by dropping it, and with foreign keys on that
# would delete every reply, tag and result along with it.


def upgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_post_cohort_pinned', ['cohort_id', 'pinned_at'], unique=False)


def downgrade():
    # Announcements become stories for code that knows no announcements; a downgrade keeps every post.
    op.execute("UPDATE post SET kind = 'story' WHERE kind = 'announcement'")
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_post_cohort_pinned')
        batch_op.drop_column('pinned_at')

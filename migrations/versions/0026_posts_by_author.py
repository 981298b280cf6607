"""One member's posts of a kind in a cohort are found by an index of their own, not by reading the
cohort's every post of that kind

Revision ID: 0026_posts_by_author
Revises: 0025_attachments
Create Date: 2026-12-04 21:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026_posts_by_author'
down_revision = '0025_attachments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.create_index('ix_post_author_cohort_kind', ['author_id', 'cohort_id', 'kind', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_post_author_cohort_kind')

"""Pages whose cost does not grow with the data: keyset order for the posts list, advice counted on
each post, the newest posts of a kind indexed, and the cohort in SQLite's search index

Revision ID: 0021_lists
Revises: 0020_worker_heartbeat
Create Date: 2026-12-03 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_lists'
down_revision = '0020_worker_heartbeat'
branch_labels = None
depends_on = None


# The post table is altered in place (recreate='never'), as in 0005, 0008 and 0009: rebuilding it on
# SQLite with foreign keys on would delete every reply, tag and result with it.

COUNT_ADVICE = (
    "(SELECT count(*) FROM reply WHERE reply.post_id = post.id AND reply.author_id <> post.author_id"
    " AND reply.deleted_at IS NULL AND reply.hidden_at IS {} NULL)"
)


def upgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('advice_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('hidden_advice_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_index('ix_post_cohort_activity')
        batch_op.create_index('ix_post_cohort_activity', ['cohort_id', 'last_activity_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_post_cohort_waiting', ['cohort_id', 'status', 'advice_count', 'created_at'], unique=False
        )
        batch_op.create_index('ix_post_cohort_kind_created', ['cohort_id', 'kind', 'created_at'], unique=False)
    op.execute(
        f"UPDATE post SET advice_count = {COUNT_ADVICE.format('')},"
        f" hidden_advice_count = {COUNT_ADVICE.format('NOT')}"
    )
    if op.get_bind().dialect.name == "sqlite":
        # An FTS5 table takes no new column: it is built again, each row with its cohort as a word
        # of its own column ("c12"), so a search finds the cohort's posts inside the index.
        _rebuild_sqlite_search("title, content, cohort", "s.title, s.content, 'c' || p.cohort_id")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_search("title, content", "s.title, s.content")
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_post_cohort_kind_created')
        batch_op.drop_index('ix_post_cohort_waiting')
        batch_op.drop_index('ix_post_cohort_activity')
        batch_op.create_index('ix_post_cohort_activity', ['cohort_id', 'last_activity_at'], unique=False)
        batch_op.drop_column('hidden_advice_count')
        batch_op.drop_column('advice_count')


def _rebuild_sqlite_search(columns, values):
    op.execute(f"CREATE VIRTUAL TABLE post_search_new USING fts5({columns}, tokenize = 'porter unicode61')")
    op.execute(
        f"INSERT INTO post_search_new (rowid, {columns})"
        f" SELECT s.rowid, {values} FROM post_search s JOIN post p ON p.id = s.rowid"
    )
    op.execute("DROP TABLE post_search")
    op.execute("ALTER TABLE post_search_new RENAME TO post_search")

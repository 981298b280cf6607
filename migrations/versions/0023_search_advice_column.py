"""The search index keeps a post's own text and its advice in columns of their own, and its cohort on
PostgreSQL too, so snippets are made from the post's own text and the index finds one cohort's posts

Revision ID: 0023_search_advice_column
Revises: 0022_recovery_code_hashes
Create Date: 2026-12-03 19:20:00

"""

import html

import nh3
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0023_search_advice_column"
down_revision = "0022_recovery_code_hashes"
branch_labels = None
depends_on = None

BATCH = 500


def _plain(rendered):
    """As cohort.markdown.plain_text, kept here so that this migration stays as it ran."""
    return html.unescape(nh3.clean(rendered, tags=set()))


def _rows():
    """Every post's index row, as cohort/posts/search.py writes it when this migration is made."""
    connection = op.get_bind()
    posts = connection.execute(
        sa.text(
            "SELECT id, cohort_id, title, body_html, commitment_html, outcome_html FROM post"
            " WHERE deleted_at IS NULL ORDER BY id"
        )
    ).all()
    for start in range(0, len(posts), BATCH):
        batch = posts[start : start + BATCH]
        advice = {post.id: [] for post in batch}
        replies = connection.execute(
            sa.text(
                "SELECT post_id, body_html FROM reply WHERE post_id BETWEEN :first AND :last"
                " AND deleted_at IS NULL AND hidden_at IS NULL ORDER BY post_id, created_at, id"
            ),
            {"first": batch[0].id, "last": batch[-1].id},
        )
        for reply in replies:
            if reply.post_id in advice and reply.body_html:
                advice[reply.post_id].append(_plain(reply.body_html))
        yield [
            {
                "post_id": post.id,
                "cohort_id": post.cohort_id,
                "cohort": f"c{post.cohort_id}",
                "title": post.title,
                "content": "\n".join(
                    _plain(part) for part in (post.body_html, post.commitment_html, post.outcome_html) if part
                ),
                "advice": "\n".join(part for part in advice[post.id] if part),
            }
            for post in batch
        ]


def upgrade():
    op.execute("DROP TABLE post_search")
    if op.get_bind().dialect.name == "postgresql":
        # Trusted since PostgreSQL 13: a database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute(
            "CREATE TABLE post_search ("
            " post_id integer PRIMARY KEY REFERENCES post (id) ON DELETE CASCADE,"
            " cohort_id integer NOT NULL,"
            " title text NOT NULL,"
            " content text NOT NULL,"
            " advice text NOT NULL,"
            " document tsvector GENERATED ALWAYS AS ("
            "  setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'B')"
            "  || setweight(to_tsvector('english', advice), 'B')"
            " ) STORED)"
        )
        op.execute("CREATE INDEX ix_post_search_cohort_document ON post_search USING gin (cohort_id, document)")
        insert = (
            "INSERT INTO post_search (post_id, cohort_id, title, content, advice)"
            " VALUES (:post_id, :cohort_id, :title, :content, :advice)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE post_search USING fts5(title, content, advice, cohort, tokenize = 'porter unicode61')"
        )
        insert = (
            "INSERT INTO post_search (rowid, title, content, advice, cohort)"
            " VALUES (:post_id, :title, :content, :advice, :cohort)"
        )
    for rows in _rows():
        if rows:
            op.get_bind().execute(sa.text(insert), rows)


def downgrade():
    # The shape of migration 0021: the advice joins the post's text in one column again.
    op.execute("DROP TABLE post_search")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE post_search ("
            " post_id integer PRIMARY KEY REFERENCES post (id) ON DELETE CASCADE,"
            " title text NOT NULL,"
            " content text NOT NULL,"
            " document tsvector GENERATED ALWAYS AS ("
            "  setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'B')"
            " ) STORED)"
        )
        op.execute("CREATE INDEX ix_post_search_document ON post_search USING gin (document)")
        insert = "INSERT INTO post_search (post_id, title, content) VALUES (:post_id, :title, :content)"
    else:
        op.execute("CREATE VIRTUAL TABLE post_search USING fts5(title, content, cohort, tokenize = 'porter unicode61')")
        insert = "INSERT INTO post_search (rowid, title, content, cohort) VALUES (:post_id, :title, :content, :cohort)"
    for rows in _rows():
        for row in rows:
            row["content"] = "\n".join(part for part in (row["content"], row["advice"]) if part)
        if rows:
            op.get_bind().execute(sa.text(insert), rows)

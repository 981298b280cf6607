"""Full-text search over posts: SQLite FTS5, or PostgreSQL full-text search.

The index is one row per post in ``post_search`` (created by the migrations, per database),
holding the post's title, its own text (body, commitment and outcome, as plain text) and the
advice that members can see, in a column of its own: snippets are made from the post's own text,
whose size is bounded, not from a long thread's every reply (migration 0023). Every write that
changes any of those calls ``index_post`` in the same transaction. Searching joins back to
``post`` and applies the caller's visibility condition, so the index itself never decides who
may see what.
"""

import re
from collections.abc import Iterable

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, TextClause, column, func, literal_column, select, table, text
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..markdown import plain_text
from ..models import Post, Reply

# Characters no one types, marking the matched words in a snippet until it is escaped.
MARK_START, MARK_END = "\ue000", "\ue001"
SEARCH_TABLE = "post_search"
MAX_QUERY_TERMS = 12


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def index_post(post: Post) -> None:
    """Write the post's row in the search index; a deleted post leaves the index."""
    # Lock the post first (PostgreSQL; SQLite has one writer at a time anyway), so two saves on one
    # post take turns: each rebuilds the row from what the other committed, and neither inserts
    # beside the other's row. NO KEY UPDATE is the lock an UPDATE of the post takes, so it waits
    # on other writers without deadlocking against the key-share locks new replies hold.
    current = db.session.execute(
        select(Post.cohort_id, Post.title, Post.body_html, Post.commitment_html, Post.outcome_html, Post.deleted_at)
        .where(Post.id == post.id)
        .with_for_update(key_share=True)
    ).one()
    # The table and key names are constants of this module; every value is a bound parameter.
    delete_row = text(f"DELETE FROM {SEARCH_TABLE} WHERE {_key()} = :post_id")  # noqa: S608
    db.session.execute(delete_row, {"post_id": post.id})
    # A hidden post stays findable for the facilitators: the searcher's visibility condition keeps
    # it from members, as every list does. A deleted one leaves the index.
    if current.deleted_at is not None:
        return
    replies = db.session.execute(
        select(Reply.body_html)
        .where(Reply.post_id == post.id, Reply.deleted_at.is_(None), Reply.hidden_at.is_(None))
        .order_by(Reply.created_at)
    ).scalars()
    db.session.execute(
        insert_row_statement(db.session.get_bind().dialect.name),
        index_row(
            post.id,
            current.cohort_id,
            current.title,
            (plain_text(part) for part in (current.body_html, current.commitment_html, current.outcome_html) if part),
            (plain_text(body) for body in replies),
        ),
    )


def index_row(post_id: int, cohort_id: int, title: str, own_text: Iterable[str], advice_text: Iterable[str]) -> dict:
    """The index's row for a post, from the plain text of its own parts and of its shown replies."""
    return {
        "post_id": post_id,
        "title": title,
        "content": "\n".join(part for part in own_text if part),
        "advice": "\n".join(part for part in advice_text if part),
        "cohort_id": cohort_id,
        "cohort": cohort_word(cohort_id),
    }


def insert_row_statement(dialect_name: str) -> TextClause:
    """The statement that writes one ``index_row`` (on SQLite the key is the ``rowid``, and the cohort
    a word of its own column)."""
    # The table name is a constant of this module; every value is a bound parameter.
    if dialect_name == "postgresql":
        return text(
            f"INSERT INTO {SEARCH_TABLE} (post_id, cohort_id, title, content, advice)"  # noqa: S608
            " VALUES (:post_id, :cohort_id, :title, :content, :advice)"
        )
    return text(
        f"INSERT INTO {SEARCH_TABLE} (rowid, title, content, advice, cohort)"  # noqa: S608
        " VALUES (:post_id, :title, :content, :advice, :cohort)"
    )


def cohort_word(cohort_id: int) -> str:
    """The word SQLite's index holds for a post's cohort, in a column of its own (migration 0021)."""
    return f"c{cohort_id}"


def _key() -> str:
    return "post_id" if _is_postgresql() else "rowid"


def _fts5_query(query: str) -> str | None:
    """The words of a query as an FTS5 expression: every word must match, each a quoted string, so
    nothing typed is FTS5 syntax. The last word is a prefix while it is still being typed; one
    followed by anything else (``50%``, ``50_``, ``"clinic"``) is whole, so "50%" does not find "500"."""
    typed = re.findall(r"\w+", query)
    words = typed[:MAX_QUERY_TERMS]
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    if words == typed and re.search(r"[^\W_]$", query):  # "_" separates words, as in the index
        quoted[-1] += "*"
    return " ".join(quoted)


# How many of the newest matches are ranked: bm25 and ts_rank score every row they are given, so a
# common word would otherwise cost more with every post the cohort writes.
CANDIDATES = 2000
RESULTS_PER_PAGE = 20


def search_posts(
    query: str,
    visible: ColumnElement[bool],
    cohort_id: int,
    limit: int = RESULTS_PER_PAGE,
    offset: int = 0,
    candidates: int = CANDIDATES,
) -> list[tuple[Post, Markup]]:
    """Posts of the cohort matching ``query`` among those ``visible`` selects, best first, each with a
    snippet: the best of the newest ``candidates`` matches, so the cost stays that of a few thousand.
    ``offset`` skips the better results already shown."""
    if _is_postgresql():
        index = table(SEARCH_TABLE, column("post_id"), column("cohort_id"), column("content"), column("document"))
        english = literal_column("'english'::regconfig")
        # Every word must match, as on SQLite: plainto_tsquery reads no operators ("or", "-", quotes).
        tsquery = func.plainto_tsquery(english, query[:500])
        key = index.c.post_id
        # One GIN index holds the cohort and the words (btree_gin), so it finds only this cohort's posts.
        match = (index.c.cohort_id == cohort_id) & index.c.document.op("@@")(tsquery)
        score = -func.ts_rank(index.c.document, tsquery)  # the best first, as bm25 orders them
        # ts_headline reads the query itself; SQLite's snippet() needs the MATCH in its own statement.
        # It parses all the text it is given, hence the post's own text only, not its advice.
        snippet_needs = ()
        joined_key = key
        snippet = func.ts_headline(
            english,
            index.c.content,
            tsquery,
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2",
        )
    else:
        expression = _fts5_query(query)
        if expression is None:
            return []
        # The cohort is a word of its own column, so the index itself finds only this cohort's posts.
        expression = f'cohort : "{cohort_word(cohort_id)}" AND {{title content advice}} : ({expression})'
        index = table(SEARCH_TABLE, column("rowid"))
        whole_table = literal_column(SEARCH_TABLE)
        key = index.c.rowid
        match = whole_table.op("MATCH")(expression)
        # Title, the post's own text, its advice, and nothing for the cohort's word, which every row
        # of the cohort holds.
        score = func.bm25(
            whole_table, literal_column("4.0"), literal_column("1.0"), literal_column("1.0"), literal_column("0.0")
        )
        # From the post's own text (column 1), as on PostgreSQL: the title is already on the result.
        snippet = func.snippet(whole_table, 1, MARK_START, MARK_END, "…", 24)
        snippet_needs = (match,)
        # "+ 0" keeps SQLite from looking each result up in the index by its rowid, which reads a
        # prefix's every match again per result: it reads them once, in the rowid range below.
        joined_key = key + 0

    # Newest first, the index stops after ``candidates`` matches; the oldest of them bounds the ranking.
    newest = (
        select(key.label("post_id"))
        .select_from(index)
        .join(Post, Post.id == key)
        .where(match, visible)
        .order_by(key.desc())
        .limit(candidates)
        .subquery()
    )
    ranked = (
        select(key.label("post_id"), score.label("score"))
        .select_from(index)
        .join(Post, Post.id == key)
        .where(match, visible, key >= select(func.min(newest.c.post_id)).scalar_subquery())
        .order_by(score, key.desc())
        .limit(limit)
        .offset(offset)
        .cte("ranked")
    )
    # Snippets only for the page's results: each is costly to make.
    rows = db.session.execute(
        select(Post, snippet)
        .options(joinedload(Post.author))
        .select_from(index)
        .join(ranked, ranked.c.post_id == joined_key)
        .join(Post, Post.id == key)
        .where(*snippet_needs, key >= select(func.min(ranked.c.post_id)).scalar_subquery())
        .order_by(ranked.c.score, key.desc())
    ).all()
    return [(post, highlight(raw or "")) for post, raw in rows]


def highlight(raw_snippet: str) -> Markup:
    """Escape a snippet, then turn the match markers into <mark>; a stray marker is dropped."""
    escaped = str(escape(raw_snippet))
    marked = re.sub(f"{MARK_START}(.*?){MARK_END}", r"<mark>\1</mark>", escaped, flags=re.S)
    return Markup(marked.replace(MARK_START, "").replace(MARK_END, ""))  # noqa: S704 (escaped above)

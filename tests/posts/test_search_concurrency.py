"""Replies to one post saved at the same moment: every save lands, and the search index has them all.

Run in the PostgreSQL pass only: SQLite lets one writer in at a time, so it cannot race here."""

import re
import threading

import pytest
from sqlalchemy import text

from cohort.extensions import db
from cohort.models import Post, Reply
from cohort.posts import ops

from .. import factories
from .helpers import add_member, make_post, make_reply, user

pytestmark = pytest.mark.postgresql

# Enough for the race to show: before the index locked the post, most rounds with an edit failed.
ROUNDS = 30


def _add(post: Post, reply: Reply, author, body: str) -> None:
    ops.add_reply(author, post, body)


def _edit(post: Post, reply: Reply, author, body: str) -> None:
    ops.edit_reply(author, reply, body)


def _save(app, barrier, failures, write, post_id: int, reply_id: int, email: str, body: str) -> None:
    """One save in its own app context, so its own session and connection, as a request has."""
    with app.app_context():
        post, reply = db.session.get(Post, post_id), db.session.get(Reply, reply_id)
        author = factories.member_of(user(email), post.cohort_id)
        barrier.wait()
        try:
            write(post, reply, author, body)
            db.session.commit()
        except Exception as error:  # a failed save is what this test looks for: report it
            failures.append(repr(error))


def _indexed_advice(app, post_id: int) -> list[str]:
    with app.app_context():
        statement = text("SELECT advice FROM post_search WHERE post_id = :id")
        return list(db.session.execute(statement, {"id": post_id}).scalars())


@pytest.mark.parametrize(
    "first, second",
    [(_add, _add), (_add, _edit), (_edit, _edit)],
    ids=["two replies added", "a reply added as another is edited", "two replies edited"],
)
def test_concurrent_reply_saves_all_reach_the_search_index(app, people, client, first, second):
    other = add_member(app, people)
    failed_rounds = []
    for round_number in range(ROUNDS):
        post_id = make_post(app, people, people.member, title=f"Bed flow, round {round_number}")
        drafts = [make_reply(app, post_id, email, "A first thought.") for email in (people.facilitator, other)]
        barrier, failures = threading.Barrier(2), []
        saves = [
            (first, post_id, drafts[0], people.facilitator, "Try a discharge lounge."),
            (second, post_id, drafts[1], other, "Try criteria-led rounds."),
        ]
        threads = [threading.Thread(target=_save, args=(app, barrier, failures, *save)) for save in saves]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rows = _indexed_advice(app, post_id)
        if failures or len(rows) != 1 or not ("discharge lounge" in rows[0] and "criteria-led rounds" in rows[0]):
            failed_rounds.append((round_number, failures, rows))
    assert failed_rounds == [], f"{len(failed_rounds)} of {ROUNDS} rounds failed; the first: {failed_rounds[0]}"
    client.login(people.member)
    for word in ("lounge", "criteria"):
        found = []
        for page in (1, 2):
            answer = client.get(f"/c/{people.slug}/posts/", query_string={"q": word, "page": page}).text
            found += re.findall(r">Bed flow, round (\d+)</a>", answer)
        assert sorted(map(int, found)) == list(range(ROUNDS)), word

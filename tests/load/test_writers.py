"""Sixteen members writing at once through gunicorn, each from a process of their own, 200 replies
each across sixteen threads: every reply lands once, no request fails, and everything kept beside the
replies (the counts members read, the search index, the threads' last activity, the notifications)
agrees with the rows. Runs in both passes: SQLite's single writer and PostgreSQL's row locks differ."""

import multiprocessing

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

from cohort.extensions import db
from cohort.models import Notification, NotificationKind, Post, Reply
from cohort.posts import ops as post_ops

from .. import factories
from .traffic import Member, write_replies

WRITERS = 16
REPLIES_EACH = 200
THREADS = 16


@pytest.fixture(scope="module")
def site(live):
    """A cohort whose facilitator started sixteen threads, each with a first reply by another member,
    and sixteen writers."""
    with live.app.app_context():
        cohort = factories.make_cohort(slug="writers")
        facilitator = factories.make_member(cohort, role=factories.Role.FACILITATOR)
        first_replier = factories.make_member(cohort)
        writers = [factories.make_member(cohort).user.email for _ in range(WRITERS)]
        posts = [factories.make_post(cohort, facilitator.user, title=f"Thread {n}") for n in range(THREADS)]
        db.session.commit()
        first_replies = {
            post.id: post_ops.add_reply(first_replier, post, "The first reply: what did the staff say?").id
            for post in posts
        }
        db.session.commit()
        details = {
            "slug": cohort.slug,
            "facilitator": facilitator.user.email,
            "writers": writers,
            "posts": [post.id for post in posts],
            "first_replies": first_replies,
        }
    return live.app, live.base, details


def _run_writers(base: str, details: dict) -> list[dict]:
    """Start the writers, each in a process of its own, released together once all have signed in."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WRITERS), context.Queue()
    jobs = [
        {
            "base": base,
            "slug": details["slug"],
            "email": email,
            "password": factories.TEST_PASSWORD,
            "posts": details["posts"],
            "first_replies": details["first_replies"],
            "offset": number,
            "replies": REPLIES_EACH,
            "marker": f"writer{number}",
        }
        for number, email in enumerate(details["writers"])
    ]
    processes = [context.Process(target=write_replies, args=(job, barrier, results)) for job in jobs]
    for process in processes:
        process.start()
    summaries = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return summaries


def test_sixteen_writers_at_once_every_reply_lands_once_and_every_count_agrees(site):
    app, base, details = site
    summaries = _run_writers(base, details)

    # Every answer was the sign-in's or the reply's redirect: nothing refused, failed or lost.
    statuses = {}
    for summary in summaries:
        for status, count in summary["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    assert statuses == {302: WRITERS * (REPLIES_EACH + 1)}, statuses
    assert sum(summary["to_post"] + summary["to_reply"] for summary in summaries) == WRITERS * REPLIES_EACH

    with app.app_context():
        writer_replies = select(Reply).where(Reply.author_id.not_in(_authors_of_first_replies(details)))
        rows = db.session.scalar(select(func.count()).select_from(writer_replies.subquery()))
        assert rows == WRITERS * REPLIES_EACH
        by_writer = db.session.execute(select(Reply.author_id, func.count()).group_by(Reply.author_id)).all()
        assert sorted(count for _, count in by_writer) == [THREADS] + [REPLIES_EACH] * WRITERS
        to_replies = db.session.scalar(select(func.count()).select_from(Reply).where(Reply.parent_id.is_not(None)))
        assert to_replies == sum(summary["to_reply"] for summary in summaries)

        per_post = dict(db.session.execute(select(Reply.post_id, func.count()).group_by(Reply.post_id)).all())
        assert sum(per_post.values()) == WRITERS * REPLIES_EACH + THREADS
        for post_id, count in per_post.items():
            # The search index holds each reply's words once.
            advice = _indexed_advice(post_id)
            assert advice.count(" says: try it.") == count - 1, post_id
            # The thread's last activity is no older than its newest reply, whichever commit came last.
            post = db.session.get(Post, post_id)
            newest = db.session.scalar(select(func.max(Reply.created_at)).where(Reply.post_id == post_id))
            assert post.last_activity_at >= newest

        # The post's author heard of every reply once; each reply's parent author of each reply to
        # theirs by someone else.
        told = dict(
            db.session.execute(
                select(Notification.kind, func.count())
                .where(Notification.kind.in_([NotificationKind.REPLY_TO_POST, NotificationKind.REPLY_TO_REPLY]))
                .group_by(Notification.kind)
            ).all()
        )
        parent = aliased(Reply)
        answered_others = db.session.scalar(
            select(func.count())
            .select_from(Reply)
            .join(parent, Reply.parent_id == parent.id)
            .where(parent.author_id != Reply.author_id)
        )
        assert told == {
            NotificationKind.REPLY_TO_POST: WRITERS * REPLIES_EACH + THREADS,
            NotificationKind.REPLY_TO_REPLY: answered_others,
        }

    # What members read: the posts list and each thread count the replies there are.
    reader = Member(base)
    assert reader.sign_in(details["facilitator"], factories.TEST_PASSWORD) == 302
    status, listing = reader.get(f"{base}/c/{details['slug']}/posts/")
    assert status == 200
    for post_id, count in per_post.items():
        assert f"· {count} replies" in listing
        status, thread = reader.get(f"{base}/c/{details['slug']}/posts/{post_id}")
        assert status == 200 and f"{count} replies" in thread


def _authors_of_first_replies(details: dict) -> list[int]:
    return list(
        db.session.scalars(select(Reply.author_id).where(Reply.id.in_(details["first_replies"].values())).distinct())
    )


def _indexed_advice(post_id: int) -> str:
    key = "post_id" if db.session.get_bind().dialect.name == "postgresql" else "rowid"
    # The key name is one of two constants; the id is a bound parameter.
    return db.session.scalar(text(f"SELECT advice FROM post_search WHERE {key} = :id"), {"id": post_id})  # noqa: S608

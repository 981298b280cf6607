"""Shortcuts for post tests: make posts and replies in the people fixture's cohort."""

from cohort.extensions import db
from cohort.models import Cohort, Post, PostKind, Reply, User, Visibility
from cohort.posts import ops

from .. import factories


def user(email: str) -> User:
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def make_post(app, people, author_email: str, **fields) -> int:
    """A post in the people's cohort (or another, with ``cohort_id``); returns its id."""
    with app.app_context():
        cohort = db.session.get(Cohort, fields.pop("cohort_id", people.cohort_id))
        post = factories.make_post(cohort, user(author_email), **fields)
        db.session.commit()
        return post.id


def make_reply(app, post_id: int, author_email: str, body: str, parent_id: int | None = None) -> int:
    with app.app_context():
        post = db.session.get(Post, post_id)
        parent = db.session.get(Reply, parent_id) if parent_id else None
        reply = ops.add_reply(factories.member_of(user(author_email), post.cohort_id), post, body, parent)
        db.session.commit()
        return reply.id


def add_member(app, people, **user_fields) -> str:
    """Another member of the people's cohort; returns the email."""
    with app.app_context():
        membership = factories.make_member(db.session.get(Cohort, people.cohort_id), factories.make_user(**user_fields))
        db.session.commit()
        return membership.user.email


__all__ = ["PostKind", "Visibility"]

"""Each post keeps how many replies others gave it (shown, and hidden by a facilitator): every
operation that adds, deletes, hides or restores a reply keeps the counts equal to the rows, and
the cohort home's "waiting for advice" reads them."""

import random

import pytest
from sqlalchemy import func, select

from cohort.auth import ops as auth_ops
from cohort.extensions import db
from cohort.models import Cohort, Membership, Post, PostKind, Reply, Role
from cohort.moderation import ops as moderation_ops
from cohort.policy import Refused
from cohort.posts import ops

from .. import factories
from ..conftest import TEST_PASSWORD


def _counted(post_id: int) -> tuple[int, int]:
    db.session.expire_all()
    post = db.session.get(Post, post_id)
    return post.advice_count, post.hidden_advice_count


def _rows(post_id: int) -> tuple[int, int]:
    """The counts made from the rows themselves."""
    others = select(func.count(Reply.id)).join(Post, Post.id == Reply.post_id)
    others = others.where(Reply.post_id == post_id, Reply.author_id != Post.author_id, Reply.deleted_at.is_(None))
    return (
        db.session.scalar(others.where(Reply.hidden_at.is_(None))),
        db.session.scalar(others.where(Reply.hidden_at.is_not(None))),
    )


@pytest.fixture
def thread(app):
    """A challenge by its author, two advisors and a facilitator, in an app context."""
    with app.app_context():
        cohort = factories.make_cohort()
        author, first, second = (factories.make_member(cohort) for _ in range(3))
        facilitator = factories.make_member(cohort, role=Role.FACILITATOR)
        post = factories.make_post(cohort, author.user, kind=PostKind.CHALLENGE, title="Winter beds")
        db.session.commit()
        yield post.id, author, first, second, facilitator


def test_each_operation_on_a_reply_keeps_the_counts_equal_to_the_rows(thread):
    post_id, author, first, second, facilitator = thread
    post = db.session.get(Post, post_id)
    steps = []

    def step(name, action):
        action()
        db.session.commit()
        steps.append((name, _counted(post_id), _rows(post_id)))

    own = ops.add_reply(author, post, "A note from the author")
    step("the author's own reply", lambda: None)
    advice = ops.add_reply(first, post, "Open a discharge lounge")
    step("advice", lambda: None)
    answer = ops.add_reply(second, post, "Which wards first?", advice)
    step("a reply to the advice", lambda: None)
    step("hidden", lambda: moderation_ops.hide(facilitator, db.session.get(Reply, advice.id)))
    step("hidden again (refused)", lambda: pytest.raises(Refused, moderation_ops.hide, facilitator, advice))
    step("restored", lambda: moderation_ops.restore(facilitator, db.session.get(Reply, advice.id)))
    step("hidden once more", lambda: moderation_ops.hide(facilitator, db.session.get(Reply, advice.id)))
    step("the author deletes their note", lambda: ops.delete_reply(author, db.session.get(Reply, own.id)))
    step("an advisor deletes theirs", lambda: ops.delete_reply(second, db.session.get(Reply, answer.id)))
    ops.add_reply(second, post, "Try a weekend rota")
    step("advice again", lambda: None)
    step(
        "an advisor deletes their account and words",
        lambda: auth_ops.delete_account(db.session.merge(second.user), TEST_PASSWORD, keep_words=False),
    )
    step("the hidden advice restored", lambda: moderation_ops.restore(facilitator, db.session.get(Reply, advice.id)))
    assert [(name, counted) for name, counted, rows in steps if counted != rows] == []
    expected = [(0, 0), (1, 0), (2, 0), (1, 1), (1, 1), (2, 0), (1, 1), (1, 1), (0, 1), (1, 1), (0, 1), (1, 0)]
    assert [counted for _name, counted, _rows in steps] == expected


def test_any_order_of_operations_keeps_the_counts_equal_to_the_rows(thread):
    post_id, author, first, second, facilitator = thread
    rng = random.Random(20261203)  # noqa: S311 (a fixed order of operations, not a secret)
    writers = [author, first, second, facilitator]
    for _ in range(60):
        post = db.session.get(Post, post_id)
        replies = db.session.scalars(select(Reply).where(Reply.post_id == post_id)).all()
        target = rng.choice(replies) if replies else None
        action = rng.choice(["reply", "reply", "delete", "hide", "restore"]) if target else "reply"
        try:
            if action == "reply":
                ops.add_reply(rng.choice(writers), post, "Advice", target if target and rng.random() < 0.5 else None)
            elif action == "delete":
                writer = next(m for m in writers if m.user_id == target.author_id)
                ops.delete_reply(writer, target)
            elif action == "hide":
                moderation_ops.hide(facilitator, target)
            else:
                moderation_ops.restore(facilitator, target)
        except Refused:
            db.session.rollback()
        else:
            db.session.commit()
        assert _counted(post_id) == _rows(post_id), action


def test_the_home_waits_for_advice_others_can_read(app, people, client):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        member = db.session.get(Membership, people.member_membership)
        facilitator = db.session.get(Membership, people.facilitator_membership)
        asker = factories.make_member(cohort)
        post = factories.make_post(cohort, asker.user, kind=PostKind.CHALLENGE, title="Rota gaps")
        advice = ops.add_reply(member, post, "Ask the bank staff first")
        db.session.commit()
        advice_id = advice.id

    def waiting(email: str) -> bool:
        client.login(email)
        home = client.get(f"/c/{people.slug}/").text
        client.logout()
        return "Rota gaps" in home.split('aria-labelledby="waiting-heading"', 1)[1].split("</section>", 1)[0]

    assert (waiting(people.member), waiting(people.facilitator)) == (False, False)
    with app.app_context():
        moderation_ops.hide(db.session.merge(facilitator), db.session.get(Reply, advice_id))
        db.session.commit()
    # Hidden advice helps no member; the facilitators, who can read it, see it answered.
    assert (waiting(people.member), waiting(people.facilitator)) == (True, False)
    with app.app_context():
        moderation_ops.restore(db.session.merge(facilitator), db.session.get(Reply, advice_id))
        db.session.commit()
    assert (waiting(people.member), waiting(people.facilitator)) == (False, False)
    with app.app_context():
        ops.delete_reply(db.session.merge(member), db.session.get(Reply, advice_id))
        db.session.commit()
    assert (waiting(people.member), waiting(people.facilitator)) == (True, True)

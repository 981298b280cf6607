"""Two requests at the same instant, each to its own gunicorn worker, each wanting what only one can
have: a single-use invitation joins one person once; two facilitators demoting each other leave one
facilitator. The other request is told why, in words, and nothing is half done. Each race is run
several times, on SQLite and on PostgreSQL."""

import threading
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.models import Invitation, Membership, Post, PostKind, Reply, Role, User, utcnow
from cohort.posts import ops as post_ops
from cohort.tokens import invitation_token

from .. import factories
from ..live import CSRF
from .traffic import Member

ROUNDS = 10
USED = "This invitation has already been used."
LAST_FACILITATOR = "A cohort always needs a facilitator"
NOT_PERMITTED = "Not permitted"


def _at_once(*calls) -> list:
    """Run each call in a thread of its own, released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _signed_in(live, email: str) -> Member:
    member = Member(live.base)
    assert member.sign_in(email, factories.TEST_PASSWORD) == 302
    return member


@pytest.fixture(scope="module")
def cohort(live):
    """A cohort with its facilitator; its slug and id."""
    with live.app.app_context():
        made = factories.make_cohort()
        facilitator = factories.make_member(made, role=Role.FACILITATOR)
        db.session.commit()
        return {"slug": made.slug, "id": made.id, "facilitator_id": facilitator.id}


def _single_use_link(live, cohort: dict) -> tuple[int, str]:
    with live.app.app_context():
        facilitator = db.session.get(Membership, cohort["facilitator_id"])
        invitation = cohort_ops.create_invitation_link(facilitator, expires_at=utcnow() + timedelta(days=1), max_uses=1)
        db.session.commit()
        return invitation.id, invitation_token(invitation.id, invitation.key)


def test_two_people_accepting_one_single_use_link_at_once_make_one_membership(live, cohort):
    failed = []
    for round_number in range(ROUNDS):
        with live.app.app_context():
            emails = [factories.make_user().email for _ in range(2)]
            db.session.commit()
        people = [_signed_in(live, email) for email in emails]
        invitation_id, token = _single_use_link(live, cohort)
        answers = _at_once(*[partial(person.send, f"/invite/{token}", {}) for person in people])
        statuses = sorted(status for status, _ in answers)
        refusal = next((page for status, page in answers if status != 302), "")
        with live.app.app_context():
            joined = db.session.scalar(
                select(func.count())
                .select_from(Membership)
                .join(User)
                .where(Membership.cohort_id == cohort["id"], User.email.in_(emails))
            )
            uses = db.session.get(Invitation, invitation_id).use_count
        if statuses != [302, 410] or USED not in refusal or joined != 1 or uses != 1:
            failed.append((round_number, statuses, joined, uses))
    assert failed == [], f"{len(failed)} of {ROUNDS} rounds failed; the first: {failed[0]}"


def test_two_tabs_joining_by_one_emailed_invitation_at_once_make_one_account(live, cohort):
    """A new person sends the join form from two tabs: one account, one membership, one use; the
    other tab is told the invitation is used, or the address has an account."""
    failed = []
    for round_number in range(ROUNDS):
        email = f"two-tabs-{round_number}@trust.example.org"
        with live.app.app_context():
            facilitator = db.session.get(Membership, cohort["facilitator_id"])
            (invitation,) = cohort_ops.invite_by_email(facilitator, [email])
            db.session.commit()
            invitation_id, token = invitation.id, invitation_token(invitation.id, invitation.key)
        tabs = [Member(live.base), Member(live.base)]
        for tab in tabs:
            _, page = tab.get(f"{live.base}/invite/{token}")
            tab.token = CSRF.search(page).group(1)
        form = {
            "name": "Alex Two-Tabs",
            "organisation": "Trust",
            "job_title": "Chief Executive",
            "timezone": "Europe/London",
            "password": "a long enough password, twice",
            "confirm": "a long enough password, twice",
            "email": email,
        }
        answers = _at_once(*[partial(tab.send, f"/invite/{token}", form) for tab in tabs])
        statuses = sorted(status for status, _ in answers)
        with live.app.app_context():
            accounts = db.session.scalars(select(User.id).where(User.email == email)).all()
            joined = db.session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.cohort_id == cohort["id"], Membership.user_id.in_(accounts))
            )
            uses = db.session.get(Invitation, invitation_id).use_count
        if statuses[0] != 302 or statuses[1] not in (410, 422) or (len(accounts), joined, uses) != (1, 1, 1):
            failed.append((round_number, statuses, len(accounts), joined, uses))
    assert failed == [], f"{len(failed)} of {ROUNDS} rounds failed; the first: {failed[0]}"


def test_two_facilitators_demoting_each_other_at_once_leave_one(live):
    with live.app.app_context():
        users = [factories.make_user() for _ in range(2)]
        db.session.commit()
        emails = [user.email for user in users]
    first, second = (_signed_in(live, email) for email in emails)
    failed = []
    for round_number in range(ROUNDS):
        with live.app.app_context():
            made = factories.make_cohort()
            memberships = [
                factories.make_member(made, db.session.get(User, user.id), role=Role.FACILITATOR) for user in users
            ]
            db.session.commit()
            slug, ids = made.slug, [membership.id for membership in memberships]
        # Each demotes the other.
        answers = _at_once(
            partial(first.send, f"/c/{slug}/members/{ids[1]}/role", {"role": "member"}),
            partial(second.send, f"/c/{slug}/members/{ids[0]}/role", {"role": "member"}),
        )
        with live.app.app_context():
            roles = db.session.scalars(select(Membership.role).where(Membership.id.in_(ids))).all()
        told = [_what_they_read(person, slug, answer) for person, answer in zip((first, second), answers, strict=True)]
        if sorted(roles) != [Role.FACILITATOR, Role.MEMBER] or sorted(told) != sorted(["done", "refused"]):
            failed.append((round_number, [status for status, _ in answers], roles, told))
    assert failed == [], f"{len(failed)} of {ROUNDS} rounds failed; the first: {failed[0]}"


def _what_they_read(person: Member, slug: str, answer: tuple[int, str]) -> str:
    """What the facilitator was told: "done", "refused" (the 403 page, or the members page saying the
    cohort needs a facilitator), or the status of anything else."""
    status, page = answer
    if status == 403 and NOT_PERMITTED in page:
        return "refused"
    if status != 302:
        return str(status)
    status, page = person.get(f"{person.base}/c/{slug}/members")
    if LAST_FACILITATOR in page:
        return "refused"
    return "done" if "is now a member." in page else f"302 then {status}"


def test_an_author_deleting_advice_as_a_facilitator_hides_it_leaves_the_counts_true(live):
    """Both change what the post's advice counts hold: each must count from what the other left, not
    from what both read before either wrote (on SQLite, the row lock PostgreSQL takes is an immediate
    transaction)."""
    with live.app.app_context():
        made = factories.make_cohort()
        facilitator = factories.make_member(made, role=Role.FACILITATOR)
        asker, adviser = factories.make_member(made), factories.make_member(made)
        db.session.commit()
        slug, emails = made.slug, [adviser.user.email, facilitator.user.email]
        asker_user, adviser_user = asker.user, adviser.user
        rounds = []
        for _ in range(ROUNDS):
            post = factories.make_post(made, asker_user, kind=PostKind.CHALLENGE)
            reply = post_ops.add_reply(factories.member_of(adviser_user, made), post, "Try a virtual clinic first.")
            db.session.commit()
            rounds.append((post.id, reply.id))
    author, moderator = (_signed_in(live, email) for email in emails)
    failed = []
    for round_number, (post_id, reply_id) in enumerate(rounds):
        path = f"/c/{slug}/posts/{post_id}/replies/{reply_id}"
        answers = _at_once(partial(author.send, f"{path}/delete", {}), partial(moderator.send, f"{path}/hide", {}))
        with live.app.app_context():
            post, reply = db.session.get(Post, post_id), db.session.get(Reply, reply_id)
            counts = (post.advice_count, post.hidden_advice_count)
            # Whoever came second may have been refused (404: hidden from its author, or deleted).
            rows = (0, 0) if reply.deleted_at else (0, 1) if reply.hidden_at else (1, 0)
        if counts != rows or any(status >= 500 for status, _ in answers):
            failed.append((round_number, [status for status, _ in answers], counts, rows))
    assert failed == [], f"{len(failed)} of {ROUNDS} rounds failed; the first: {failed[0]}"

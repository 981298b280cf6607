"""Two namesakes whose accounts are made at the same moment get two handles, and neither fails; a
handle left at the moment someone else asks for it stays with the one who left it.

Run in the PostgreSQL pass only: SQLite lets one writer in at a time, so it cannot race here."""

import threading
import time

import pytest
from sqlalchemy import select, text

from cohort import handles
from cohort.auth import ops
from cohort.extensions import db
from cohort.models import FormerHandle, User, utcnow
from cohort.policy import Refused

from .. import factories

pytestmark = pytest.mark.postgresql

ROUNDS = 10


def test_namesakes_joining_at_once_get_two_handles(app, monkeypatch):
    """Both look the handle up before either saves it, as when two requests arrive together: the
    unique index makes the second wait for the first, then refuse it, and it takes the next number."""
    looked_up, mine = handles._taken, threading.local()
    meeting = {}

    def look_then_wait_for_the_other(wanted, *args):
        taken = looked_up(wanted, *args)
        if not getattr(mine, "waited", False):
            mine.waited = True
            meeting["barrier"].wait(timeout=20)
        return taken

    monkeypatch.setattr(handles, "_taken", look_then_wait_for_the_other)

    def make(name: str, email: str, failures: list) -> None:
        with app.app_context():
            try:
                user = User(email=email, name=name, password_hash="x", email_confirmed_at=utcnow())
                handles.save_with_handle(user)
                db.session.commit()
            except Exception as error:  # what this test looks for: a clash that reached the person
                failures.append(repr(error))
                db.session.rollback()

    failed = []
    for round_number in range(ROUNDS):
        name, failures = f"Grace Adeyemi {round_number}", []
        meeting["barrier"] = threading.Barrier(2)
        threads = [
            threading.Thread(target=make, args=(name, f"grace{round_number}.{n}@lakeside.example", failures))
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            made = sorted(db.session.execute(select(User.handle).filter_by(name=name)).scalars())
        base = handles.handle_from_name(name)
        if failures or made != [base, handles.numbered(base, 2)]:
            failed.append((round_number, failures, made))
    assert failed == [], f"{len(failed)} of {ROUNDS} rounds failed; the first: {failed[0]}"


def _waiting_on_a_lock(app) -> bool:
    with app.app_context():
        waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return db.session.execute(waiting).scalar_one() > 0


def _leave(app, user_id: int, new: str, released: threading.Event, may_commit: threading.Event) -> None:
    with app.app_context():
        ops.change_handle(db.session.get(User, user_id), new)
        released.set()
        may_commit.wait(timeout=20)
        db.session.commit()


def _ask(app, user_id: int, wanted: str, released: threading.Event, told: list) -> None:
    released.wait(timeout=20)
    with app.app_context():
        try:
            ops.change_handle(db.session.get(User, user_id), wanted)
            db.session.commit()
        except Refused as refusal:
            told.append(str(refusal))
            db.session.rollback()


def test_a_handle_left_while_someone_else_asks_for_it_stays_with_who_left_it(app, monkeypatch):
    """Alice leaves @alice for @ally and, before she commits, Bob asks for @alice and his look-up finds
    it free: his save waits for her commit, then sees she still holds it as her former handle."""
    looked_up, blind = handles._taken, threading.local()

    def blind_for_bob_the_first_time(wanted, *args):
        if threading.current_thread().name == "bob" and not getattr(blind, "done", False):
            blind.done = True
            return set()
        return looked_up(wanted, *args)

    monkeypatch.setattr(handles, "_taken", blind_for_bob_the_first_time)
    failed = []
    for round_number in range(ROUNDS):
        with app.app_context():
            alice = factories.make_user(name=f"Alice {round_number}")
            bob = factories.make_user(name=f"Bob {round_number}")
            db.session.commit()
            alice_id, bob_id, left, bobs = alice.id, bob.id, alice.handle, bob.handle
        released, may_commit, bob_told = threading.Event(), threading.Event(), []
        threads = [
            threading.Thread(target=_leave, args=(app, alice_id, f"ally-{round_number}", released, may_commit)),
            threading.Thread(target=_ask, args=(app, bob_id, left, released, bob_told), name="bob"),
        ]
        for thread in threads:
            thread.start()
        released.wait(timeout=20)
        deadline = time.monotonic() + 10
        while not _waiting_on_a_lock(app) and time.monotonic() < deadline:
            time.sleep(0.01)  # until Bob's save waits for Alice's commit
        may_commit.set()
        for thread in threads:
            thread.join()
        with app.app_context():
            holders = (
                db.session.get(User, bob_id).handle,
                db.session.scalar(select(FormerHandle.user_id).filter_by(handle=left)),
            )
        if holders != (bobs, alice_id) or len(bob_told) != 1:
            failed.append((round_number, holders, bob_told))
    assert failed == [], f"{len(failed)} of {ROUNDS} rounds failed; the first: {failed[0]}"

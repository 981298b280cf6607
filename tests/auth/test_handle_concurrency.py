"""Two namesakes whose accounts are made at the same moment get two handles, and neither fails.

Run in the PostgreSQL pass only: SQLite lets one writer in at a time, so it cannot race here."""

import threading

import pytest
from sqlalchemy import select

from cohort import handles
from cohort.extensions import db
from cohort.models import User, utcnow

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

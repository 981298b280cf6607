"""Two facilitators adding the same value to their cohort at the same moment: one adds it, the other
is told the cohort already has it. Never an error page, never the value twice, in any letter case.

Both databases race here: SQLite's deferred transactions read before they wait for the write lock."""

import threading

import pytest

from cohort.extensions import db
from cohort.models import Cohort, CohortValue
from cohort.policy import Refused
from cohort.recognition import ops

from .. import factories
from .helpers import user

ROUNDS = 30
HTTP_ROUNDS = 10
ALREADY = "The cohort already has this value."
NAMES = pytest.mark.parametrize(
    "first, second", [("Courage", "Courage"), ("Courage", "courage")], ids=["the same name", "names differing in case"]
)


@pytest.fixture
def facilitators(app, people) -> list[str]:
    """The emails of two facilitators of the people's cohort."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        second = factories.make_member(cohort, role=factories.Role.FACILITATOR)
        db.session.commit()
        return [people.facilitator, second.user.email]


def _values_like(app, cohort_id: int, name: str) -> list[str]:
    with app.app_context():
        statement = db.select(CohortValue.name).where(
            CohortValue.cohort_id == cohort_id, db.func.lower(CohortValue.name) == name.lower()
        )
        return list(db.session.execute(statement).scalars())


def _run_together(*calls) -> None:
    threads = [threading.Thread(target=call, args=args) for call, *args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _add(app, barrier, outcomes, email: str, cohort_id: int, name: str) -> None:
    """One facilitator adds a value in their own app context, so their own session and connection."""
    with app.app_context():
        actor = factories.member_of(user(email), cohort_id)
        barrier.wait()
        try:
            ops.add_value(actor, name)
            db.session.commit()
            outcomes.append("added")
        except Refused as refusal:
            db.session.rollback()
            outcomes.append(str(refusal))
        except Exception as error:  # anything else is the defect this test looks for: report it
            outcomes.append(repr(error))


def _post(barrier, answers, client, url: str, token: str, name: str) -> None:
    """One facilitator sends the values form; the answer is its status, and the message if it says so."""
    barrier.wait()
    try:
        response = client.post(url, data={"name": name, "csrf_token": token})
    except Exception as error:  # an error page, raised under testing: report it
        answers.append(repr(error))
    else:
        answers.append(f"{response.status_code} {ALREADY if ALREADY in response.text else ''}".strip())


@NAMES
def test_two_facilitators_adding_one_value_at_once_add_it_once(app, people, facilitators, first, second):
    failed_rounds = []
    for round_number in range(ROUNDS):
        names = [f"{first} {round_number}", f"{second} {round_number}"]
        barrier, outcomes = threading.Barrier(2, timeout=30), []
        _run_together(
            *[
                (_add, app, barrier, outcomes, email, people.cohort_id, name)
                for email, name in zip(facilitators, names, strict=True)
            ]
        )
        values = _values_like(app, people.cohort_id, names[0])
        if sorted(outcomes) != sorted(["added", ALREADY]) or len(values) != 1:
            failed_rounds.append((round_number, outcomes, values))
    assert failed_rounds == [], f"{len(failed_rounds)} of {ROUNDS} rounds failed; the first: {failed_rounds[0]}"


@NAMES
def test_through_the_page_the_second_is_told_the_cohort_has_it(app, people, facilitators, first, second):
    clients = [app.test_client() for _ in facilitators]
    for client, email in zip(clients, facilitators, strict=True):
        client.login(email)
    tokens = [client.csrf_token() for client in clients]
    url = f"/c/{people.slug}/values"
    failed_rounds = []
    for round_number in range(HTTP_ROUNDS):
        names = [f"{first} {round_number}", f"{second} {round_number}"]
        barrier, answers = threading.Barrier(2, timeout=30), []
        _run_together(
            *[
                (_post, barrier, answers, client, url, token, name)
                for client, token, name in zip(clients, tokens, names, strict=True)
            ]
        )
        values = _values_like(app, people.cohort_id, names[0])
        if sorted(answers) != ["302", f"422 {ALREADY}"] or len(values) != 1:
            failed_rounds.append((round_number, answers, values))
    assert failed_rounds == [], f"{len(failed_rounds)} of {HTTP_ROUNDS} rounds failed; the first: {failed_rounds[0]}"
    page = clients[0].get(url).text
    for round_number in range(HTTP_ROUNDS):
        shown = {name for name in (first, second) if f"<span>{name} {round_number}</span>" in page}
        assert len(shown) == 1

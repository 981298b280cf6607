"""Whatever is typed into a search box is searched for as text: query syntax of the index (FTS5 on SQLite,
tsquery on PostgreSQL) and LIKE wildcards never reach the database as syntax, and every input answers a
calm page. Runs in both database passes."""

import pytest

from cohort.extensions import db
from cohort.models import Cohort, User

from . import factories

HOSTILE = [
    "' OR 1=1--",
    '"',
    '""',
    '"unbalanced',
    "unbalanced'",
    "*",
    "NEAR",
    "NEAR(a b)",
    "NEAR(",
    "a AND b",
    "a OR",
    "NOT",
    "-x",
    "^",
    ":",
    "title:x",
    "(",
    ")",
    "{a b}",
    "%",
    "_",
    "50%",
    "bed_days",
    "\\",
    "a\\%",
    "'; DROP TABLE post; --",
    "🩺🏥",
    "👩🏽‍⚕️ clinic",
    "\u202eevil",
    "x" * 5000,
    "clinic " * 400,
    "<b>&amp;",
]


@pytest.fixture
def corpus(app, people):
    """Posts and people whose words tell a wildcard from a literal: 50% and 500, bed_days and bedXdays."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        author = db.session.execute(db.select(User).filter_by(email=people.member)).scalar_one()
        for title, body in (
            ("Cut waits by 50%", "Half the waiting list went."),
            ("Target of 500", "Five hundred referrals a month."),
            ("Counting bed_days", "The bed_days measure."),
            ("Counting bedXdays", "The bedXdays measure."),
            ("Clinic rota", "Huddles at eight."),
        ):
            factories.make_post(cohort, author, title=title, body=body)
        for name in ("Ann 50% Lee", "Bo 500 Kay", "Cy bed_days Ng", "Di bedXdays Fo"):
            factories.make_member(cohort, factories.make_user(name=name))
        admin = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        admin.is_admin = True
        db.session.commit()
    return people


def _titles(client, people, query: str) -> list[str]:
    response = client.get(f"/c/{people.slug}/posts/", query_string={"q": query})
    assert response.status_code == 200, query
    return [title for title in CORPUS_TITLES if f">{title}</a>" in response.text]


CORPUS_TITLES = ["Cut waits by 50%", "Target of 500", "Counting bed_days", "Counting bedXdays", "Clinic rota"]


def test_post_search_answers_every_input_with_a_calm_page(app, corpus, client):
    client.login(corpus.member)
    for query in HOSTILE:
        response = client.get(f"/c/{corpus.slug}/posts/", query_string={"q": query})
        assert response.status_code == 200, query
        assert " result" in response.text and "Search the cohort" in response.text, query
        assert "error" not in response.text.lower() and "syntax" not in response.text.lower(), query


def test_percent_and_underscore_in_post_search_are_not_wildcards(app, corpus, client):
    client.login(corpus.member)
    assert _titles(client, corpus, "50%") == ["Cut waits by 50%"]
    assert _titles(client, corpus, "bed_days") == ["Counting bed_days"]
    assert _titles(client, corpus, "%") == []
    assert _titles(client, corpus, "_") == []
    assert "Counting bedXdays" not in _titles(client, corpus, "bed%days")
    assert "Target of 500" not in _titles(client, corpus, "50_")


def test_search_operators_are_words_not_syntax(app, corpus, client):
    client.login(corpus.member)
    assert _titles(client, corpus, "clinic") == ["Clinic rota"]
    assert _titles(client, corpus, "clinic rota") == ["Clinic rota"]
    assert _titles(client, corpus, "NEAR(clinic rota)") == []  # NEAR is a word, and no post has it
    assert _titles(client, corpus, "clinic OR target") == []  # every word must match, OR included
    assert _titles(client, corpus, "-clinic") == ["Clinic rota"]  # not an exclusion
    assert _titles(client, corpus, '"clinic') == ["Clinic rota"]
    assert _titles(client, corpus, "' OR 1=1--") == []


def test_admin_people_search_answers_every_input_with_a_calm_page(app, corpus, client):
    client.login(corpus.facilitator)
    for query in HOSTILE:
        response = client.get("/admin/people", query_string={"q": query})
        assert response.status_code == 200, query
        assert "error" not in response.text.lower(), query


def _people(client, query: str) -> list[str]:
    response = client.get("/admin/people", query_string={"q": query})
    assert response.status_code == 200
    return [name for name in ("Ann 50% Lee", "Bo 500 Kay", "Cy bed_days Ng", "Di bedXdays Fo") if name in response.text]


def test_percent_and_underscore_in_the_people_search_are_not_wildcards(app, corpus, client):
    client.login(corpus.facilitator)
    assert _people(client, "50%") == ["Ann 50% Lee"]
    assert _people(client, "bed_days") == ["Cy bed_days Ng"]
    assert _people(client, "%") == ["Ann 50% Lee"]
    assert _people(client, "_") == ["Cy bed_days Ng"]
    assert _people(client, "5_0") == []


def test_mention_suggestions_answer_every_input_with_json(app, corpus, client):
    client.login(corpus.member)
    for query in HOSTILE:
        response = client.get(f"/c/{corpus.slug}/members/mentions", query_string={"q": query})
        assert response.status_code == 200 and response.mimetype == "application/json", query
        assert isinstance(response.json, list), query


def test_percent_and_underscore_in_mention_suggestions_are_not_wildcards(app, corpus, client):
    client.login(corpus.member)

    def names(typed):
        response = client.get(f"/c/{corpus.slug}/members/mentions", query_string={"q": typed})
        return [suggestion["name"] for suggestion in response.json]

    assert names("50%") == ["Ann 50% Lee"]
    assert names("bed_days") == ["Cy bed_days Ng"]
    assert names("%") == ["Ann 50% Lee"]
    assert names("_") == ["Cy bed_days Ng"]

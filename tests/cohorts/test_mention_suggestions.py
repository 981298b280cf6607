"""The members offered while typing @ in a cohort's text box: JSON for the page's own script."""

import pytest

from cohort.cohorts import ops
from cohort.extensions import db
from cohort.models import Cohort

from .. import factories


@pytest.fixture
def crowd(app, people):
    """Sarah, Samir, Tom and a former member Sam in the people's cohort; another Sarah elsewhere."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        for name in ("Sarah O'Neill", "Samir Haddad", "Tom Lindqvist"):
            factories.make_member(cohort, factories.make_user(name=name))
        factories.make_member(cohort, factories.make_user(name="Tessa Newcomer"), accepted=False)
        former = factories.make_member(cohort, factories.make_user(name="Sam Former"))
        ops.remove_membership(former, former)
        factories.make_member(db.session.get(Cohort, people.other_cohort_id), factories.make_user(name="Sarah Outside"))
        db.session.commit()
    return people


def _suggest(client, slug: str, typed: str):
    return client.get(f"/c/{slug}/members/mentions", query_string={"q": typed})


def test_members_whose_name_or_handle_has_the_letters(client, crowd):
    client.login(crowd.member)
    response = _suggest(client, crowd.slug, "sa")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json == [
        {"handle": "samir-haddad", "name": "Samir Haddad"},
        {"handle": "sarah-oneill", "name": "Sarah O'Neill"},
        {"handle": "tessa-newcomer", "name": "Tessa Newcomer"},  # not yet past the charter, but a member
    ]


def test_those_the_letters_start_come_first(client, crowd):
    client.login(crowd.member)
    assert [m["handle"] for m in _suggest(client, crowd.slug, "ssa").json] == ["tessa-newcomer"]
    assert [m["handle"] for m in _suggest(client, crowd.slug, "@T").json] == ["tessa-newcomer", "tom-lindqvist"]
    assert [m["handle"] for m in _suggest(client, crowd.slug, "neill").json] == ["sarah-oneill"]


def test_the_viewer_is_not_offered(app, client, crowd):
    with app.app_context():
        own = ops.find_user(crowd.member).handle
    client.login(crowd.member)
    assert own not in {m["handle"] for m in _suggest(client, crowd.slug, own).json}


@pytest.mark.parametrize("typed", ["", "   ", "@", "%", "_", "zz", "sa%"])
def test_nothing_typed_or_nothing_matching_offers_no_one(client, crowd, typed):
    client.login(crowd.member)
    assert _suggest(client, crowd.slug, typed).json == []


def test_at_most_eight_are_offered(app, client, people):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        for number in range(12):
            factories.make_member(cohort, factories.make_user(name=f"Alex Example {number:02}"))
        db.session.commit()
    client.login(people.member)
    found = _suggest(client, people.slug, "alex").json
    assert [m["name"] for m in found] == [f"Alex Example {number:02}" for number in range(8)]


def test_outsiders_get_the_404_of_a_missing_cohort(client, crowd):
    client.login(crowd.outsider)
    assert _suggest(client, crowd.slug, "sa").status_code == 404
    assert _suggest(client, "no-such-cohort", "sa").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, crowd):
    response = _suggest(client, crowd.slug, "sa")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_other_cohort_offers_its_own_members_only(client, crowd):
    client.login(crowd.outsider)
    assert _suggest(client, crowd.other_slug, "sa").json == [{"handle": "sarah-outside", "name": "Sarah Outside"}]


def test_a_fixed_few_queries_however_many_members(app, client, people, count_queries):
    client.login(people.facilitator)
    counts = []
    for size in (1, 20):
        with app.app_context():
            cohort = db.session.get(Cohort, people.cohort_id)
            for number in range(size):
                factories.make_member(cohort, factories.make_user(name=f"Sam Size{size} {number}"))
            db.session.commit()
        _suggest(client, people.slug, "sam")
        with count_queries() as statements:
            assert len(_suggest(client, people.slug, "sam").json) == {1: 1, 20: 8}[size]
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 5, counts

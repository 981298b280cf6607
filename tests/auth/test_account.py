"""The account page: a person's own details."""

import re

import pytest

from cohort.auth import ops
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.policy import Refused

from .. import factories


@pytest.fixture
def user_email(app):
    with app.app_context():
        user = factories.make_user(email="li.wei@harbourside.example.org")
        db.session.commit()
        return user.email


def test_account_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_update_details(client, user_email):
    client.login(user_email)
    response = client.post_form(
        "/account",
        {
            "name": "Li Wei",
            "organisation": "Harbourside Health",
            "job_title": "Chief Executive",
            "bio": "Nurse by training.",
            "timezone": "Australia/Sydney",
            "country": "AU",
        },
        follow_redirects=True,
    )
    assert "Your details have been saved." in response.text
    assert '<option selected value="AU">Australia</option>' in response.text
    assert 'value="Li Wei"' in response.text
    assert re.search(r'<option [^>]*selected value="Australia/Sydney">', response.text)
    assert "Nurse by training." in response.text


def test_unknown_time_zone_is_refused_and_input_kept(client, user_email):
    client.login(user_email)
    response = client.post_form(
        "/account",
        {
            "name": "Li Wei",
            "organisation": "Kept Org",
            "job_title": "",
            "bio": "My bio stays",
            "timezone": "Mars/Olympus",
        },
    )
    assert response.status_code == 422
    assert "Choose a time zone from the list." in response.text
    assert 'value="Kept Org"' in response.text
    assert "My bio stays" in response.text


def test_a_country_not_on_the_list_is_refused_and_input_kept(client, user_email):
    client.login(user_email)
    response = client.post_form(
        "/account",
        {"name": "Li Wei", "organisation": "Kept Org", "bio": "Kept", "timezone": "UTC", "country": "XX"},
    )
    assert response.status_code == 422
    assert "Not a valid choice." in response.text
    assert 'value="Kept Org"' in response.text


def test_user_text_is_escaped(client, user_email):
    client.login(user_email)
    client.post_form(
        "/account",
        {"name": "<script>alert(1)</script>", "organisation": "", "job_title": "", "bio": "", "timezone": "UTC"},
    )
    page = client.get("/account")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_details_are_saved_without_stray_spaces(client, user_email):
    client.login(user_email)
    client.post_form(
        "/account",
        {"name": "  Li Wei ", "organisation": " Harbourside Health", "job_title": "", "bio": "", "timezone": "UTC"},
    )
    page = client.get("/account").text
    assert 'value="Li Wei"' in page
    assert 'value="Harbourside Health"' in page


def test_the_account_operation_refuses_a_blank_name(app, user_email):
    """The operation, not only the form, keeps a name on every account: the directory shows it."""
    with app.app_context():
        user = cohort_ops.find_user(user_email)
        blank = ops.Profile(name="   ", organisation="", job_title="", bio="", timezone="UTC")
        with pytest.raises(Refused, match="Enter your name."):
            ops.update_profile(user, blank)

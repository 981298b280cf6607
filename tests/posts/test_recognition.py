"""Thanks naming the cohort's values, and the values facilitators keep."""

from cohort.extensions import db
from cohort.models import CohortValue

from .helpers import make_post, make_reply


def _value_id(app, people, name):
    with app.app_context():
        return db.session.execute(
            db.select(CohortValue.id).filter_by(cohort_id=people.cohort_id, name=name)
        ).scalar_one()


def test_new_cohorts_start_with_three_values(app, people, client):
    client.login(people.facilitator)
    page = client.get(f"/c/{people.slug}/values").text
    for value in ("Candour", "Respect", "Psychological safety"):
        assert value in page


def test_thanks_on_a_post_names_a_value_and_can_be_taken_back(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    url = f"/c/{people.slug}/posts/{post_id}/thanks"
    client.post_form(url, {"set": "1", "value_id": str(_value_id(app, people, "Candour"))})
    client.post_form(url, {"set": "1", "value_id": str(_value_id(app, people, "Candour"))})  # once per person
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Thanks (1)" in page and "for Candour" in page
    client.post_form(url, {"set": "0"})
    assert "Thanks (1)" not in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_thanks_on_a_reply_shows_who(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.facilitator, "Good advice")
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/thanks", {"set": "1"})
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    reply_html = page.split(f'id="reply-{reply_id}"', 1)[1].split("</li>", 1)[0]
    assert "Thanks (1)" in reply_html


def test_no_thanks_to_oneself_and_no_foreign_values(app, people, client):
    post_id = make_post(app, people, people.member)
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/thanks", {"set": "1"}, follow_redirects=True)
    assert "You cannot thank yourself." in response.text
    other_post = make_post(app, people, people.facilitator)
    with app.app_context():
        foreign_value = (
            db.session.execute(db.select(CohortValue.id).filter_by(cohort_id=people.other_cohort_id)).scalars().first()
        )
    response = client.post_form(
        f"/c/{people.slug}/posts/{other_post}/thanks", {"set": "1", "value_id": str(foreign_value)}
    )
    assert response.status_code == 404


def test_facilitators_keep_the_values(app, people, client):
    client.login(people.facilitator)
    url = f"/c/{people.slug}/values"
    assert "Added “Curiosity”." in client.post_form(url, {"name": "Curiosity"}, follow_redirects=True).text
    duplicate = client.post_form(url, {"name": "curiosity"})
    assert duplicate.status_code == 422 and "already has this value" in duplicate.text
    value_id = _value_id(app, people, "Curiosity")
    client.post_form(f"{url}/{value_id}/delete")
    assert "<span>Curiosity</span>" not in client.get(url).text
    member = app.test_client()
    member.login(people.member)
    assert member.get(url).status_code == 403

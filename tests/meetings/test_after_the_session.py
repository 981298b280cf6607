"""A past session as its members and facilitator read it, and what calendars carry."""

import pytest
from icalendar import Calendar

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import AgendaItem, Attendance, Meeting, Post, User
from cohort.policy import Refused

from .. import factories
from ..posts.helpers import PostKind, add_member, make_post
from .helpers import past_meeting, upcoming_meeting


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).filter_by(email=email)).scalar_one()


def test_who_came_names_the_attendees_and_leaves_out_later_members(app, people, client):
    meeting_id = past_meeting(app, people.cohort_id)
    with app.app_context():
        member_name = db.session.get(User, _user_id(app, people.member)).name
    newcomer = add_member(app, people, name="Nadia Newcomer")  # joined after the session
    client.login(people.facilitator)
    before = client.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert "Attendance was not recorded." in before and "No answers yet." not in before
    assert "Nadia Newcomer" not in before  # not offered for attendance, not listed as not answered
    client.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/attendance", {"attended": str(_user_id(app, people.member))}
    )
    reader = app.test_client()
    reader.login(newcomer)
    page = reader.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    member_link = f'<a class="person" href="/c/{people.slug}/members/{_user_id(app, people.member)}">{member_name}</a>'
    assert f"Attended (1):</strong> {member_link}" in page
    assert "No answers yet." not in page


def test_no_empty_feedback_heading_and_no_form_for_those_who_ran_it(app, people, client):
    meeting_id = past_meeting(app, people.cohort_id)
    client.login(people.facilitator)
    client.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/attendance",
        {"attended": [str(_user_id(app, people.member)), str(_user_id(app, people.facilitator))]},
    )
    own = client.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert "How useful was this session?" not in own and "No feedback yet." in own
    refused = client.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/feedback", {"rating": "5"}, follow_redirects=True
    )
    assert "Feedback is for those who attended" in refused.text
    absent = app.test_client()
    absent.login(add_member(app, people))
    page = absent.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert 'id="feedback-heading"' not in page


def _events(response) -> list:
    assert response.status_code == 200
    return Calendar.from_ical(response.data).walk("VEVENT")


def _feed(app, client, email: str) -> list:
    with app.app_context():
        token = db.session.execute(db.select(User.calendar_token).filter_by(email=email)).scalar_one()
    return _events(client.get(f"/calendar/{token}.ics"))


def test_a_sessions_calendar_file_lists_accepted_items_from_members(app, people, client):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    member = app.test_client()
    member.login(people.member)
    member.post_form(f"/c/{people.slug}/sessions/{meeting_id}/agenda", {"title": "Night-shift huddles", "post_id": "0"})
    member.post_form(f"/c/{people.slug}/sessions/{meeting_id}/agenda", {"title": "Still waiting", "post_id": "0"})
    client.login(people.facilitator)
    with app.app_context():
        item_id = db.session.execute(db.select(AgendaItem.id).filter_by(title="Night-shift huddles")).scalar_one()
    client.post_form(f"/c/{people.slug}/sessions/{meeting_id}/agenda/{item_id}/accept")
    (event,) = _events(member.get(f"/c/{people.slug}/sessions/{meeting_id}.ics"))
    description = str(event["description"])
    assert "1. Night-shift huddles" in description and "Still waiting" not in description
    (in_feed,) = _feed(app, app.test_client(), people.member)
    assert "1. Night-shift huddles" in str(in_feed["description"])


def test_the_personal_feed_leaves_out_sessions_answered_no(app, people, client):
    coming = upcoming_meeting(app, people.cohort_id)
    declined = upcoming_meeting(app, people.cohort_id)
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/sessions/{coming}/rsvp", {"response": "maybe"})
    client.post_form(f"/c/{people.slug}/sessions/{declined}/rsvp", {"response": "no"})
    anonymous = app.test_client()
    assert len(_feed(app, anonymous, people.member)) == 1
    assert len(_feed(app, anonymous, people.facilitator)) == 2


def test_attendance_cannot_name_someone_who_joined_after_the_session(app, people, client):
    meeting_id = past_meeting(app, people.cohort_id)
    newcomer = add_member(app, people)
    client.login(people.facilitator)
    ids = [str(_user_id(app, people.member)), str(_user_id(app, newcomer))]
    client.post_form(f"/c/{people.slug}/sessions/{meeting_id}/attendance", {"attended": ids})
    with app.app_context():
        recorded = set(db.session.execute(db.select(Attendance.user_id).filter_by(meeting_id=meeting_id)).scalars())
    assert recorded == {_user_id(app, people.member)}


def test_calendar_links_come_from_the_base_url_not_the_request(make_app, people):
    app = make_app(COHORT_BASE_URL="https://cohort.example.org")
    meeting_id = upcoming_meeting(app, people.cohort_id)
    client = app.test_client()
    client.login(people.member)
    (event,) = _events(client.get(f"/c/{people.slug}/sessions/{meeting_id}.ics"))
    assert str(event["url"]) == f"https://cohort.example.org/c/{people.slug}/sessions/{meeting_id}"
    (in_feed,) = _feed(app, app.test_client(), people.member)
    assert str(in_feed["url"]).startswith("https://cohort.example.org/")


def test_a_hidden_challenge_is_not_named_on_the_agenda_or_in_calendars(app, people, client):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Quietly troubling matter")
    client.login(people.facilitator)
    client.post_form(
        f"/c/{people.slug}/posts/{post_id}/propose",
        {"meeting_id": str(meeting_id), "title": "Quietly troubling matter"},
    )
    with app.app_context():
        item_id = db.session.execute(db.select(AgendaItem.id).filter_by(post_id=post_id)).scalar_one()
    client.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/notes", {"notes": "", f"item-{item_id}": "Discussed the rota gaps."}
    )
    client.post_form(f"/c/{people.slug}/posts/{post_id}/hide")
    reader = app.test_client()
    reader.login(add_member(app, people))
    page = reader.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert "Quietly troubling matter" not in page and "A challenge no longer shown here" in page
    assert "Discussed the rota gaps." not in page  # its notes discuss the challenge itself
    (event,) = _events(reader.get(f"/c/{people.slug}/sessions/{meeting_id}.ics"))
    assert "Quietly troubling matter" not in str(event["description"])
    assert "Quietly troubling matter" in client.get(f"/c/{people.slug}/sessions/{meeting_id}").text


def test_feedback_given_twice_says_so(app, people, client):
    meeting_id = past_meeting(app, people.cohort_id)
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/attendance", {"attended": str(_user_id(app, people.member))}
    )
    client.login(people.member)
    url = f"/c/{people.slug}/sessions/{meeting_id}/feedback"
    client.post_form(url, {"rating": "4"})
    again = client.post_form(url, {"rating": "2"}, follow_redirects=True)
    assert "You have already given feedback on this session" in again.text
    assert "Feedback is for those who attended" not in again.text


def test_the_operation_refuses_to_link_another_members_challenge(app, people):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    theirs = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    other = add_member(app, people)
    with app.app_context():
        actor = factories.member_of(cohort_ops.find_user(other), people.cohort_id)
        meeting, post = db.session.get(Meeting, meeting_id), db.session.get(Post, theirs)
        with pytest.raises(Refused) as refused:
            meeting_ops.propose_item(actor, meeting, "Not mine", post)
        assert refused.value.forbidden

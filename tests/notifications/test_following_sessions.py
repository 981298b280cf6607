"""A session I follow has news; opening a page marks what it answers read; mentions anywhere tell."""

import re

from sqlalchemy import func, select

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import (
    AgendaItem,
    Cohort,
    Delivery,
    Meeting,
    MeetingFollow,
    MessageStatus,
    Notification,
    NotificationKind,
    OutboxMessage,
)
from cohort.timezones import local_time

from .. import factories
from ..meetings.helpers import SERIES, schedule_series
from ..posts.helpers import add_member, make_post, user
from .test_notifications import _bell, _choose, _mail_to


def _session(app, people, title="December session") -> int:
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id), title=title)
        db.session.commit()
        return meeting.id


def _signed_in(app, email):
    client = app.test_client()
    client.login(email)
    return client


def _headlines(client) -> list[str]:
    page = client.get("/notifications").text
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'/open">(.*?)</a>', page, re.S)]


def _answer(client, people, meeting_id, response):
    client.post_form(f"/c/{people.slug}/sessions/{meeting_id}/rsvp", {"response": response})


def test_answering_yes_or_maybe_follows_a_session_whose_agenda_and_notes_then_reach_me(app, people, mailbox):
    meeting_id = _session(app, people)
    coming, declined, stopped, proposer = (add_member(app, people) for _ in range(4))
    _answer(_signed_in(app, coming), people, meeting_id, "maybe")
    _answer(_signed_in(app, declined), people, meeting_id, "no")
    quitter = _signed_in(app, stopped)
    _answer(quitter, people, meeting_id, "yes")
    assert "You follow this session" in quitter.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    quitter.post_form(f"/c/{people.slug}/sessions/{meeting_id}/follow", {"following": "0"})
    assert "Follow this session" in quitter.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    _answer(quitter, people, meeting_id, "yes")  # answering again does not follow again
    _choose(app, coming, NotificationKind.SESSION_NEWS, Delivery.IMMEDIATELY)
    mailbox.deliver()
    before = len(mailbox.messages)

    # A member proposes an item (and so follows); the facilitator accepts it: an item is added.
    _signed_in(app, proposer).post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/agenda", {"title": "Winter pressures", "post_id": "0"}
    )
    with app.app_context():
        item_id = db.session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id))
    sarah = _signed_in(app, people.facilitator)
    sarah.post_form(f"/c/{people.slug}/sessions/{meeting_id}/agenda/{item_id}/accept")
    sarah.post_form(f"/c/{people.slug}/sessions/{meeting_id}/notes", {"notes": "We agreed a winter plan."})

    news = f"News of December session{_when(app, meeting_id)}, which you follow"
    assert news in _headlines(_signed_in(app, coming))[0]  # both, on one line
    assert _news_told(app, coming, meeting_id) == ["agenda", "notes"]
    assert _news_told(app, proposer, meeting_id) == ["agenda", "notes"]  # the proposer hears it was accepted
    assert _news_told(app, declined, meeting_id) == _news_told(app, stopped, meeting_id) == []
    # News of a session reaches those who chose it at once by mail, threaded with the session's mail.
    mails = [message for message in mailbox.messages[before:] if message["to"] == coming]
    assert [mail["subject"].split("·")[0].strip() for mail in mails] == [
        "New on the agenda of December session" + _when(app, meeting_id),
        f"{user_name(app, people.facilitator)} recorded the notes of December session" + _when(app, meeting_id),
    ]
    assert all(mail["message"]["In-Reply-To"] == f"<session-{meeting_id}@cohort.test>" for mail in mails)
    assert all(f"/c/{people.slug}/sessions/{meeting_id}" in mail["body"] for mail in mails)


def _news_told(app, email, meeting_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.detail)
                .where(
                    Notification.user_id == user(email).id,
                    Notification.meeting_id == meeting_id,
                    Notification.kind == NotificationKind.SESSION_NEWS,
                )
                .order_by(Notification.id)
            )
        )


def user_name(app, email) -> str:
    with app.app_context():
        return user(email).name


def _when(app, meeting_id) -> str:
    """The ", Tue 8 Dec 15:00" a headline gives a session, in the reader's zone (UTC in these tests)."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        return f", {local_time(meeting.starts_at, 'UTC'):%a %-d %b %H:%M}"


def test_news_mailed_to_someone_who_stopped_following_before_it_left_is_withdrawn(app, people, mailbox):
    meeting_id = _session(app, people)
    tom = _signed_in(app, people.member)
    _answer(tom, people, meeting_id, "yes")
    _choose(app, people.member, NotificationKind.SESSION_NEWS, Delivery.IMMEDIATELY)
    mailbox.deliver()
    before = len(mailbox.messages)
    with app.app_context():
        sarah = factories.member_of(user(people.facilitator), people.cohort_id)
        meeting_ops.save_notes(sarah, db.session.get(Meeting, meeting_id), "Notes.", {})
        db.session.commit()
    tom.post_form(f"/c/{people.slug}/sessions/{meeting_id}/follow", {"following": "0"})
    mailbox.deliver()
    assert _mail_to(mailbox, people.member)[before:] == []
    with app.app_context():
        statuses = db.session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.kind == NotificationKind.SESSION_NEWS.value)
        ).all()
    assert statuses == [MessageStatus.WITHDRAWN]


def test_opening_a_session_or_its_pre_read_marks_its_notifications_read(app, people, mailbox):
    tom = _signed_in(app, people.member)
    assert _bell(tom) == 0
    first = _session(app, people, "December session")
    second = _session(app, people, "January session")
    assert _bell(tom) == 2  # two sessions scheduled
    tom.get(f"/c/{people.slug}/sessions/{first}")
    assert _bell(tom) == 1
    tom.get(f"/c/{people.slug}/sessions/{second}/pre-read")
    assert _bell(tom) == 0


def test_the_flags_and_members_pages_mark_the_facilitators_alerts_read(app, people, mailbox):
    post_id = make_post(app, people, people.member, title="Virtual fracture clinic")
    sarah = _signed_in(app, people.facilitator)
    outsider_of_the_post = _signed_in(app, add_member(app, people))
    outsider_of_the_post.post_form(f"/c/{people.slug}/posts/{post_id}/flag", {"reason": "Names a patient."})
    newcomer = add_member(app, people)
    with app.app_context():
        joining = factories.member_of(user(newcomer), people.cohort_id)
        joining.charter_accepted_at = None
        cohort_ops.accept_charter(joining)
        db.session.commit()
    before = _bell(sarah)  # the new post, the flag and the newcomer
    sarah.get(f"/c/{people.slug}/flags")
    assert _bell(sarah) == before - 1
    sarah.get(f"/c/{people.slug}/members")
    assert _bell(sarah) == before - 2
    # Opening a page that answers nothing writes nothing.
    with app.app_context():
        unread = db.session.scalar(select(func.count()).where(Notification.read_at.is_(None)))
    _signed_in(app, people.member).get(f"/c/{people.slug}/members")
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Notification.read_at.is_(None))) == unread


def test_a_mention_in_a_session_agenda_tells_the_member_named_once(app, people, mailbox):
    with app.app_context():
        tom = user(people.member).handle
    sarah = _signed_in(app, people.facilitator)
    (meeting_id,) = schedule_series(sarah, people.slug, repeat="none", agenda=f"1. Check-in\n2. @{tom} on theatres")
    page = _signed_in(app, people.member).get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert f">@{tom}</a>" in page
    told = [mail["subject"] for mail in _mail_to(mailbox, people.member) if "mentioned you" in mail["subject"]]
    assert told == [
        f"{user_name(app, people.facilitator)} mentioned you in the agenda of Monthly session"
        + _when(app, meeting_id)
        + f" · {_cohort_name(app, people)}"
    ]

    # Saving the agenda again, with the mention kept, tells nobody twice.
    edit = {**SERIES, "start_date": SERIES["start_date"], "agenda": f"1. Check-in\n2. @{tom} on theatres, then beds"}
    sarah.post_form(f"/c/{people.slug}/sessions/{meeting_id}/edit", {**edit, "scope": "this"})
    assert len([mail for mail in _mail_to(mailbox, people.member) if "mentioned you" in mail["subject"]]) == 1


def _cohort_name(app, people) -> str:
    with app.app_context():
        return db.session.get(Cohort, people.cohort_id).name


def test_a_mention_in_the_charter_tells_the_members_named_and_leads_to_the_charter(app, people, mailbox):
    with app.app_context():
        tom = user(people.member).handle
        outsider = user(people.outsider).handle
        cohort = db.session.get(Cohort, people.cohort_id)
        settings = {"name": cohort.name, "description": cohort.description, "timezone": cohort.timezone}
    sarah = _signed_in(app, people.facilitator)
    charter = f"We keep confidences. Ask @{tom} or @{outsider} about the rota."
    assert sarah.post_form(f"/c/{people.slug}/settings", {**settings, "charter": charter}).status_code == 302
    told = [mail for mail in mailbox.messages if "mentioned you" in mail["subject"]]
    assert [mail["to"] for mail in told] == [people.member]  # not the member of another cohort
    assert told[0]["subject"].startswith(f"{user_name(app, people.facilitator)} mentioned you in the charter of")
    assert f"/c/{people.slug}/charter" in told[0]["body"]
    tom_client = _signed_in(app, people.member)
    link = re.search(r'<a href="(/notifications/\d+/open)">', tom_client.get("/notifications").text)
    assert tom_client.get(link.group(1)).headers["Location"].endswith(f"/c/{people.slug}/charter")
    # Opening the charter itself marks the mention read.
    # Taken out and put back: a mention anew.
    sarah.post_form(f"/c/{people.slug}/settings", {**settings, "charter": "We keep confidences."})
    sarah.post_form(f"/c/{people.slug}/settings", {**settings, "charter": charter})
    assert _bell(tom_client) == 1
    tom_client.get(f"/c/{people.slug}/charter")
    assert _bell(tom_client) == 0


def test_following_a_session_needs_membership_of_its_cohort(app, people):
    meeting_id = _session(app, people)
    outsider = _signed_in(app, people.outsider)
    response = outsider.post_form(f"/c/{people.slug}/sessions/{meeting_id}/follow", {"following": "1"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingFollow)) == 0

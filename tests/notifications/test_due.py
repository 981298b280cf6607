"""What is due by time: the reminder the day before a session (its pre-read), and the outcome nudge."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select, update

from cohort.extensions import db
from cohort.mail.worker import queue_due
from cohort.meetings import ops as meeting_ops
from cohort.models import (
    ChallengeStatus,
    Cohort,
    Delivery,
    Meeting,
    Notification,
    NotificationKind,
    OutboxMessage,
    Post,
    Reply,
    RsvpResponse,
    utcnow,
)
from cohort.moderation import ops as moderation_ops
from cohort.notifications.due import queue_digests, queue_outcome_nudges, queue_reminders
from cohort.notifications.queries import deliveries
from cohort.posts import ops as post_ops

from .. import factories
from ..posts.helpers import PostKind, Visibility, add_member, make_post, make_reply, user


def _session_tomorrow(app, people, **fields) -> int:
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        meeting = factories.make_meeting(cohort, start=utcnow() + timedelta(hours=20), **fields)
        db.session.commit()
        return meeting.id


def _answer(app, people, email: str, meeting_id: int, response: RsvpResponse) -> None:
    with app.app_context():
        acting = factories.member_of(user(email), people.cohort_id)
        meeting_ops.answer(acting, db.session.get(Meeting, meeting_id), response)
        db.session.commit()


def _queue(app, work, now=None) -> int:
    """Run one kind of due work (the digests due at 07:00 would join in at some times of day)."""
    with app.app_context():
        queued = work(now or utcnow())
        db.session.commit()  # as the worker commits each kind of work
        return queued


def _told(app, kind: NotificationKind) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted(
            (notification.user.email, notification.detail)
            for notification in db.session.scalars(select(Notification).where(Notification.kind == kind))
        )


def test_the_day_before_a_session_those_coming_get_its_pre_read_once(app, people, mailbox):
    maybe, declined = add_member(app, people), add_member(app, people)
    with app.app_context():
        tom = user(people.member).name
    challenge = make_post(
        app,
        people,
        people.member,
        kind=PostKind.CHALLENGE,
        title="Theatre utilisation",
        body="Lists start late every Monday.",
        visibility=Visibility.CHATHAM_HOUSE,
    )
    meeting_id = _session_tomorrow(app, people, title="December session")
    with app.app_context():
        post = db.session.get(Post, challenge)
        meeting_ops.propose_item(
            factories.member_of(user(people.facilitator), people.cohort_id),
            db.session.get(Meeting, meeting_id),
            "Theatre utilisation",
            post,
        )
        db.session.commit()
    _answer(app, people, people.facilitator, meeting_id, RsvpResponse.YES)
    _answer(app, people, maybe, meeting_id, RsvpResponse.MAYBE)
    _answer(app, people, declined, meeting_id, RsvpResponse.NO)
    mailbox.deliver()
    mailbox.messages  # noqa: B018 (the scheduling mail leaves first)
    first = len(mailbox.messages)

    assert _queue(app, queue_reminders) == 2
    assert _queue(app, queue_reminders) == 0  # queued from the data: a second run tells nobody twice
    assert _told(app, NotificationKind.SESSION_REMINDER) == sorted([(people.facilitator, ""), (maybe, "")])
    reminders = mailbox.messages[first:]
    assert sorted(message["to"] for message in reminders) == sorted([people.facilitator, maybe])
    for message in reminders:
        assert message["subject"].startswith("Coming up: December session")
        assert "Lists start late every Monday." in message["body"]
        assert f"/sessions/{meeting_id}/pre-read" in message["body"]
        # A Chatham House author is never named in mail, to the facilitator neither.
        assert tom not in message["message"].as_string()
        (calendar,) = [
            Calendar.from_ical(part.get_content())
            for part in message["message"].iter_attachments()
            if part.get_content_type() == "text/calendar"
        ]
        assert str(calendar["method"]) == "REQUEST"


def test_the_reminders_pre_read_mails_no_hidden_words_even_to_facilitators(app, people, mailbox):
    flagged = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Ward 7", body="Names a patient.")
    kept = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Discharges", body="Late every day.")
    advice = make_reply(app, kept, add_member(app, people), "Call the family at home.")
    meeting_id = _session_tomorrow(app, people)
    with app.app_context():
        sarah = factories.member_of(user(people.facilitator), people.cohort_id)
        tom = factories.member_of(user(people.member), people.cohort_id)
        post_ops.set_helpful(tom, db.session.get(Reply, advice), True)
        for post_id in (flagged, kept):
            meeting_ops.propose_item(sarah, db.session.get(Meeting, meeting_id), "Item", db.session.get(Post, post_id))
        moderation_ops.hide(sarah, db.session.get(Post, flagged))
        moderation_ops.hide(sarah, db.session.get(Reply, advice))
        db.session.commit()
    _answer(app, people, people.facilitator, meeting_id, RsvpResponse.YES)
    mailbox.deliver()
    before = len(mailbox.messages)
    _queue(app, queue_reminders)
    (reminder,) = [message for message in mailbox.messages[before:] if message["to"] == people.facilitator]
    everything = reminder["message"].as_string()
    assert "Late every day." in reminder["body"]
    assert "Names a patient" not in everything and "Call the family" not in everything


def test_a_reminder_is_withdrawn_when_its_reader_is_no_longer_coming(app, people, mailbox):
    meeting_id = _session_tomorrow(app, people)
    _answer(app, people, people.member, meeting_id, RsvpResponse.YES)
    mailbox.deliver()
    before = len(mailbox.messages)
    _queue(app, queue_reminders)
    _answer(app, people, people.member, meeting_id, RsvpResponse.NO)
    assert mailbox.messages[before:] == []


def test_the_workers_run_queues_all_that_is_due_once(app, people):
    meeting_id = _session_tomorrow(app, people)
    _answer(app, people, people.member, meeting_id, RsvpResponse.YES)
    now = utcnow()
    with app.app_context():
        assert queue_due(now) >= 1  # the reminder, and digests if it is past 07:00 somewhere
        assert queue_due(now) == 0
    assert _told(app, NotificationKind.SESSION_REMINDER) == [(people.member, "")]


def test_a_challenge_being_tried_asks_its_author_what_happened_next_at_30_and_90_days(app, people, mailbox):
    trying, parked = (
        make_post(app, people, people.member, kind=PostKind.CHALLENGE, title=title) for title in ("Tried", "Parked")
    )
    with app.app_context():
        author = factories.member_of(user(people.member), people.cohort_id)
        for post_id in (trying, parked):
            post_ops.record_commitment(author, db.session.get(Post, post_id), "Weekly reviews.")
        post_ops.set_status(author, db.session.get(Post, parked), ChallengeStatus.PARKED)
        committed = db.session.get(Post, trying).committed_at
        db.session.commit()
    assert _queue(app, queue_outcome_nudges, committed + timedelta(days=29)) == 0
    assert _queue(app, queue_outcome_nudges, committed + timedelta(days=31)) == 1
    assert _queue(app, queue_outcome_nudges, committed + timedelta(days=32)) == 0
    assert _queue(app, queue_outcome_nudges, committed + timedelta(days=91)) == 1
    assert _told(app, NotificationKind.OUTCOME_NUDGE) == [(people.member, "30"), (people.member, "90")]
    mailbox.deliver(now=committed + timedelta(days=92))  # the nudges were queued in the future
    subjects = [message["subject"] for message in mailbox.messages if message["to"] == people.member]
    assert all(subject.startswith("What happened next with “Tried”?") for subject in subjects)
    assert len(subjects) == 2
    # Once an outcome is recorded, nothing more is asked.
    with app.app_context():
        author = factories.member_of(user(people.member), people.cohort_id)
        post_ops.record_outcome(author, db.session.get(Post, trying), "Waits halved.", [])
        db.session.commit()
    assert _queue(app, queue_outcome_nudges, committed + timedelta(days=200)) == 0


def test_the_author_is_asked_again_a_few_days_before_the_next_session(app, people, mailbox):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Discharges")
    with app.app_context():
        author = factories.member_of(user(people.member), people.cohort_id)
        post_ops.record_commitment(author, db.session.get(Post, post_id), "A discharge lounge.")
        db.session.execute(update(Post).where(Post.id == post_id).values(committed_at=utcnow() - timedelta(days=20)))
        cohort = db.session.get(Cohort, people.cohort_id)
        factories.make_meeting(cohort, start=utcnow() + timedelta(days=2))
        db.session.commit()
    assert _queue(app, queue_outcome_nudges) == 1
    assert _queue(app, queue_outcome_nudges) == 0
    assert _told(app, NotificationKind.OUTCOME_NUDGE) == [(people.member, "session")]


def test_the_daily_digest_arrives_at_seven_in_the_readers_zone_grouping_what_is_new(app, people, mailbox):
    with app.app_context():
        member = user(people.member)
        member.timezone = "Asia/Tokyo"
        db.session.commit()
    make_post(app, people, people.facilitator, kind=PostKind.CHALLENGE, title="Winter beds")
    make_post(app, people, people.facilitator, title="Virtual fracture clinic")
    followed = make_post(app, people, people.facilitator, title="Discharges")
    make_reply(app, followed, people.member, "We tried this.")
    for number in range(2):
        make_reply(app, followed, add_member(app, people), f"Idea {number}.")
    mailbox.deliver()
    before = len(mailbox.messages)
    tokyo = ZoneInfo("Asia/Tokyo")
    tomorrow = (utcnow().astimezone(tokyo) + timedelta(days=1)).date()
    early = datetime.combine(tomorrow, time(6, 59), tokyo)
    seven = datetime.combine(tomorrow, time(7, 0), tokyo)
    assert _digests(app, early, people.member) == 0
    assert _digests(app, seven, people.member) == 1
    assert _digests(app, seven + timedelta(minutes=1), people.member) == 1  # once a day
    mailbox.deliver(now=seven)
    (digest,) = [message for message in mailbox.messages[before:] if message["to"] == people.member]
    body = digest["body"]
    assert digest["subject"].startswith("Your daily digest · ")
    assert body.index("New challenges waiting for advice") < body.index("Winter beds")
    assert body.index("Replies in threads you follow") < body.index("2 new replies in “Discharges”")
    assert body.index("Stories and announcements") < body.index("Virtual fracture clinic")
    assert digest["message"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The next day brings only what is new since: nothing, so no mail.
    assert _digests(app, seven + timedelta(days=1), people.member) == 1


def test_the_digest_unsubscribe_stops_every_kind_it_gathers(app, people, mailbox):
    make_post(app, people, people.facilitator, title="Virtual fracture clinic")
    seven = datetime.combine((utcnow() + timedelta(days=1)).date(), time(7, 0), ZoneInfo("Europe/London"))
    _digests(app, seven)
    mailbox.deliver(now=seven)
    (digest,) = [message for message in mailbox.messages if message["to"] == people.member]
    link = digest["message"]["List-Unsubscribe"].strip("<>").replace("http://cohort.test", "")
    assert app.test_client().post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        chosen = deliveries(user(people.member))
    assert chosen[NotificationKind.NEW_POST] == chosen[NotificationKind.THANKS] == Delivery.OFF
    assert chosen[NotificationKind.REPLY_TO_POST] == Delivery.IMMEDIATELY


def _date_news(app, email: str, when: datetime) -> None:
    """Move this reader's notifications to ``when``, as if what they tell had happened then."""
    with app.app_context():
        db.session.execute(update(Notification).where(Notification.user_id == user(email).id).values(created_at=when))
        db.session.commit()


def test_a_digest_leaves_in_the_hour_from_seven_with_what_came_before_seven(app, people, mailbox):
    make_post(app, people, people.facilitator, title="Virtual fracture clinic")
    london = ZoneInfo("Europe/London")
    day = (utcnow() + timedelta(days=1)).date()
    _date_news(app, people.member, datetime.combine(day, time(7, 20), london))
    # Came after seven: not in this morning's digest, nor mailed later in the day.
    for hour, minute in ((7, 30), (15, 30), (23, 59)):
        assert _digests(app, datetime.combine(day, time(hour, minute), london), people.member) == 0
    next_morning = datetime.combine(day + timedelta(days=1), time(7, 10), london)
    assert _digests(app, next_morning, people.member) == 1
    mailbox.deliver(now=next_morning)
    (digest,) = [message for message in mailbox.messages if message["to"] == people.member]
    assert "Virtual fracture clinic" in digest["body"]


def test_hidden_words_are_in_no_digest_even_a_facilitators(app, people, mailbox):
    hidden = make_post(app, people, people.member, title="Names a patient")
    with app.app_context():
        sarah = factories.member_of(user(people.facilitator), people.cohort_id)
        moderation_ops.hide(sarah, db.session.get(Post, hidden))
        db.session.commit()
    seven = datetime.combine((utcnow() + timedelta(days=1)).date(), time(7, 0), ZoneInfo("Europe/London"))
    assert _digests(app, seven, people.facilitator) == 0  # only hidden news: no digest, the day not spent
    make_post(app, people, people.member, title="Virtual fracture clinic")
    _date_news(app, people.facilitator, seven - timedelta(hours=1))
    assert _digests(app, seven + timedelta(minutes=5), people.facilitator) == 1
    mailbox.deliver(now=seven + timedelta(minutes=5))
    (digest,) = [message for message in mailbox.messages if message["to"] == people.facilitator]
    assert "Virtual fracture clinic" in digest["body"]
    assert "Names a patient" not in digest["message"].as_string()


def _digests(app, now, email=None) -> int:
    """Queue the digests due at ``now``; how many have been queued in all (for ``email`` only, if given)."""
    with app.app_context():
        told = queue_digests(now)
        db.session.commit()
        if email is None:
            return told
        return db.session.scalar(
            select(db.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.user_id == user(email).id, OutboxMessage.kind.like("digest_%"))
        )

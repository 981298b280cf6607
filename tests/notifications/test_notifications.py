"""What happens in a cohort reaches the people it concerns: the bell, /notifications, and mail."""

import logging
import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import (
    Cohort,
    Delivery,
    Meeting,
    MessageStatus,
    Notification,
    NotificationKind,
    OutboxMessage,
    Post,
    Reply,
    RsvpResponse,
    ThreadFollow,
    utcnow,
)
from cohort.notifications import ops as notification_ops
from cohort.notifications.due import queue_outcome_nudges, queue_reminders
from cohort.posts import ops as post_ops
from cohort.recognition import ops as recognition_ops

from .. import factories
from ..meetings.helpers import schedule_series
from ..posts.helpers import PostKind, Visibility, add_member, make_post, make_reply, user


def _bell(client) -> int:
    page = client.get("/").text
    found = re.search(r'Notifications <span class="badge">(\d+)', page)
    return int(found.group(1)) if found else 0


def _choose(app, email: str, kind: NotificationKind, delivery: Delivery) -> None:
    with app.app_context():
        notification_ops.set_delivery(user(email), {kind: delivery})
        db.session.commit()


def _mail_to(mailbox, email: str) -> list[dict]:
    return [message for message in mailbox.messages if message["to"] == email]


def test_sarah_answers_toms_challenge_and_tom_hears_of_it_in_the_app_and_by_mail(app, people, mailbox):
    tom = app.test_client()
    tom.login(people.member)
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Theatre utilisation")
    assert _bell(tom) == 0
    reply_id = make_reply(app, post_id, people.facilitator, "Start with the **list** on Mondays.")

    assert _bell(tom) == 1
    page = tom.get("/notifications").text
    with app.app_context():
        sarah = user(people.facilitator).name
    assert f"{sarah} replied to your challenge “Theatre utilisation”" in page

    (mail,) = _mail_to(mailbox, people.member)
    message = mail["message"]
    with app.app_context():
        cohort_name = db.session.get(Cohort, people.cohort_id).name
    assert mail["subject"] == f"{sarah} replied to your challenge “Theatre utilisation” · {cohort_name}"
    assert "Start with the list on Mondays." in mail["body"]
    assert f"/c/{people.slug}/posts/{post_id}#reply-{reply_id}" in mail["body"]
    assert f"#reply-{reply_id}" in mail["html"]
    assert message["In-Reply-To"] == message["References"] == f"<post-{post_id}@cohort.test>"
    assert message["List-Unsubscribe"].startswith("<http://cohort.test/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Following the line leads to the exact reply and marks it read.
    link = re.search(r'<a href="(/notifications/\d+/open)">', page).group(1)
    opened = tom.get(link)
    assert opened.headers["Location"].endswith(f"/c/{people.slug}/posts/{post_id}#reply-{reply_id}")
    assert _bell(tom) == 0


def test_opening_the_thread_marks_its_notifications_read(app, people, mailbox):
    tom = app.test_client()
    tom.login(people.member)
    post_id = make_post(app, people, people.member, title="Theatre utilisation")
    make_reply(app, post_id, people.facilitator, "One idea.")
    assert _bell(tom) == 1
    tom.get(f"/c/{people.slug}/posts/{post_id}")
    assert _bell(tom) == 0


def test_several_replies_show_as_one_line_and_everything_can_be_marked_read(app, people, mailbox):
    tom = app.test_client()
    tom.login(people.member)
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Theatre utilisation")
    for number in range(3):
        make_reply(app, post_id, add_member(app, people), f"Idea {number}.")
    page = tom.get("/notifications").text
    assert "3 replies to your challenge “Theatre utilisation”" in page
    assert _bell(tom) == 3
    tom.post_form("/notifications/read", {"all": "1"})
    assert _bell(tom) == 0


def test_a_reply_to_a_reply_tells_its_author_the_post_author_and_the_followers_once_each(app, people, mailbox):
    follower = add_member(app, people)
    post_id = make_post(app, people, people.member, title="Discharge before noon")
    first = make_reply(app, post_id, people.facilitator, "Try a discharge lounge.")
    make_reply(app, post_id, follower, "We did this too.")  # the follower now follows the thread
    mailbox.messages  # noqa: B018 (deliver what the setting up sent)
    make_reply(app, post_id, add_member(app, people), "How did you staff it?", parent_id=first)
    with app.app_context():
        kinds = {
            (row.user_id, row.kind)
            for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.QUEUED))
        }
        facilitator_id, member_id = user(people.facilitator).id, user(people.member).id
        notified = {
            (notification.user_id, notification.kind.value)
            for notification in db.session.scalars(select(Notification))
            if notification.reply_id is not None and notification.reply.body == "How did you staff it?"
        }
        follower_id = user(follower).id
    assert notified == {
        (facilitator_id, "reply_to_reply"),
        (member_id, "reply_to_post"),
        (follower_id, "thread_news"),
    }
    # News in followed threads waits for the daily digest; the two replies to someone's own words go at once.
    assert kinds == {(facilitator_id, "reply_to_reply"), (member_id, "reply_to_post")}


def test_a_muted_thread_tells_nothing(app, people, mailbox):
    tom = app.test_client()
    tom.login(people.member)
    post_id = make_post(app, people, people.member, title="Theatre utilisation")
    tom.post_form(f"/c/{people.slug}/posts/{post_id}/follow", {"following": "0"})
    assert "You muted this thread." in tom.get(f"/c/{people.slug}/posts/{post_id}").text
    make_reply(app, post_id, people.facilitator, "An idea.")
    assert _bell(tom) == 0 and _mail_to(mailbox, people.member) == []
    # Replying again does not undo the mute.
    make_reply(app, post_id, people.member, "Thanks.")
    with app.app_context():
        assert db.session.get(ThreadFollow, (user(people.member).id, post_id)).following is False


def test_a_chatham_house_author_is_never_named_in_mail_even_to_facilitators(app, people, mailbox):
    with app.app_context():
        tom_name = user(people.member).name
    _choose(app, people.facilitator, NotificationKind.NEW_POST, Delivery.IMMEDIATELY)
    _choose(app, people.facilitator, NotificationKind.THREAD_NEWS, Delivery.IMMEDIATELY)
    post_id = make_post(
        app, people, people.member, kind=PostKind.CHALLENGE, title="A hard one", visibility=Visibility.CHATHAM_HOUSE
    )
    advice = make_reply(app, post_id, people.facilitator, "Have you tried the list?")
    make_reply(app, post_id, people.member, "Not yet: I will.", parent_id=advice)
    mail = _mail_to(mailbox, people.facilitator)
    opened, answered = (message["message"]["Message-ID"] for message in mail)
    assert opened == f"<post-{post_id}@cohort.test>" and answered.startswith("<reply_to_reply.")
    for message in mail:
        assert tom_name not in message["message"].as_string()
        assert "A cohort member" in message["subject"]
    # The page still tells the facilitator who wrote it.
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    assert f"{tom_name} (members see “A cohort member”) answered your reply" in facilitator.get("/notifications").text


def test_facilitators_only_posts_reach_only_facilitators(app, people, mailbox):
    other = add_member(app, people)
    for email in (people.facilitator, other):
        _choose(app, email, NotificationKind.NEW_POST, Delivery.IMMEDIATELY)
    make_post(app, people, people.member, title="For the facilitators", visibility=Visibility.FACILITATORS)
    assert [message["to"] for message in mailbox.messages] == [people.facilitator]


def test_mail_is_withdrawn_when_its_post_is_hidden_or_its_reader_leaves_before_it_goes(app, people, mailbox):
    post_id = make_post(app, people, people.member, title="Theatre utilisation")
    reply_id = make_reply(app, post_id, people.facilitator, "An idea.")
    with app.app_context():
        post_ops.set_hidden(db.session.get(Post, post_id), user(people.facilitator).id)
        db.session.commit()
    assert _mail_to(mailbox, people.member) == []
    other = make_post(app, people, people.facilitator, title="Discharges")
    make_reply(app, other, people.member, "Mine too.")
    with app.app_context():
        db.session.delete(factories.member_of(user(people.facilitator), people.cohort_id))
        db.session.commit()
    assert mailbox.messages == []
    with app.app_context():
        statuses = [message.status for message in db.session.scalars(select(OutboxMessage))]
        assert statuses == [MessageStatus.WITHDRAWN, MessageStatus.WITHDRAWN]
        assert db.session.get(Reply, reply_id) is not None


def test_the_unsubscribe_link_works_without_signing_in_and_by_one_click_post(app, people, mailbox):
    post_id = make_post(app, people, people.member, title="Theatre utilisation")
    make_reply(app, post_id, people.facilitator, "An idea.")
    (mail,) = _mail_to(mailbox, people.member)
    link = mail["message"]["List-Unsubscribe"].strip("<>").replace("http://cohort.test", "")
    stranger = app.test_client()
    page = stranger.get(link)
    assert page.status_code == 200 and "Replies to my posts" in page.text
    # RFC 8058: a POST with this body, no cookie and no CSRF token.
    done = stranger.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "this mail has stopped" in done.text
    make_reply(app, post_id, add_member(app, people), "Another idea.")
    assert _mail_to(mailbox, people.member) == [mail]
    tom = app.test_client()
    tom.login(people.member)
    assert _bell(tom) == 2  # the bell still shows it
    assert stranger.post(link[:-3] + "xyz").status_code == 404


def test_the_account_page_chooses_how_each_kind_arrives(app, people, mailbox):
    tom = app.test_client()
    tom.login(people.member)
    page = tom.get("/account").text
    assert 'id="delivery-reply_to_post"' in page and "A member joins (facilitators)" not in page
    choices = {kind.value: kind.default_delivery.value for kind in NotificationKind}
    tom.post_form("/account/notifications", {**choices, "reply_to_post": "daily"})
    assert '<option selected value="daily">' in tom.get("/account").text
    post_id = make_post(app, people, people.member, title="Theatre utilisation")
    make_reply(app, post_id, people.facilitator, "An idea.")
    assert _mail_to(mailbox, people.member) == [] and _bell(tom) == 1
    refused = tom.post_form("/account/notifications", {**choices, "reply_to_post": "hourly"}, follow_redirects=True)
    assert "Choose one of the offered ways" in refused.text


def test_helpful_marks_thanks_flags_and_joins_reach_whom_they_concern(app, people, mailbox):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Theatre utilisation")
    reply_id = make_reply(app, post_id, people.facilitator, "An idea.")
    tom = app.test_client()
    tom.login(people.member)
    tom.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/helpful", {"set": "1"})
    newcomer_email = add_member(app, people)
    with app.app_context():
        newcomer = factories.member_of(user(newcomer_email), people.cohort_id)
        newcomer.charter_accepted_at = None
        cohort_ops.accept_charter(newcomer)
        db.session.commit()
    sarah = app.test_client()
    sarah.login(people.facilitator)
    page = sarah.get("/notifications").text
    assert "marked your advice on “Theatre utilisation” helpful" in page
    assert "joined" in page


def test_sessions_scheduled_moved_and_cancelled_reach_the_cohort(app, people, mailbox):
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id), title="December session")
        db.session.commit()
        meeting_id = meeting.id
    mailbox.deliver()
    sarah = app.test_client()
    sarah.login(people.facilitator)
    sarah.post_form(f"/c/{people.slug}/sessions/{meeting_id}/cancel", {"scope": "this"})
    subjects = [message["subject"] for message in _mail_to(mailbox, people.member)]
    assert [subject.split(":")[0] for subject in subjects] == ["Scheduled", "Cancelled"]
    assert all("December session" in subject for subject in subjects)
    calendars = [
        Calendar.from_ical(part.get_content())
        for message in _mail_to(mailbox, people.member)
        for part in message["message"].iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]
    assert [str(calendar["method"]) for calendar in calendars] == ["REQUEST", "CANCEL"]
    first, second = (calendar.walk("VEVENT")[0] for calendar in calendars)
    assert first["uid"] == second["uid"] and int(second["sequence"]) > int(first["sequence"])


def test_saving_a_reply_runs_the_same_statements_for_10_and_100_members(app, people, count_queries):
    counts = []
    for size in (10, 100):
        with app.app_context():
            cohort = db.session.get(Cohort, people.cohort_id)
            post = factories.make_post(cohort, user(people.member), title=f"Thread for {size}")
            for _ in range(size):
                membership = factories.make_member(cohort)
                db.session.add(ThreadFollow(user_id=membership.user_id, post_id=post.id, following=True))
                # Each wants news of the thread at once: a mail each, not only a notification.
                notification_ops.set_delivery(membership.user, {NotificationKind.THREAD_NEWS: Delivery.IMMEDIATELY})
            db.session.commit()
            post_id = post.id
        with count_queries() as statements:
            make_reply(app, post_id, people.facilitator, "An idea for all.")
        counts.append(len(statements))
        with app.app_context():
            told = db.session.scalar(
                select(db.func.count())
                .select_from(Notification)
                .where(Notification.post_id == post_id, Notification.reply_id.is_not(None))
            )
            mailed = db.session.scalar(
                select(db.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.post_id == post_id, OutboxMessage.reply_id.is_not(None))
            )
        assert told == mailed == size + 1  # every follower, and the post's author
    assert counts[0] == counts[1]
    print(f"statements to save a reply and tell its readers: {counts[1]}")


def test_news_of_a_session_cancelled_before_it_was_mailed_is_withdrawn(app, people, mailbox):
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id), title="December session")
        db.session.commit()
        meeting_id = meeting.id
    sarah = app.test_client()
    sarah.login(people.facilitator)
    sarah.post_form(f"/c/{people.slug}/sessions/{meeting_id}/cancel", {"scope": "this"})
    assert [message["subject"].split(":")[0] for message in _mail_to(mailbox, people.member)] == ["Cancelled"]


def test_a_mention_tells_the_member_named_only_if_they_may_read_the_text(app, people, mailbox):
    with app.app_context():
        handle = user(people.member).handle
        other = factories.make_member(db.session.get(Cohort, people.cohort_id), factories.make_user(name="Olu Ade"))
        db.session.commit()
        olu_email, olu_handle = other.user.email, other.user.handle
    post_id = make_post(app, people, people.facilitator, title="Discharges", body="Over to you.")
    make_reply(app, post_id, people.facilitator, f"What do you think, @{handle}?")
    (mail,) = _mail_to(mailbox, people.member)
    assert "mentioned you in “Discharges”" in mail["subject"]
    # Facilitators-only words mention a member who may not read them: nobody is told.
    private = make_post(
        app, people, people.facilitator, title="Private", body=f"On @{olu_handle}", visibility=Visibility.FACILITATORS
    )
    assert _mail_to(mailbox, olu_email) == []
    # An edit tells only those it newly mentions.
    with app.app_context():
        post_ops.edit_reply(
            factories.member_of(user(people.facilitator), people.cohort_id),
            db.session.scalars(select(Reply).where(Reply.post_id == post_id)).one(),
            f"What do you think, @{handle} and @{olu_handle}?",
        )
        db.session.commit()
    assert len(_mail_to(mailbox, people.member)) == 1
    (olu_mail,) = _mail_to(mailbox, olu_email)
    assert "mentioned you in “Discharges”" in olu_mail["subject"]
    with app.app_context():
        assert db.session.get(Post, private).visibility == Visibility.FACILITATORS


def _everything_said(message: dict) -> str:
    """Every header value and both parts of a mail, decoded: where a name could hide."""
    email = message["message"]
    headers = " ".join(str(value) for _name, value in email.items())
    return " ".join([headers, message["subject"], message["body"], message["html"]])


def test_bringing_a_chatham_house_challenge_to_a_session_names_its_author_in_no_mail(app, people, mailbox):
    with app.app_context():
        tom = user(people.member).name
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id), title="December session")
        db.session.commit()
        meeting_id = meeting.id
    post_id = make_post(
        app, people, people.member, kind=PostKind.CHALLENGE, title="A hard one", visibility=Visibility.CHATHAM_HOUSE
    )
    mailbox.deliver()
    before = len(mailbox.messages)
    tom_client = app.test_client()
    tom_client.login(people.member)
    tom_client.post_form(
        f"/c/{people.slug}/posts/{post_id}/propose", {"meeting_id": str(meeting_id), "title": "A hard one"}
    )
    proposals = [message for message in mailbox.messages[before:] if message["to"] == people.facilitator]
    assert proposals and "proposed “A hard one”" in proposals[0]["subject"]
    for message in proposals:
        assert tom not in _everything_said(message)


def test_words_hidden_before_their_mail_left_are_not_mailed_even_to_facilitators(app, people, mailbox):
    other_facilitator = add_member(app, people)
    with app.app_context():
        factories.member_of(user(other_facilitator), people.cohort_id).role = factories.Role.FACILITATOR
        db.session.commit()
    post_id = make_post(app, people, people.facilitator, title="Theatre utilisation")
    reply_id = make_reply(app, post_id, people.member, "Something that should not have been said.")
    with app.app_context():
        post_ops.set_hidden(db.session.get(Reply, reply_id), user(other_facilitator).id)
        db.session.commit()
    assert _mail_to(mailbox, people.facilitator) == []


def test_a_thread_muted_or_a_kind_stopped_after_the_mail_was_queued_withdraws_it(app, people, mailbox):
    tom = app.test_client()
    tom.login(people.member)
    post_id = make_post(app, people, people.member, title="Theatre utilisation")
    make_reply(app, post_id, people.facilitator, "An idea.")
    tom.post_form(f"/c/{people.slug}/posts/{post_id}/follow", {"following": "0"})
    other = make_post(app, people, people.member, title="Discharges")
    make_reply(app, other, people.facilitator, "Another idea.")
    _choose(app, people.member, NotificationKind.REPLY_TO_POST, Delivery.OFF)
    assert _mail_to(mailbox, people.member) == []
    with app.app_context():
        statuses = {message.status for message in db.session.scalars(select(OutboxMessage))}
    assert statuses == {MessageStatus.WITHDRAWN}


def test_a_mention_in_a_new_post_tells_once(app, people, mailbox):
    with app.app_context():
        handle = user(people.member).handle
    make_post(app, people, people.facilitator, title="Discharges", body=f"What do you think, @{handle}?")
    tom = app.test_client()
    tom.login(people.member)
    assert _bell(tom) == 1
    assert [message["subject"].split(" mentioned")[0] != "" for message in _mail_to(mailbox, people.member)] == [True]


def test_without_a_mail_server_the_log_names_each_notification_mail_by_id_and_kind(make_app, people, caplog):
    app = make_app(COHORT_MAIL_SERVER="")
    caplog.set_level(logging.INFO, logger="cohort")
    post_id = make_post(app, people, people.member, title="Theatre utilisation")
    make_reply(app, post_id, people.facilitator, "An idea with a secret word: pineapple.")
    assert re.search(r"mail \d+ \(reply_to_post\) queued", caplog.text)
    assert "pineapple" not in caplog.text and people.member not in caplog.text


def test_thanks_and_helpful_marks_taken_back_and_given_again_tell_once(app, people, mailbox):
    _choose(app, people.facilitator, NotificationKind.THANKS, Delivery.IMMEDIATELY)
    _choose(app, people.facilitator, NotificationKind.HELPFUL, Delivery.IMMEDIATELY)
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Theatre utilisation")
    reply_id = make_reply(app, post_id, people.facilitator, "An idea.")
    tom = app.test_client()
    tom.login(people.member)
    for wanted in ("1", "0", "1"):
        tom.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/helpful", {"set": wanted})
    with app.app_context():
        post = db.session.get(Post, post_id)
        reply = db.session.get(Reply, reply_id)
        thanking = factories.member_of(user(people.member), people.cohort_id)
        for _ in range(2):
            recognition_ops.thank(thanking, reply)
            db.session.commit()
            recognition_ops.take_back_thanks(thanking, reply)
            db.session.commit()
        assert post.id == post_id
    kinds = sorted(message["message"]["Message-ID"].split(".")[0] for message in _mail_to(mailbox, people.facilitator))
    assert kinds == ["<helpful", "<thanks"]


def test_a_series_scheduled_or_cancelled_carries_an_invitation_for_each_of_its_sessions(app, people, mailbox):
    sarah = app.test_client()
    sarah.login(people.facilitator)
    sessions = schedule_series(sarah, people.slug, occurrences="3")
    mailbox.deliver()
    sarah.post_form(f"/c/{people.slug}/sessions/{sessions[0]}/cancel", {"scope": "following"})
    mail = _mail_to(mailbox, people.member)
    assert [message["subject"].split(":")[0] for message in mail] == ["Scheduled", "Cancelled"]
    for message, method in zip(mail, ("REQUEST", "CANCEL"), strict=True):
        calendars = [
            Calendar.from_ical(part.get_content())
            for part in message["message"].iter_attachments()
            if part.get_content_type() == "text/calendar"
        ]
        assert [str(calendar["method"]) for calendar in calendars] == [method] * 3
        assert len({str(calendar.walk("VEVENT")[0]["uid"]) for calendar in calendars}) == 3


def test_session_notes_tell_the_members_they_newly_mention(app, people, mailbox):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        meeting = factories.make_meeting(cohort, title="December session")
        olu = factories.make_member(cohort, factories.make_user(name="Olu Ade"))
        db.session.commit()
        meeting_id, tom, olu_email, olu_handle = meeting.id, user(people.member).handle, olu.user.email, olu.user.handle
    mailbox.deliver()
    before = len(mailbox.messages)

    def save(text: str) -> None:
        with app.app_context():
            acting = factories.member_of(user(people.facilitator), people.cohort_id)
            meeting_ops.save_notes(acting, db.session.get(Meeting, meeting_id), text, {})
            db.session.commit()

    save(f"Thanks to @{tom} for the list.")
    save(f"Thanks to @{tom} for the list, and to @{olu_handle}.")
    told = [(message["to"], message["subject"]) for message in mailbox.messages[before:]]
    assert [to for to, _subject in told] == [people.member, olu_email]
    assert all("mentioned you in the notes of December session" in subject for _to, subject in told)


def test_mail_about_a_post_threads_under_the_mail_that_shared_it(app, people, mailbox):
    _choose(app, people.member, NotificationKind.NEW_POST, Delivery.IMMEDIATELY)
    post_id = make_post(app, people, people.facilitator, title="Virtual fracture clinic")
    ours = make_reply(app, post_id, people.member, "We did this too.")
    make_reply(app, post_id, people.facilitator, "Tell us more.", parent_id=ours)
    shared, answered = _mail_to(mailbox, people.member)
    thread = f"<post-{post_id}@cohort.test>"
    assert shared["message"]["Message-ID"] == thread and shared["message"]["In-Reply-To"] is None
    assert answered["message"]["In-Reply-To"] == answered["message"]["References"] == thread
    assert answered["message"]["Message-ID"] != thread


def test_a_mention_in_mailed_words_links_to_the_site_from_its_base_address(app, people, mailbox):
    with app.app_context():
        tom = user(people.member)
        cohort = db.session.get(Cohort, people.cohort_id)
        meeting = factories.make_meeting(
            cohort, start=utcnow() + timedelta(hours=20), agenda=f"Theatres, with @{tom.handle}"
        )
        membership = factories.member_of(tom, people.cohort_id)
        meeting_ops.answer(membership, meeting, RsvpResponse.YES)
        db.session.commit()
        tom_id = tom.id
        queue_reminders(utcnow())
        db.session.commit()
    mailbox.deliver()
    (reminder,) = [mail for mail in _mail_to(mailbox, people.member) if mail["subject"].startswith("Coming up")]
    assert f'href="http://cohort.test/c/{people.slug}/members/{tom_id}"' in reminder["html"]
    assert 'href="/' not in reminder["html"]


def test_an_outcome_nudge_is_withdrawn_once_the_outcome_is_recorded(app, people, mailbox):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Discharges")
    with app.app_context():
        author = factories.member_of(user(people.member), people.cohort_id)
        post_ops.record_commitment(author, db.session.get(Post, post_id), "A discharge lounge.")
        committed = db.session.get(Post, post_id).committed_at
        db.session.commit()
        queue_outcome_nudges(committed + timedelta(days=31))
        db.session.commit()
        author = factories.member_of(user(people.member), people.cohort_id)
        post_ops.record_outcome(author, db.session.get(Post, post_id), "Waits halved.", [])
        db.session.commit()
    mailbox.deliver(now=committed + timedelta(days=31))
    assert not [mail for mail in _mail_to(mailbox, people.member) if "What happened next" in mail["subject"]]
    with app.app_context():
        status = db.session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.kind == NotificationKind.OUTCOME_NUDGE.value)
        )
    assert status == MessageStatus.WITHDRAWN

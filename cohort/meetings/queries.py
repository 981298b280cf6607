"""Reading sessions: the cohort's list, one session's page and its pre-read, a person's next
sessions, and the feed."""

from datetime import timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import joinedload

from .. import policy
from ..extensions import db
from ..mail import external_url
from ..models import (
    AgendaItem,
    Attendance,
    Cohort,
    Feedback,
    FeedbackGiven,
    MeasuredResult,
    Meeting,
    MeetingFollow,
    MeetingNote,
    Membership,
    Post,
    PostKind,
    Reply,
    Rsvp,
    RsvpResponse,
    User,
    utcnow,
)
from .ops import bringable_challenges, current_notes, members_then
from .preread import Advice, BroughtChallenge, Figure, Outcome, PreRead, PreReadItem

PAST_SHOWN = 24


# Calendar apps keep a subscription's past events; a season back is plenty.
FEED_HISTORY = timedelta(days=120)


def sessions_of(viewer: Membership) -> tuple[list[Meeting], list[Meeting], dict[int, RsvpResponse]]:
    """Coming sessions soonest first, recent past ones latest first, and the viewer's answers."""
    now = utcnow()
    visible = policy.visible_meetings_condition(viewer)
    upcoming = list(
        db.session.execute(select(Meeting).where(visible, Meeting.ends_at > now).order_by(Meeting.starts_at)).scalars()
    )
    past = list(
        db.session.execute(
            select(Meeting).where(visible, Meeting.ends_at <= now).order_by(Meeting.starts_at.desc()).limit(PAST_SHOWN)
        ).scalars()
    )
    mine = dict(
        db.session.execute(
            select(Rsvp.meeting_id, Rsvp.response).where(
                Rsvp.user_id == viewer.user_id, Rsvp.meeting_id.in_([m.id for m in upcoming + past])
            )
        ).all()
    )
    return upcoming, past, mine


def coming_sessions(viewer: Membership) -> list[Meeting]:
    """Sessions still to come in this viewer's cohort, not cancelled, soonest first."""
    return list(
        db.session.execute(
            select(Meeting)
            .where(
                policy.visible_meetings_condition(viewer), Meeting.ends_at > utcnow(), Meeting.cancelled_at.is_(None)
            )
            .order_by(Meeting.starts_at)
        ).scalars()
    )


def next_sessions_for(user: User, limit: int = 5) -> list[tuple[Meeting, Cohort, RsvpResponse | None]]:
    """The user's coming sessions across the cohorts where the policy shows them sessions (the
    others open only at the charter), with their answer to each."""
    rows = db.session.execute(
        select(Meeting, Cohort, Rsvp.response)
        .join(Cohort, Cohort.id == Meeting.cohort_id)
        .outerjoin(Rsvp, (Rsvp.meeting_id == Meeting.id) & (Rsvp.user_id == user.id))
        .where(policy.meetings_of_user_condition(user.id), Meeting.ends_at > utcnow(), Meeting.cancelled_at.is_(None))
        .order_by(Meeting.starts_at)
        .limit(limit)
    ).all()
    return [tuple(row) for row in rows]


def feed_sessions(user: User) -> list[tuple[Meeting, Cohort, list[str]]]:
    """A person's private calendar: recent and coming sessions of their cohorts, leaving out those
    they said they will not attend, each with its accepted agenda items."""
    declined = select(Rsvp.meeting_id).where(Rsvp.user_id == user.id, Rsvp.response == RsvpResponse.NO)
    rows = db.session.execute(
        select(Meeting, Cohort)
        .join(Cohort, Cohort.id == Meeting.cohort_id)
        .where(
            policy.meetings_of_user_condition(user.id),
            Meeting.ends_at > utcnow() - FEED_HISTORY,
            Meeting.id.not_in(declined),
        )
        .order_by(Meeting.starts_at)
    ).all()
    agendas = agenda_titles([meeting.id for meeting, _cohort in rows])
    return [(meeting, cohort, agendas.get(meeting.id, [])) for meeting, cohort in rows]


def calendar_owner(token: str) -> User | None:
    """The person a private calendar link belongs to."""
    return db.session.execute(select(User).where(User.calendar_token == token)).scalar_one_or_none()


def accepted_items(meeting_ids: list[int]) -> dict[int, list[AgendaItem]]:
    """The accepted agenda items of these sessions, in order: what everyone who may see the session
    sees of its agenda (callers pass only sessions the reader may see)."""
    items: dict[int, list[AgendaItem]] = {}
    if not meeting_ids:
        return items
    for item in db.session.execute(
        select(AgendaItem)
        .where(AgendaItem.meeting_id.in_(meeting_ids), policy.agenda_items_for_everyone_condition())
        .order_by(AgendaItem.position, AgendaItem.id)
    ).scalars():
        items.setdefault(item.meeting_id, []).append(item)
    return items


UNSHOWN_CHALLENGE = "A challenge no longer shown here"


def agenda_titles(meeting_ids: list[int]) -> dict[int, list[str]]:
    """What calendars list of these sessions' agendas: the accepted items in order, a challenge's
    title only while every member may read it (a calendar is read by no one in particular)."""
    titles: dict[int, list[str]] = {}
    if not meeting_ids:
        return titles
    for item in db.session.execute(
        select(AgendaItem)
        .options(joinedload(AgendaItem.post))
        .where(AgendaItem.meeting_id.in_(meeting_ids), policy.agenda_items_for_everyone_condition())
        .order_by(AgendaItem.position, AgendaItem.id)
    ).scalars():
        shown = item.post is None or policy.shown_to_every_member(item.post)
        titles.setdefault(item.meeting_id, []).append(item.title if shown else UNSHOWN_CHALLENGE)
    return titles


def notes_page(meeting: Meeting) -> tuple[list[AgendaItem], list[MeetingNote]]:
    """The accepted items that can carry notes, and every version of the notes, newest first."""
    items = accepted_items([meeting.id]).get(meeting.id, [])
    history = list(
        db.session.execute(
            select(MeetingNote).where(MeetingNote.meeting_id == meeting.id).order_by(MeetingNote.id.desc())
        ).scalars()
    )
    return items, history


def session_page(meeting: Meeting, viewer: Membership) -> dict:
    """Everything the session page shows, in a fixed number of queries."""
    in_cohort = [policy.visible_members_condition(viewer)]
    if meeting.has_ended():
        # Who came to a past session is asked only of those who were members then.
        in_cohort.append(members_then(meeting))
    # Each member with their answer and whether they came, in one statement.
    rows = db.session.execute(
        select(User, Rsvp.response, Attendance.user_id)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Rsvp, and_(Rsvp.user_id == User.id, Rsvp.meeting_id == meeting.id))
        .outerjoin(Attendance, and_(Attendance.user_id == User.id, Attendance.meeting_id == meeting.id))
        .where(*in_cohort)
        .order_by(User.name)
    ).all()
    members = [user for user, _response, _came in rows]
    responses = {user.id: response for user, response, _came in rows if response is not None}
    by_response = {response: [] for response in RsvpResponse}
    not_answered = []
    for user in members:
        (by_response[responses[user.id]] if user.id in responses else not_answered).append(user)
    attended_ids = {came for _user, _response, came in rows if came is not None}

    items = list(
        db.session.execute(
            select(AgendaItem)
            .options(joinedload(AgendaItem.post), joinedload(AgendaItem.proposed_by))
            .where(AgendaItem.meeting_id == meeting.id, policy.visible_agenda_items_condition(viewer))
            .order_by(AgendaItem.position, AgendaItem.id)
        ).scalars()
    )
    agenda = []
    readable_items = set()
    for item in items:
        post = item.post if item.post is not None and policy.can_see_post(viewer, item.post) else None
        # A challenge this viewer may no longer read is not named by the item's title either.
        title = item.title if item.post_id is None or post is not None else UNSHOWN_CHALLENGE
        if item.post_id is None or post is not None:
            readable_items.add(item.id)
        # Named as on the challenge itself; not at all for a challenge this viewer may no longer read,
        # nor for an item whose words their author removed.
        if item.title == policy.REMOVED_WORDS:
            proposer = None
        elif item.post is None:
            proposer = policy.ShownPerson(item.proposed_by.name, item.proposed_by_id)
        elif post is None:
            proposer = None
        else:
            proposer = policy.shown_person(viewer, item.post, item.proposed_by_id, item.proposed_by.name)
        agenda.append({"item": item, "post": post, "title": title, "proposer": proposer})

    feedback = None
    if policy.can_read_feedback(viewer, meeting):
        feedback = list(
            db.session.execute(
                select(Feedback).where(Feedback.meeting_id == meeting.id).order_by(Feedback.created_at)
            ).scalars()
        )
    gave_feedback, following = db.session.execute(
        select(
            exists().where(FeedbackGiven.meeting_id == meeting.id, FeedbackGiven.user_id == viewer.user_id),
            select(MeetingFollow.following)
            .where(MeetingFollow.user_id == viewer.user_id, MeetingFollow.meeting_id == meeting.id)
            .scalar_subquery(),
        )
    ).one()
    came = (viewer.user_id in attended_ids) if attended_ids else responses.get(viewer.user_id) == RsvpResponse.YES
    return {
        "meeting": meeting,
        "members": members,
        "by_response": by_response,
        "not_answered": not_answered,
        "my_response": responses.get(viewer.user_id),
        "attended": attended_ids,
        "attendees": [user for user in members if user.id in attended_ids],
        "agenda_items": agenda,
        # An item's notes discuss its challenge: none for an item whose challenge this viewer may not read.
        # Notes emptied (cleared, or their author's words removed) are no notes.
        "notes": {
            key: note
            for key, note in current_notes(meeting).items()
            if (key is None or key in readable_items) and note.body_html
        },
        "challenges": bringable_challenges(viewer),
        "feedback": feedback,
        "can_give_feedback": not gave_feedback and policy.can_give_feedback(viewer, meeting, attended=came),
        "gave_feedback": gave_feedback,
        "can_run": policy.can_run_sessions(viewer),
        "can_propose": policy.can_propose_item(viewer, meeting),
        "following": bool(following),
    }


# --- the pre-read ----------------------------------------------------------------------------------


def _figures(results: list[MeasuredResult]) -> tuple[Figure, ...]:
    return tuple(Figure(r.measure, r.unit, r.baseline, r.result, r.period) for r in results)


def pre_read(viewer: Membership, meeting: Meeting, *, for_mail: bool = False) -> PreRead:
    """The session's pre-read as ``viewer`` may read it, for its page and for the reminder mail:
    the session, its accepted agenda items in order, and for each that brings a challenge this
    viewer may read what was asked, the advice marked helpful so far and what its author will try;
    then the outcomes of the cohort's challenges (those this viewer may read) recorded since the
    previous session that was not cancelled began, or since the cohort began, up to this one.

    ``for_mail`` names people as mail must: no Chatham House author, even to facilitators.
    A fixed number of queries, however long the agenda. Links are absolute (``COHORT_BASE_URL``),
    so an application context is enough: no request is needed."""

    def named(post: Post, user_id: int, name: str) -> str:
        if for_mail:
            return policy.name_in_mail(post, user_id, name)
        return policy.shown_name(viewer, post, user_id, name)

    policy.require_visible(policy.can_see_meeting(viewer, meeting))
    cohort = db.session.get(Cohort, meeting.cohort_id)

    def thread_url(post: Post) -> str:
        return external_url("cohort.posts.thread", slug=cohort.slug, post_id=post.id)

    items = list(
        db.session.execute(
            select(AgendaItem)
            .options(joinedload(AgendaItem.post).joinedload(Post.author), joinedload(AgendaItem.proposed_by))
            .where(AgendaItem.meeting_id == meeting.id, policy.agenda_items_for_everyone_condition())
            .order_by(AgendaItem.position, AgendaItem.id)
        ).scalars()
    )

    def may_read(post: Post) -> bool:
        # Hidden words are not mailed, not even to the facilitators who may read them on the page.
        return policy.can_see_post(viewer, post) and not (for_mail and post.hidden_at is not None)

    unhidden_replies = [Reply.hidden_at.is_(None)] if for_mail else []
    unhidden_posts = [Post.hidden_at.is_(None)] if for_mail else []
    readable = {item.post.id: item.post for item in items if item.post and may_read(item.post)}
    helpful: dict[int, list[Advice]] = {post_id: [] for post_id in readable}
    if readable:
        for reply in db.session.execute(
            select(Reply)
            .options(joinedload(Reply.author))
            .where(
                Reply.post_id.in_(readable),
                Reply.helpful_at.is_not(None),
                policy.visible_replies_condition(viewer),
                *unhidden_replies,
            )
            .order_by(Reply.created_at, Reply.id)
        ).scalars():
            post = readable[reply.post_id]
            name = named(post, reply.author_id, reply.author.name)
            helpful[post.id].append(Advice(name, reply.body_markup))

    agenda = []
    for item in items:
        post = readable.get(item.post_id)
        removed = item.title == policy.REMOVED_WORDS  # its author's words removed: no one is named for it
        if item.post_id is None:
            agenda.append(PreReadItem(item.title, None if removed else item.proposed_by.name, None))
        elif post is None:
            # A challenge this reader may not read: neither its title nor who brought it.
            agenda.append(PreReadItem(UNSHOWN_CHALLENGE, None, None))
        else:
            challenge = BroughtChallenge(
                title=post.title,
                body_html=post.body_markup,
                author=named(post, post.author_id, post.author.name),
                status=post.shown_status.label,
                url=thread_url(post),
                helpful=tuple(helpful[post.id]),
                commitment_html=post.commitment_markup,
            )
            brought_by = None if removed else named(post, item.proposed_by_id, item.proposed_by.name)
            agenda.append(PreReadItem(item.title, brought_by, challenge))

    previous = db.session.execute(
        select(Meeting.title, Meeting.starts_at)
        .where(
            policy.visible_meetings_condition(viewer),
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at < meeting.starts_at,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    ).first()
    since = previous.starts_at if previous else cohort.created_at
    outcomes = [
        Outcome(
            title=post.title,
            author=named(post, post.author_id, post.author.name),
            url=thread_url(post),
            outcome_html=post.outcome_markup,
            recorded_at=post.outcome_at,
            figures=_figures(post.results),
        )
        for post in db.session.execute(
            select(Post)
            # Results in the same statement: a few a post.
            .options(joinedload(Post.author), joinedload(Post.results))
            .where(
                policy.visible_posts_condition(viewer),
                *unhidden_posts,
                Post.kind == PostKind.CHALLENGE,
                Post.outcome_at > since,
                Post.outcome_at <= meeting.starts_at,
            )
            .order_by(Post.outcome_at, Post.id)
        )
        .unique()
        .scalars()
    ]
    return PreRead(
        cohort_name=cohort.name,
        meeting_id=meeting.id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        timezone=meeting.timezone,
        location=meeting.location,
        video_url=meeting.video_url,
        agenda_html=meeting.agenda_markup,
        cancelled=meeting.cancelled_at is not None,
        url=external_url("cohort.meetings.detail", slug=cohort.slug, meeting_id=meeting.id),
        items=tuple(agenda),
        outcomes_since=since,
        previous_session=previous.title if previous else None,
        outcomes=tuple(outcomes),
    )


def series_from(meeting: Meeting, count: int) -> list[Meeting]:
    """``meeting`` and the sessions of its series after it, ``count`` in all, in order."""
    if meeting.series_id is None:
        return [meeting]
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.series_id == meeting.series_id, Meeting.starts_at >= meeting.starts_at)
            .order_by(Meeting.starts_at)
            .limit(count)
        )
    )

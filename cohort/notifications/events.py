"""What each action tells whom: called by the operations, inside their transaction.

Each function picks its recipients through the policy (see ``ops``) and never tells the person who
acted. A person is told once per event: the author of the reply answered hears "a reply to your
reply", not also "news in a thread you follow".
"""

from collections.abc import Iterable

from .. import policy
from ..models import AgendaItem, Flag, Meeting, Membership, NotificationKind, Post, PostKind, Reply
from . import ops


def post_shared(post: Post, mentioned: Iterable[int] = ()) -> None:
    """A new story, challenge or announcement: its readers hear of it, the mentioned by name."""
    ops.follow_by_default(post.author_id, post)
    told = {post.author_id}
    mentioned = set(mentioned) - told
    if mentioned:
        ops.notify(NotificationKind.MENTION, ops.readers_of_post(post, only=mentioned), **_about(post))
        told |= mentioned
    kind = NotificationKind.ANNOUNCEMENT if post.kind == PostKind.ANNOUNCEMENT else NotificationKind.NEW_POST
    ops.notify(kind, ops.readers_of_post(post, exclude=told), **_about(post))


def reply_added(reply: Reply, post: Post, parent: Reply | None, mentioned: Iterable[int] = ()) -> None:
    """A reply: to the author of what it answers, to the mentioned, then to the thread's followers."""
    ops.follow_by_default(reply.author_id, post)
    about = _about(post, reply=reply)
    told = {reply.author_id}
    for kind, author_id in (
        (NotificationKind.REPLY_TO_REPLY, parent.author_id if parent else None),
        (NotificationKind.REPLY_TO_POST, post.author_id),
    ):
        if author_id is not None and author_id not in told:
            ops.notify(kind, ops.readers_of_reply(reply, only=[author_id]), **about)
            told.add(author_id)
    mentioned = set(mentioned) - told
    if mentioned:
        ops.notify(NotificationKind.MENTION, ops.readers_of_reply(reply, only=mentioned), **about)
        told |= mentioned
    ops.notify(NotificationKind.THREAD_NEWS, ops.followers_of(reply, exclude=told), **about)


def mentioned(user_ids: Iterable[int], post: Post, *, reply: Reply | None = None, actor_id: int) -> None:
    """An edit, a commitment or an outcome mentions people: those who may read it hear of it."""
    user_ids = set(user_ids) - {actor_id}
    if not user_ids:
        return
    recipients = ops.readers_of_reply(reply, only=user_ids) if reply else ops.readers_of_post(post, only=user_ids)
    ops.notify(NotificationKind.MENTION, recipients, **_about(post, reply=reply, actor_id=actor_id))


def mentioned_in_session(
    meeting: Meeting, user_ids: Iterable[int], actor_id: int, *, part: str, post: Post | None = None
) -> set[int]:
    """A session's agenda or notes (``part``) mention people: those who may read them hear of it (notes
    on an item bringing a challenge are read by those who may read the challenge). Returns who was told."""
    user_ids = set(user_ids) - {actor_id}
    if not user_ids:
        return set()
    if post is not None:
        recipients = ops.readers_of_post(post, only=user_ids)
    else:
        recipients = ops.members_holding(
            meeting.cohort_id, policy.permission_to_be_told(NotificationKind.SESSION_CHANGE)
        ).where(Membership.user_id.in_(user_ids))
    return ops.notify(
        NotificationKind.MENTION,
        recipients,
        cohort_id=meeting.cohort_id,
        actor_id=actor_id,
        meeting_id=meeting.id,
        post_id=post.id if post is not None else None,
        detail=part,
    )


CHARTER = "charter"


def mentioned_in_charter(cohort_id: int, user_ids: Iterable[int], actor_id: int) -> None:
    """The charter, which every member reads, mentions people: the members among them hear of it."""
    user_ids = set(user_ids) - {actor_id}
    if not user_ids:
        return
    recipients = ops.members_holding(cohort_id, policy.permission_to_be_told(NotificationKind.MENTION)).where(
        Membership.user_id.in_(user_ids)
    )
    ops.notify(NotificationKind.MENTION, recipients, cohort_id=cohort_id, actor_id=actor_id, detail=CHARTER)


def marked_helpful(reply: Reply, post: Post) -> None:
    """The post's author found this advice helpful: its author hears of it."""
    about = _about(post, reply=reply, actor_id=post.author_id)
    if ops.already_told(reply.author_id, NotificationKind.HELPFUL, about):
        return
    recipients = ops.readers_of_reply(reply, only=[reply.author_id], exclude=[post.author_id])
    ops.notify(NotificationKind.HELPFUL, recipients, **about)


def thanked(actor: Membership, target: Post | Reply, post: Post, value_name: str | None) -> None:
    """Someone thanked a post or reply: its author hears of it, and of the value named."""
    reply = target if isinstance(target, Reply) else None
    recipients = (
        ops.readers_of_reply(reply, only=[reply.author_id], exclude=[actor.user_id])
        if reply
        else ops.readers_of_post(post, only=[post.author_id], exclude=[actor.user_id])
    )
    about = _about(post, reply=reply, actor_id=actor.user_id)
    if ops.already_told(target.author_id, NotificationKind.THANKS, about):
        return
    ops.notify(NotificationKind.THANKS, recipients, **about, detail=value_name or "")


def flag_raised(flag: Flag, post: Post) -> None:
    """Something was flagged: the facilitators who review flags hear of it (not who flagged it)."""
    ops.notify(
        NotificationKind.NEW_FLAG,
        ops.members_holding(
            post.cohort_id, policy.permission_to_be_told(NotificationKind.NEW_FLAG), exclude=[flag.reporter_id]
        ),
        cohort_id=post.cohort_id,
        post_id=post.id,
        reply_id=flag.reply_id,
    )


def member_joined(membership: Membership) -> None:
    """A member accepted the charter and so joined: those who run the cohort hear of it."""
    ops.notify(
        NotificationKind.MEMBER_JOINED,
        ops.members_holding(
            membership.cohort_id,
            policy.permission_to_be_told(NotificationKind.MEMBER_JOINED),
            exclude=[membership.user_id],
        ),
        cohort_id=membership.cohort_id,
        actor_id=membership.user_id,
    )


def item_proposed(item: AgendaItem, meeting: Meeting) -> None:
    """A member proposed an agenda item: those who decide the agenda hear of it."""
    ops.notify(
        NotificationKind.AGENDA_PROPOSAL,
        ops.members_holding(
            meeting.cohort_id,
            policy.permission_to_be_told(NotificationKind.AGENDA_PROPOSAL),
            exclude=[item.proposed_by_id],
        ),
        cohort_id=meeting.cohort_id,
        actor_id=item.proposed_by_id,
        meeting_id=meeting.id,
        # The challenge it brings, if any: how its (perhaps Chatham House) author may be named.
        post_id=item.post_id,
        detail=item.title[:80],
    )


AGENDA, NOTES = "agenda", "notes"


def session_news(meeting: Meeting, news: str, actor_id: int, *, told: Iterable[int] = ()) -> None:
    """A session's agenda has a new item, or its notes were recorded: those who follow it hear of it
    (not those already ``told``, such as the people the notes mention)."""
    ops.notify(
        NotificationKind.SESSION_NEWS,
        ops.followers_of_session(meeting, exclude=[actor_id, *told]),
        cohort_id=meeting.cohort_id,
        actor_id=actor_id,
        meeting_id=meeting.id,
        detail=news,
    )


SCHEDULED, MOVED, CANCELLED = "scheduled", "moved", "cancelled"


def session_changed(meetings: list[Meeting], change: str, actor: Membership) -> None:
    """Sessions scheduled, moved or cancelled (one, or a series from the first): the cohort hears once."""
    if not meetings:
        return
    first = min(meetings, key=lambda meeting: meeting.starts_at)
    detail = change if len(meetings) == 1 else f"{change}:{len(meetings)}"
    ops.notify(
        NotificationKind.SESSION_CHANGE,
        ops.members_holding(
            first.cohort_id, policy.permission_to_be_told(NotificationKind.SESSION_CHANGE), exclude=[actor.user_id]
        ),
        cohort_id=first.cohort_id,
        # An operator scheduling for a cohort without a facilitator acts through an unsaved stand-in.
        actor_id=actor.user_id if actor.id is not None else None,
        meeting_id=first.id,
        detail=detail,
    )


def _about(post: Post, *, reply: Reply | None = None, actor_id: int | None = None) -> dict:
    return {
        "cohort_id": post.cohort_id,
        "post_id": post.id,
        "reply_id": reply.id if reply else None,
        "actor_id": actor_id if actor_id is not None else (reply.author_id if reply else post.author_id),
    }

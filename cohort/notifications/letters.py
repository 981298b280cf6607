"""The mail a notification becomes, composed when it leaves and checked against the policy then.

A message is withdrawn when its recipient is no longer an active member of the cohort, may no
longer read the post, reply or session it is about, or no longer holds the role its kind is for.
No Chatham House author is named, to anyone (``policy.name_in_mail``): not in the subject, the
body or any header; the sender is always the site itself."""

from email.utils import formataddr

from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..mail import external_url
from ..mail.compose import Letter, composer
from ..markdown import plain_text
from ..models import Meeting, Membership, NotificationKind, OutboxMessage, Post, Reply, User
from ..policy import Permission
from .queries import NEEDS, place_of
from .tokens import unsubscribe_token
from .wording import headline

EXCERPT_CHARS = 600


def notification_letter(message: OutboxMessage) -> Letter | None:
    kind = NotificationKind(message.kind)
    user = message.user
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.cohort_id == message.cohort_id)
    )
    if not policy.may(membership, NEEDS.get(kind, Permission.TAKE_PART)):
        return None
    post = db.session.get(Post, message.post_id) if message.post_id else None
    reply = db.session.get(Reply, message.reply_id) if message.reply_id else None
    meeting = db.session.get(Meeting, message.meeting_id) if message.meeting_id else None
    if post is not None and not policy.can_see_post(membership, post):
        return None
    if reply is not None and not policy.can_see_reply(membership, reply, post):
        return None
    if meeting is not None and not policy.can_see_meeting(membership, meeting):
        return None
    cohort = membership.cohort
    actor_id = message.context.get("actor_id")
    actor = db.session.get(User, actor_id) if actor_id else None
    name = policy.name_in_mail(post, actor_id, actor.name) if actor else "Someone"
    text = headline(
        kind,
        name=name,
        post=post,
        meeting=meeting,
        detail=message.context.get("detail", ""),
        cohort_name=cohort.name,
        zone=user.timezone,
    )
    endpoint, values, anchor = place_of(message, cohort.slug)
    link = external_url(endpoint, **values) + (f"#{anchor}" if anchor else "")
    words = reply.body_html if reply is not None else post.body_html if post is not None else ""
    excerpt = plain_text(words).strip()
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    unsubscribe = external_url("notifications.unsubscribe", token=unsubscribe_token(user.id, kind))
    return Letter(
        to=formataddr((user.name, user.email)),
        subject=f"{text} · {cohort.name}",
        template="notification",
        values={
            "headline": text,
            "excerpt": excerpt,
            "link": link,
            "cohort_name": cohort.name,
            "meeting": meeting,
            "kind_label": kind.label,
            "unsubscribe": unsubscribe,
            "choices": external_url("auth.account") + "#notifications",
        },
        thread=f"post-{post.id}" if post is not None else f"session-{meeting.id}" if meeting is not None else None,
        unsubscribe=unsubscribe,
        list_id=cohort.slug,
    )


for _kind in NotificationKind:
    composer(_kind.value)(notification_letter)

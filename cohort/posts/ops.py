"""Every write on posts and replies. Each takes the acting membership, asks the policy, makes the
whole change in the caller's transaction (the caller commits), and keeps the search index in step."""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from .. import audit, policy
from ..extensions import db
from ..markdown import newly_mentioned, render_with_mentions
from ..models import (
    Adoption,
    Attachment,
    ChallengeStatus,
    MeasuredResult,
    Membership,
    Post,
    PostKind,
    PostRead,
    Reply,
    Tag,
    Visibility,
    utcnow,
)
from ..notifications import events
from ..notifications import ops as notification_ops
from ..uploads import attachments, storage
from ..upsert import insert_or_ignore, insert_returning_id, upsert
from .search import index_post

MAX_TAGS = 8
MAX_TAG_LENGTH = 40


PARENT_GONE = "The reply you were answering is no longer there. Your text is kept here: send it as a reply to the post."


class EditConflict(policy.Refused):
    """The post changed after the editor opened it."""


@dataclass
class ResultRow:
    measure: str
    unit: str
    baseline: float
    result: float
    period: str


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags, tidied: lower case, single spaces, no repeats, at most MAX_TAGS."""
    names = []
    for part in text.split(","):
        name = re.sub(r"\s+", " ", part).strip().lower()[:MAX_TAG_LENGTH]
        if name and name not in names:
            names.append(name)
    return names[:MAX_TAGS]


def _set_tags(post: Post, names: list[str]) -> None:
    for name in names:
        insert_or_ignore(Tag, {"cohort_id": post.cohort_id, "name": name}, ["cohort_id", "name"])
    tags = (
        db.session.execute(select(Tag).where(Tag.cohort_id == post.cohort_id, Tag.name.in_(names))).scalars().all()
        if names
        else []
    )
    post.tags = sorted(tags, key=lambda tag: tag.name)


def _set_results(post: Post, rows: list[ResultRow]) -> None:
    post.results = [
        MeasuredResult(
            position=position,
            measure=row.measure,
            unit=row.unit,
            baseline=row.baseline,
            result=row.result,
            period=row.period,
        )
        for position, row in enumerate(rows)
    ]


ANNOUNCEMENT_NAMED = "An announcement is shown to everyone in the cohort, with your name."
ANNOUNCEMENT_RESULTS = "An announcement has no measured results: share them in a story."


def _check_announcement(kind: PostKind, visibility: Visibility, results) -> None:
    # The facilitator speaks to the whole cohort in their own name; figures belong to a story.
    if kind == PostKind.ANNOUNCEMENT:
        policy.require(visibility == Visibility.ATTRIBUTED, ANNOUNCEMENT_NAMED)
        policy.require(not results, ANNOUNCEMENT_RESULTS)


@dataclass
class Shared:
    """What sharing made: the post, and whether the same form had shared it before."""

    post: Post
    already_shared: bool = False


def create_post(
    actor: Membership,
    *,
    kind: PostKind,
    title: str,
    body: str,
    tags: list[str],
    visibility: Visibility,
    results: list[ResultRow] = (),
    form_key: str | None = None,
    files: Sequence[attachments.Upload] = (),
) -> Shared:
    """Share a story, a challenge or (for those who announce) an announcement, which is pinned on the
    cohort home at once.

    ``form_key`` is the new-post form's own random key. The same form sent again (Back, then Share;
    a double click) makes no second post, even when both arrive at the same moment: the database's
    unique index on the author and key decides, and the post the form made is returned.

    Its readers are told in this same transaction (``notifications.events.post_shared``): a new
    announcement is mailed at once to every member who may read it.

    ``files`` are checked by their content and stored; one that will not do refuses the whole post."""
    policy.require_permission(policy.can_write_posts(actor), "Only members of the cohort can share here.")
    checked = attachments.check(list(files))
    body_html, mentioned = render_with_mentions(body, actor.cohort_id)
    policy.require_permission(
        policy.can_post_kind(actor, kind), "Only a facilitator can post an announcement to the cohort."
    )
    results = list(results)
    _check_announcement(kind, visibility, results)
    stored = attachments.store(checked)
    post_id = insert_returning_id(
        Post,
        {
            "cohort_id": actor.cohort_id,
            "author_id": actor.user_id,
            "kind": kind,
            "title": title,
            "body": body,
            "body_html": body_html,
            "visibility": visibility,
            "status": ChallengeStatus.OPEN if kind == PostKind.CHALLENGE else None,
            "form_key": form_key,
            "pinned_at": utcnow() if kind == PostKind.ANNOUNCEMENT else None,
        },
        ["author_id", "form_key"],
    )
    if post_id is None:
        storage.discard_when_committed(item.key for item in stored)  # the post they belong to was made before
        shared = db.session.execute(
            select(Post).where(Post.author_id == actor.user_id, Post.form_key == form_key)
        ).scalar_one()
        return Shared(shared, already_shared=True)
    post = db.session.get(Post, post_id)
    _set_tags(post, tags)
    _set_results(post, results)
    attachments.add_rows(stored, actor.user_id, post_id=post.id)
    db.session.flush()
    index_post(post)
    events.post_shared(post, mentioned)
    return Shared(post)


def remove_attachment(actor: Membership, attachment: Attachment, post: Post, reply: Reply | None) -> None:
    """Take back a file attached to a post or a reply."""
    policy.require_visible(policy.can_see_attachment(actor, attachment, post=post, reply=reply))
    policy.require_permission(
        policy.can_remove_attachment(actor, attachment, post=post, reply=reply), "Only who attached a file removes it."
    )
    attachments.remove(attachment)


def edit_post(
    actor: Membership,
    post: Post,
    *,
    seen_version: int,
    title: str,
    body: str,
    tags: list[str],
    visibility: Visibility,
    results: list[ResultRow],
    files: Sequence[attachments.Upload] = (),
) -> None:
    """Save an edit made on the page that showed ``seen_version``, with ``files`` added to the post's;
    refuse it if the post changed since."""
    policy.require_visible(policy.can_open_post(actor, post))
    policy.require_permission(
        policy.can_edit_post(actor, post), "Only the author can edit this post, while it is shown."
    )
    _check_announcement(post.kind, visibility, results)
    stored = attachments.store(attachments.check(list(files)))
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.version == seen_version)
        .values(version=Post.version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise EditConflict("This post was changed while you were editing it. Your text is below; please check it.")
    db.session.refresh(post)
    post.title = title
    mentioned = newly_mentioned(post.body, body, post.cohort_id)
    post.body = body
    post.body_html, _ = render_with_mentions(body, post.cohort_id)
    post.visibility = visibility
    post.edited_at = utcnow()
    _set_tags(post, tags)
    _set_results(post, results)
    attachments.add_rows(stored, actor.user_id, post_id=post.id)
    db.session.flush()
    index_post(post)
    events.mentioned(mentioned, post, actor_id=actor.user_id)


def delete_post(actor: Membership, post: Post) -> None:
    """Soft delete: gone for members, kept for the audit trail."""
    policy.require_visible(policy.can_open_post(actor, post))
    policy.require_permission(
        policy.can_delete_post(actor, post), "Only the author or a facilitator can delete this post."
    )
    post.deleted_at = utcnow()
    post.deleted_by_id = actor.user_id
    post.form_key = None  # the form it came from, sent again, shares it anew rather than finding it gone
    db.session.flush()
    index_post(post)
    if post.author_id != actor.user_id:
        # A facilitator stepping in, as a hide is; the log names neither the author nor the words.
        audit.record(actor, "post_deleted", post, post.cohort_id, f"Deleted a {post.kind.value}")


def pin_post(actor: Membership, post: Post) -> None:
    """Pin an announcement on the cohort home again; it stands with the newest pinned."""
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require(post.kind == PostKind.ANNOUNCEMENT, "Only announcements are pinned on the cohort home.")
    policy.require_permission(policy.can_change_pin(actor, post), "Only a facilitator pins announcements.")
    policy.require(post.pinned_at is None, "This announcement is already pinned on the cohort home.")
    policy.require(policy.can_pin(actor, post), "A hidden announcement cannot be pinned: restore it first.")
    post.pinned_at = utcnow()


def unpin_post(actor: Membership, post: Post) -> None:
    """Take an announcement off the cohort home; it stays among the posts, with its replies."""
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require(post.kind == PostKind.ANNOUNCEMENT, "Only announcements are pinned on the cohort home.")
    policy.require_permission(policy.can_change_pin(actor, post), "Only a facilitator unpins announcements.")
    policy.require(policy.can_unpin(actor, post), "This announcement is not pinned.")
    post.pinned_at = None


def _touch(post: Post, **counts) -> None:
    # Activity is not an edit: it must not raise the content version.
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(last_activity_at=utcnow(), **counts)
        .execution_options(synchronize_session=False)
    )


def advice_column(reply: Reply, post: Post) -> str | None:
    """Which of the post's advice counts holds this reply: none for the author's own or a deleted one."""
    if reply.author_id == post.author_id or reply.deleted_at is not None:
        return None
    return "hidden_advice_count" if reply.hidden_at is not None else "advice_count"


def move_advice(post_id: int, moves: dict[str | None, int]) -> None:
    """Add to the post's advice counts ({column: change}; a None column is no count), in SQL
    (``n = n + 1``), so writers at once each add to what the others left."""
    columns = Post.__table__.c
    values = {name: columns[name] + change for name, change in moves.items() if name and change}
    if values:
        db.session.execute(
            update(Post).where(Post.id == post_id).values(values).execution_options(synchronize_session=False)
        )


@contextmanager
def advice_counted(reply: Reply) -> Iterator[None]:
    """Keep the post's advice counts in step with what the block does to ``reply``. Its state is read
    afresh under a row lock first (PostgreSQL; SQLite has one writer at a time), so two changes at
    once (hiding it twice, deleting it while it is hidden) each count from what the other left."""
    db.session.refresh(reply, with_for_update={"key_share": True})
    was = advice_column(reply, reply.post)
    yield
    now = advice_column(reply, reply.post)
    if was != now:
        move_advice(reply.post_id, {was: -1, now: 1})


def add_reply(
    actor: Membership,
    post: Post,
    body: str,
    parent: Reply | None = None,
    files: Sequence[attachments.Upload] = (),
) -> Reply:
    """Reply to the post, or to a reply in it, with ``files`` attached (checked as a post's are)."""
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require(policy.can_reply(actor, post), "This post takes no replies while the facilitator looks into it.")
    policy.require(parent is None or policy.can_reply(actor, post, parent), PARENT_GONE)
    stored = attachments.store(attachments.check(list(files)))
    reply = Reply(post=post, author_id=actor.user_id, parent_id=parent.id if parent else None, body=body)
    reply.body_html, mentioned = render_with_mentions(body, post.cohort_id)
    db.session.add(reply)
    db.session.flush()
    attachments.add_rows(stored, actor.user_id, post_id=post.id, reply_id=reply.id)
    counted = advice_column(reply, post)
    _touch(post, **({counted: Post.__table__.c[counted] + 1} if counted else {}))
    index_post(post)
    events.reply_added(reply, post, parent, mentioned)
    return reply


def edit_reply(actor: Membership, reply: Reply, body: str) -> None:
    policy.require_visible(policy.can_see_reply(actor, reply, reply.post))
    policy.require_permission(policy.can_edit_reply(actor, reply, reply.post), "Only its author can edit this reply.")
    mentioned = newly_mentioned(reply.body, body, reply.post.cohort_id)
    reply.body = body
    reply.body_html, _ = render_with_mentions(body, reply.post.cohort_id)
    reply.edited_at = utcnow()
    db.session.flush()
    index_post(reply.post)
    events.mentioned(mentioned, reply.post, reply=reply, actor_id=actor.user_id)


def delete_reply(actor: Membership, reply: Reply) -> None:
    """Leave a "[deleted]" placeholder, so the replies to it keep their place."""
    policy.require_visible(policy.can_see_reply(actor, reply, reply.post))
    policy.require_permission(
        policy.can_delete_reply(actor, reply, reply.post), "Only its author can delete this reply."
    )
    with advice_counted(reply):
        reply.deleted_at = utcnow()
        reply.body = ""
        reply.body_html = ""
        reply.helpful_at = None
    db.session.flush()
    index_post(reply.post)


def set_helpful(actor: Membership, reply: Reply, helpful: bool) -> None:
    """The post's author marks advice helpful, or takes the mark back."""
    policy.require_visible(policy.can_see_reply(actor, reply, reply.post))
    policy.require_permission(
        policy.can_mark_helpful(actor, reply.post, reply, helpful),
        "Only the author of the post marks others’ advice as helpful.",
    )
    if helpful and reply.helpful_at is None:
        events.marked_helpful(reply, reply.post)
    reply.helpful_at = utcnow() if helpful else None


# "On a session agenda" is not among them: it follows the agenda (see Post.shown_status), so a
# challenge is proposed for a session, not marked as if it had been.
ALLOWED_STATUS_CHANGES = {
    ChallengeStatus.OPEN: {ChallengeStatus.PARKED, ChallengeStatus.RESOLVED},
    ChallengeStatus.TRYING: {ChallengeStatus.OPEN, ChallengeStatus.PARKED, ChallengeStatus.RESOLVED},
    ChallengeStatus.RESOLVED: {ChallengeStatus.OPEN},
    ChallengeStatus.PARKED: {ChallengeStatus.OPEN},
}


def set_status(actor: Membership, post: Post, status: ChallengeStatus) -> None:
    """Move a challenge along its loop; "trying" is reached by recording what will be tried."""
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require(post.is_challenge, "Only challenges have a status.")
    policy.require_permission(
        policy.can_change_status(actor, post), "Only the author or a facilitator can move this challenge on."
    )
    if status not in ALLOWED_STATUS_CHANGES[post.status]:
        raise policy.Refused(f"A challenge that is {post.status.label.lower()} cannot become {status.label.lower()}.")
    post.status = status


def record_commitment(actor: Membership, post: Post, text: str) -> None:
    """The author's "what I'll try": visible to the cohort, and the challenge is now being tried.

    ``committed_at`` marks when the challenge became "trying", or the author changed what they will
    try: the clock that asks them, later, what happened next. The same text saved again moves nothing."""
    policy.require_visible(policy.can_see_post(actor, post) and post.is_challenge)
    policy.require_permission(policy.can_record_progress(actor, post), "Only the author records what they will try.")
    becomes_trying = post.status in (ChallengeStatus.OPEN, ChallengeStatus.PARKED)
    if becomes_trying or text != post.commitment or post.committed_at is None:
        post.committed_at = utcnow()
    mentioned = newly_mentioned(post.commitment, text, post.cohort_id)
    post.commitment = text
    post.commitment_html, _ = render_with_mentions(text, post.cohort_id)
    if becomes_trying:
        post.status = ChallengeStatus.TRYING
    _touch(post)
    db.session.flush()
    index_post(post)
    events.mentioned(mentioned, post, actor_id=actor.user_id)


def record_outcome(actor: Membership, post: Post, text: str, results: list[ResultRow]) -> None:
    """ "What happened next", with measured results; a challenge with an outcome is resolved.

    ``outcome_at`` marks when the outcome that resolved the challenge (or a story's first) was
    recorded: correcting it later keeps that time, so an old outcome does not come round again as
    news ("outcomes recorded since the last session"); one recorded after reopening is news."""
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require_permission(policy.can_record_progress(actor, post), "Only the author records what happened next.")
    if post.outcome_at is None or (post.is_challenge and post.status != ChallengeStatus.RESOLVED):
        post.outcome_at = utcnow()
    mentioned = newly_mentioned(post.outcome, text, post.cohort_id)
    post.outcome = text
    post.outcome_html, _ = render_with_mentions(text, post.cohort_id)
    _set_results(post, results)
    if post.is_challenge:
        post.status = ChallengeStatus.RESOLVED
    _touch(post)
    db.session.flush()
    index_post(post)
    events.mentioned(mentioned, post, actor_id=actor.user_id)


def set_adoption(actor: Membership, post: Post, adopting: bool) -> None:
    """Say, or take back, "I'm adopting this" on a story."""
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require(post.kind == PostKind.STORY, "Only stories can be adopted.")
    policy.require(post.author_id != actor.user_id, "This is your own story.")
    if adopting:
        policy.require(policy.can_adopt(actor, post), "This story cannot be adopted while it is hidden.")
        insert_or_ignore(
            Adoption, {"post_id": post.id, "user_id": actor.user_id, "created_at": utcnow()}, ["post_id", "user_id"]
        )
    else:
        db.session.execute(delete(Adoption).where(Adoption.post_id == post.id, Adoption.user_id == actor.user_id))


def mark_read(actor: Membership, post: Post, *, notified: bool = True) -> None:
    """Remember when this member last read the thread, for its unread marks, and mark read what they
    were notified of about it (``notified=False``: the caller knows nothing waits)."""
    if not policy.can_open_post(actor, post):
        return
    if notified:
        notification_ops.mark_thread_read(actor.user_id, post)
    now = utcnow()
    upsert(
        PostRead,
        {"user_id": actor.user_id, "post_id": post.id, "read_at": now},
        ["user_id", "post_id"],
        {"read_at": now},
    )


def set_hidden(target: Post | Reply, hidden_by: int | None) -> None:
    """Hide (``hidden_by`` a user id) or restore (None) a post or reply; the search index follows.
    The rule is the moderation operation's; this is the write it shares with nothing else."""
    if isinstance(target, Reply):
        with advice_counted(target):
            _set_hidden(target, hidden_by)
    else:
        _set_hidden(target, hidden_by)
    db.session.flush()
    index_post(target if isinstance(target, Post) else target.post)


def _set_hidden(target: Post | Reply, hidden_by: int | None) -> None:
    target.hidden_at = utcnow() if hidden_by else None
    target.hidden_by_id = hidden_by


def tag_names(post: Post) -> str:
    return ", ".join(tag.name for tag in post.tags)

"""Writes on posts and replies. Each leaves the commit to its caller, and keeps the search
index in step within the same transaction."""

import re
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from ..extensions import db
from ..markdown import render_markdown
from ..models import (
    Adoption,
    ChallengeStatus,
    Cohort,
    MeasuredResult,
    Post,
    PostKind,
    PostRead,
    Reply,
    Tag,
    User,
    Visibility,
    utcnow,
)
from ..upsert import insert_or_ignore, upsert
from .search import index_post

MAX_TAGS = 8
MAX_TAG_LENGTH = 40


class PostError(Exception):
    """An action that cannot be done, with a message fit to show the person who tried."""


class EditConflict(PostError):
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


def create_post(
    cohort: Cohort,
    author: User,
    *,
    kind: PostKind,
    title: str,
    body: str,
    tags: list[str],
    visibility: Visibility,
    results: list[ResultRow] = (),
) -> Post:
    post = Post(
        cohort_id=cohort.id,
        author=author,
        kind=kind,
        title=title,
        body=body,
        body_html=render_markdown(body),
        visibility=visibility,
        status=ChallengeStatus.OPEN if kind == PostKind.CHALLENGE else None,
    )
    db.session.add(post)
    db.session.flush()
    _set_tags(post, tags)
    _set_results(post, list(results))
    db.session.flush()
    index_post(post)
    return post


def edit_post(
    post: Post,
    *,
    seen_version: int,
    title: str,
    body: str,
    tags: list[str],
    visibility: Visibility,
    results: list[ResultRow],
) -> None:
    """Save an edit made on the page that showed ``seen_version``; refuse it if the post changed since."""
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
    post.body = body
    post.body_html = render_markdown(body)
    post.visibility = visibility
    post.edited_at = utcnow()
    _set_tags(post, tags)
    _set_results(post, results)
    db.session.flush()
    index_post(post)


def delete_post(post: Post, by: User) -> None:
    """Soft delete: gone for members, kept for the audit trail."""
    post.deleted_at = utcnow()
    post.deleted_by_id = by.id
    db.session.flush()
    index_post(post)


def _touch(post: Post) -> None:
    # Activity is not an edit: it must not raise the content version.
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(last_activity_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def add_reply(post: Post, author: User, body: str, parent: Reply | None) -> Reply:
    reply = Reply(post=post, author=author, parent_id=parent.id if parent else None, body=body)
    reply.body_html = render_markdown(body)
    db.session.add(reply)
    db.session.flush()
    _touch(post)
    index_post(post)
    return reply


def edit_reply(reply: Reply, body: str) -> None:
    reply.body = body
    reply.body_html = render_markdown(body)
    reply.edited_at = utcnow()
    db.session.flush()
    index_post(reply.post)


def delete_reply(reply: Reply) -> None:
    """Leave a "[deleted]" placeholder, so the replies to it keep their place."""
    reply.deleted_at = utcnow()
    reply.body = ""
    reply.body_html = ""
    reply.helpful_at = None
    db.session.flush()
    index_post(reply.post)


def set_helpful(reply: Reply, helpful: bool) -> None:
    reply.helpful_at = utcnow() if helpful else None


ALLOWED_STATUS_CHANGES = {
    ChallengeStatus.OPEN: {ChallengeStatus.ON_AGENDA, ChallengeStatus.PARKED, ChallengeStatus.RESOLVED},
    ChallengeStatus.ON_AGENDA: {ChallengeStatus.OPEN, ChallengeStatus.PARKED, ChallengeStatus.RESOLVED},
    ChallengeStatus.TRYING: {ChallengeStatus.ON_AGENDA, ChallengeStatus.PARKED, ChallengeStatus.RESOLVED},
    ChallengeStatus.RESOLVED: {ChallengeStatus.OPEN},
    ChallengeStatus.PARKED: {ChallengeStatus.OPEN},
}


def set_status(post: Post, status: ChallengeStatus) -> None:
    """Move a challenge along its loop; "trying" is reached by recording what will be tried."""
    if not post.is_challenge:
        raise PostError("Only challenges have a status.")
    if status not in ALLOWED_STATUS_CHANGES[post.status]:
        raise PostError(f"A challenge that is {post.status.label.lower()} cannot become {status.label.lower()}.")
    post.status = status


def record_commitment(post: Post, text: str) -> None:
    """The author's "what I'll try": visible to the cohort, and the challenge is now being tried."""
    if not post.is_challenge:
        raise PostError("Only challenges record what will be tried.")
    post.commitment = text
    post.commitment_html = render_markdown(text)
    if post.status in (ChallengeStatus.OPEN, ChallengeStatus.ON_AGENDA, ChallengeStatus.PARKED):
        post.status = ChallengeStatus.TRYING
    _touch(post)
    db.session.flush()
    index_post(post)


def record_outcome(post: Post, text: str, results: list[ResultRow]) -> None:
    """ "What happened next", with measured results; a challenge with an outcome is resolved."""
    post.outcome = text
    post.outcome_html = render_markdown(text)
    _set_results(post, results)
    if post.is_challenge:
        post.status = ChallengeStatus.RESOLVED
    _touch(post)
    db.session.flush()
    index_post(post)


def set_adoption(post: Post, user: User, adopting: bool) -> None:
    """Say, or take back, "I'm adopting this" on a story."""
    if post.kind != PostKind.STORY:
        raise PostError("Only stories can be adopted.")
    if post.author_id == user.id:
        raise PostError("This is your own story.")
    if adopting:
        insert_or_ignore(
            Adoption, {"post_id": post.id, "user_id": user.id, "created_at": utcnow()}, ["post_id", "user_id"]
        )
    else:
        db.session.execute(delete(Adoption).where(Adoption.post_id == post.id, Adoption.user_id == user.id))


def mark_read(user: User, post: Post) -> None:
    now = utcnow()
    upsert(PostRead, {"user_id": user.id, "post_id": post.id, "read_at": now}, ["user_id", "post_id"], {"read_at": now})


def hide(target: Post | Reply, by: User) -> None:
    if target.author_id == by.id:
        # Hiding says "a facilitator stepped in"; for one's own words, editing or deleting is honest.
        raise PostError("You can edit or delete what you wrote; another facilitator can hide it.")
    target.hidden_at = utcnow()
    target.hidden_by_id = by.id
    db.session.flush()
    index_post(target if isinstance(target, Post) else target.post)


def restore(target: Post | Reply) -> None:
    target.hidden_at = None
    target.hidden_by_id = None
    db.session.flush()
    index_post(target if isinstance(target, Post) else target.post)


def tag_names(post: Post) -> str:
    return ", ".join(tag.name for tag in post.tags)

"""Reading posts: the thread tree, the list with its counts, and how authors are named.

Each function runs a fixed number of queries whatever the number of posts or replies.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, tuple_
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import policy
from ..extensions import db
from ..forms import MAX_ID
from ..models import (
    Adoption,
    AgendaItem,
    AgendaStatus,
    Attachment,
    ChallengeStatus,
    CohortValue,
    Meeting,
    MeetingNote,
    Membership,
    Notification,
    Post,
    PostKind,
    PostRead,
    PostTag,
    Reply,
    Tag,
    Thanks,
    ThreadFollow,
    User,
    utcnow,
)
from ..policy import Permission
from .search import RESULTS_PER_PAGE, search_posts

# Replies indent up to this depth; deeper ones continue flat, saying whom they answer.
MAX_INDENT = 4
# "New" looks back this far, as Discourse's new topics do: a member back after a year is not told of
# thousands of old posts, and counting costs what a month of activity costs, not the whole archive.
NEWS_WINDOW = timedelta(days=30)


def author_label(post: Post, author: User, viewer: Membership) -> policy.ShownPerson:
    """Who wrote ``post`` (or one of its replies: ``author``), as the policy lets this viewer know it."""
    return policy.shown_person(viewer, post, author.id, author.name)


@dataclass
class ReplyActions:
    """What this viewer may do with one reply, as the policy decides."""

    reply: bool
    edit: bool
    delete: bool
    thank: bool
    flag: bool
    hide: bool
    restore: bool
    mark_helpful: bool
    unmark_helpful: bool


@dataclass
class ThreadEntry:
    reply: Reply
    author_name: policy.ShownPerson
    indent: int
    placeholder: str | None
    can: ReplyActions
    is_new: bool = False
    in_reply_to: policy.ShownPerson | None = None
    thanks: list = field(default_factory=list)
    # Whether the viewer is among those who thanked it (they may take it back).
    thanked: bool = False
    files: list[Attachment] = field(default_factory=list)


@dataclass
class PostActions:
    """What this viewer may do with the post itself, as the policy decides."""

    see: bool
    reply: bool
    edit: bool
    delete: bool
    thank: bool
    flag: bool
    hide: bool
    restore: bool
    adopt: bool
    change_status: bool
    bring_to_session: bool
    record_progress: bool
    pin: bool
    unpin: bool


@dataclass
class ReaderState:
    """Where this member stands with a thread: when they last read it, and whether they follow it
    (True), muted it (False) or neither (None)."""

    last_read: datetime | None = None
    following: bool | None = None
    # Whether notifications about this thread wait unread, so the visit knows to mark them read.
    notified: bool = False


@dataclass
class Thread:
    post: Post
    author_name: policy.ShownPerson
    entries: list[ThreadEntry]
    post_thanks: list
    adoptions: list[Adoption]
    helpful_count: int
    reply_count: int
    session_notes: list[tuple[MeetingNote, Meeting]]
    agenda: list[tuple[AgendaItem, Meeting]]
    can: PostActions
    # True: the viewer follows the thread; False: they muted it; None: neither.
    following: bool | None = None
    # The post's own files (each reply's are on its entry).
    files: list[Attachment] = field(default_factory=list)


def post_actions(post: Post, viewer: Membership) -> PostActions:
    return PostActions(
        see=policy.can_see_post(viewer, post),
        reply=policy.can_reply(viewer, post),
        edit=policy.can_edit_post(viewer, post),
        delete=policy.can_delete_post(viewer, post),
        thank=policy.can_thank(viewer, post, post),
        flag=policy.can_flag(viewer, post, post),
        hide=policy.can_hide(viewer, post, post),
        restore=policy.can_restore(viewer, post, post),
        adopt=policy.can_adopt(viewer, post),
        change_status=policy.can_change_status(viewer, post),
        bring_to_session=policy.can_bring_to_session(viewer, post),
        record_progress=policy.can_record_progress(viewer, post),
        pin=policy.can_pin(viewer, post),
        unpin=policy.can_unpin(viewer, post),
    )


def reply_actions(post: Post, reply: Reply, viewer: Membership) -> ReplyActions:
    return ReplyActions(
        reply=policy.can_reply(viewer, post, reply),
        edit=policy.can_edit_reply(viewer, reply, post),
        delete=policy.can_delete_reply(viewer, reply, post),
        thank=policy.can_thank(viewer, reply, post),
        flag=policy.can_flag(viewer, reply, post),
        hide=policy.can_hide(viewer, reply, post),
        restore=policy.can_restore(viewer, reply, post),
        mark_helpful=reply.helpful_at is None and policy.can_mark_helpful(viewer, post, reply, True),
        unmark_helpful=reply.helpful_at is not None and policy.can_mark_helpful(viewer, post, reply, False),
    )


def _thanks_by_target(post: Post, viewer: Membership, reply: Reply | None = None) -> dict[tuple[str, int], list]:
    """Who thanked the post and each of its replies (or only ``reply``), named as the viewer may know them."""
    targets = (
        Thanks.reply_id == reply.id
        if reply is not None
        else or_(Thanks.post_id == post.id, Thanks.reply_id.in_(select(Reply.id).where(Reply.post_id == post.id)))
    )
    rows = db.session.execute(
        select(Thanks.post_id, Thanks.reply_id, Thanks.user_id, User.name, CohortValue.name)
        .join(User, Thanks.user_id == User.id)
        .outerjoin(CohortValue, Thanks.value_id == CohortValue.id)
        .where(targets)
        .order_by(Thanks.created_at)
    ).all()
    grouped = defaultdict(list)
    for post_id, reply_id, user_id, name, value in rows:
        key = ("post", post_id) if post_id else ("reply", reply_id)
        shown = policy.shown_person(viewer, post, user_id, name)
        grouped[key].append({"user_id": user_id, "name": shown, "value": value})
    return grouped


def thanks_given(post: Post, viewer: Membership, reply: Reply) -> list:
    """Who thanked one reply, oldest first, as ``load_thread`` lists them."""
    return _thanks_by_target(post, viewer, reply).get(("reply", reply.id), [])


def _name_in_thread(post: Post, reply: Reply, viewer: Membership) -> policy.ShownPerson:
    """Who wrote a reply, as this viewer may know it; a deleted or hidden reply names no one."""
    placeholder = policy.reply_placeholder(viewer, reply)
    if placeholder is not None:
        return policy.ShownPerson(f"a {placeholder} reply", None)
    return author_label(post, reply.author, viewer)


def load_thread(post: Post, viewer: Membership, reader: ReaderState | None = None) -> Thread:
    """The post's replies as a tree in reading order: a parent before its children, siblings oldest first."""
    reader = reader or reader_state(viewer, post)
    last_read = reader.last_read
    replies = (
        db.session.execute(
            select(Reply)
            .join(Reply.author)
            .outerjoin(Reply.files)
            .options(contains_eager(Reply.author), contains_eager(Reply.files))
            .where(Reply.post_id == post.id)
            .order_by(Reply.created_at, Reply.id, Attachment.id)
        )
        .unique()
        .scalars()
        .all()
    )
    thanks = _thanks_by_target(post, viewer)
    children = defaultdict(list)
    for reply in replies:
        children[reply.parent_id].append(reply)
    names = {reply.id: _name_in_thread(post, reply, viewer) for reply in replies}

    entries = []
    stack = [(reply, 0) for reply in reversed(children[None])]
    while stack:  # depth-first without recursion: a thread may be hundreds deep
        reply, depth = stack.pop()
        entries.append(
            ThreadEntry(
                reply=reply,
                author_name=names[reply.id],
                indent=min(depth, MAX_INDENT),
                placeholder=policy.reply_placeholder(viewer, reply),
                can=reply_actions(post, reply, viewer),
                # As the posts list counts "new": readable, someone else's, since the last visit.
                is_new=last_read is not None
                and reply.created_at > last_read
                and reply.author_id != viewer.user_id
                and policy.can_see_reply(viewer, reply, post),
                in_reply_to=names.get(reply.parent_id) if depth > MAX_INDENT else None,
                thanks=thanks.get(("reply", reply.id), []),
                thanked=any(given["user_id"] == viewer.user_id for given in thanks.get(("reply", reply.id), ())),
                files=reply.files if policy.can_see_reply(viewer, reply, post) else [],
            )
        )
        stack.extend((child, depth + 1) for child in reversed(children[reply.id]))

    shown = [reply for reply in replies if policy.can_see_reply(viewer, reply, post)]
    # Only a story is adopted, and only a challenge is brought to a session (a post keeps its kind):
    # the other kinds skip those queries.
    is_story = post.kind == PostKind.STORY
    adoptions = (
        db.session.execute(
            select(Adoption)
            .join(Adoption.user)
            .options(contains_eager(Adoption.user))
            .where(Adoption.post_id == post.id)
            .order_by(Adoption.created_at)
        )
        .scalars()
        .all()
        if is_story
        else []
    )
    return Thread(
        post=post,
        author_name=author_label(post, post.author, viewer),
        entries=entries,
        post_thanks=thanks.get(("post", post.id), []),
        adoptions=adoptions,
        helpful_count=sum(1 for reply in shown if reply.helpful_at),
        reply_count=len(shown),
        session_notes=_session_notes(post, viewer) if post.is_challenge else [],
        agenda=_coming_agenda(post, viewer) if post.is_challenge else [],
        can=post_actions(post, viewer),
        following=reader.following,
        files=post.files if policy.can_see_post(viewer, post) else [],
    )


def _coming_agenda(post: Post, viewer: Membership) -> list[tuple[AgendaItem, Meeting]]:
    """The coming sessions this challenge is on, or proposed for, as this viewer may see them."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(AgendaItem, Meeting)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                AgendaItem.post_id == post.id,
                AgendaItem.status != AgendaStatus.DECLINED,
                policy.visible_agenda_items_condition(viewer),
                Meeting.ends_at > utcnow(),
                Meeting.cancelled_at.is_(None),
            )
            .order_by(Meeting.starts_at)
        )
    ]


def _session_notes(post: Post, viewer: Membership) -> list[tuple[MeetingNote, Meeting]]:
    """The current notes of the agenda items that discussed this challenge, as far as this viewer
    may see the sessions and their items."""
    latest = (
        select(func.max(MeetingNote.id))
        .join(AgendaItem, AgendaItem.id == MeetingNote.agenda_item_id)
        .where(AgendaItem.post_id == post.id, policy.visible_agenda_items_condition(viewer))
        .group_by(MeetingNote.agenda_item_id)
    )
    return [
        tuple(row)
        for row in db.session.execute(
            select(MeetingNote, Meeting)
            .join(Meeting, Meeting.id == MeetingNote.meeting_id)
            .where(MeetingNote.id.in_(latest), policy.visible_meetings_condition(viewer))
            .order_by(Meeting.starts_at)
        ).all()
    ]


# What the thread page shows of the post itself, loaded with it in one statement (a few results and
# files at most, so their product stays small).
# Tags in a query of their own: joined, the post's tags come from a nested (post_tag JOIN tag) that
# SQLite builds in full, every tag of every post, before it picks this post's (8 ms at 20,000 posts).
THREAD_LOAD_OPTIONS = (
    joinedload(Post.author),
    selectinload(Post.tags),
    joinedload(Post.results),
    joinedload(Post.files),
)


def _over_replies(viewer: Membership, aggregate, *conditions):
    """``aggregate`` over the replies to each listed post that this viewer can read."""
    return (
        select(aggregate)
        .where(Reply.post_id == Post.id, policy.visible_replies_condition(viewer), *conditions)
        .correlate(Post)
        .scalar_subquery()
    )


def _counted_replies(viewer: Membership, *conditions):
    return _over_replies(viewer, func.count(Reply.id), *conditions)


def _last_reply_at(viewer: Membership):
    return _over_replies(viewer, func.max(Reply.created_at))


@dataclass
class ListedPost:
    post: Post
    author_name: policy.ShownPerson
    reply_count: int
    last_reply_at: datetime | None
    helpful_count: int
    unread: bool
    new_replies: int


@dataclass
class Filters:
    kind: PostKind | None = None
    status: ChallengeStatus | None = None
    tag: str | None = None
    author_id: int | None = None

    @property
    def chosen(self) -> bool:
        return any((self.kind, self.status, self.tag, self.author_id))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
CURSOR = re.compile(r"([0-9]{1,16})-([0-9]{1,10})")


@dataclass(frozen=True)
class ListCursor:
    """A place in the posts list: the last activity and id of a row. A page is the rows just older
    (or newer) than it, read from the index in the list's order, so the hundredth page costs what
    the first does; and a post that moves up while someone pages on shifts no other row."""

    at: datetime
    post_id: int

    @property
    def token(self) -> str:
        """The cursor in a link: ``<microseconds since 1970>-<id>``."""
        return f"{(self.at - EPOCH) // MICROSECOND}-{self.post_id}"

    @classmethod
    def parse(cls, token: str) -> "ListCursor | None":
        """The cursor a link carries, or None for anything else."""
        found = CURSOR.fullmatch(token)
        if found is None or not 0 < int(found[2]) <= MAX_ID:
            return None
        return cls(EPOCH + int(found[1]) * MICROSECOND, int(found[2]))

    @classmethod
    def of(cls, post: Post) -> "ListCursor":
        return cls(post.last_activity_at, post.id)


@dataclass
class PostsPage:
    listed: list[ListedPost]
    # Where the next older and newer pages start, or None when there is none.
    older: ListCursor | None
    newer: ListCursor | None


def _filtered(viewer: Membership, filters: Filters) -> list[ColumnElement[bool]]:
    """The conditions the posts list's filters add, for the list and for a search alike."""
    conditions = []
    if filters.kind:
        conditions.append(Post.kind == filters.kind)
    if filters.status == ChallengeStatus.ON_AGENDA:
        conditions += [Post.status == ChallengeStatus.OPEN, Post.on_agenda]
    elif filters.status == ChallengeStatus.OPEN:
        conditions += [Post.status == ChallengeStatus.OPEN, ~Post.on_agenda]
    elif filters.status:
        conditions.append(Post.status == filters.status)
    if filters.tag:
        conditions.append(
            Post.id.in_(
                select(PostTag.post_id).join(Tag).where(Tag.name == filters.tag, Tag.cohort_id == viewer.cohort_id)
            )
        )
    if filters.author_id:
        conditions.append(policy.authored_by_condition(viewer, filters.author_id))
    return conditions


def list_posts(
    viewer: Membership,
    filters: Filters,
    before: ListCursor | None = None,
    after: ListCursor | None = None,
    per_page: int = 20,
) -> PostsPage:
    """A page of posts, newest activity first: the newest, or those just older than ``before``, or
    just newer than ``after``."""
    read_at = (
        select(PostRead.read_at)
        .where(PostRead.post_id == Post.id, PostRead.user_id == viewer.user_id)
        .correlate(Post)
        .scalar_subquery()
    )
    since = utcnow() - NEWS_WINDOW
    new_replies = (
        select(func.count(Reply.id))
        .join(PostRead, and_(PostRead.post_id == Reply.post_id, PostRead.user_id == viewer.user_id))
        .where(
            Reply.post_id == Post.id,
            policy.visible_replies_condition(viewer),
            Reply.author_id != viewer.user_id,
            Reply.created_at > PostRead.read_at,
            Reply.created_at > since,
        )
        .correlate(Post)
        .scalar_subquery()
    )
    statement = (
        select(
            Post,
            _counted_replies(viewer),
            _last_reply_at(viewer),
            _counted_replies(viewer, Reply.helpful_at.is_not(None)),
            read_at,
            new_replies,
        )
        .join(Post.author)
        .options(contains_eager(Post.author), selectinload(Post.tags))
        .where(policy.visible_posts_condition(viewer), *_filtered(viewer, filters))
    )
    key = tuple_(Post.last_activity_at, Post.id)
    if after is not None:
        rows = db.session.execute(
            statement.where(key > tuple_(after.at, after.post_id))
            .order_by(Post.last_activity_at, Post.id)
            .limit(per_page + 1)
        ).all()
        if len(rows) <= per_page:  # nothing newer beyond them: the newest page, full
            return list_posts(viewer, filters, per_page=per_page)
        rows = rows[per_page - 1 :: -1]
        newer = ListCursor.of(rows[0][0])
        older = ListCursor.of(rows[-1][0])
    else:
        if before is not None:
            statement = statement.where(key < tuple_(before.at, before.post_id))
        rows = db.session.execute(
            statement.order_by(Post.last_activity_at.desc(), Post.id.desc()).limit(per_page + 1)
        ).all()
        older = ListCursor.of(rows[per_page - 1][0]) if len(rows) > per_page else None
        # Past the last row, "newer" is the page before the cursor itself.
        newer = None if before is None else (ListCursor.of(rows[0][0]) if rows else before)
        rows = rows[:per_page]
    listed = [
        ListedPost(
            post=post,
            author_name=author_label(post, post.author, viewer),
            reply_count=reply_count,
            last_reply_at=last_reply_at,
            helpful_count=helpful_count,
            unread=read is None and post.author_id != viewer.user_id and post.created_at > since,
            new_replies=new or 0,
        )
        for post, reply_count, last_reply_at, helpful_count, read, new in rows
    ]
    return PostsPage(listed, older, newer)


def cohort_tags(viewer: Membership) -> list[str]:
    """Tags in use on posts the viewer can list. Each of the cohort's tags looks for one such post
    and stops there, so the cost follows the number of tags, not of posts carrying them."""
    in_use = (
        select(PostTag.post_id)
        .join(Post, Post.id == PostTag.post_id)
        .where(PostTag.tag_id == Tag.id, policy.visible_posts_condition(viewer))
        .exists()
    )
    return list(
        db.session.execute(
            select(Tag.name).where(Tag.cohort_id == viewer.cohort_id, in_use).order_by(Tag.name)
        ).scalars()
    )


def unanswered_challenges(viewer: Membership, limit: int = 5) -> list[ListedPost]:
    """Open challenges that no one but their author has replied to, oldest first: they need the cohort most."""
    rows = db.session.execute(
        select(Post, _counted_replies(viewer), _last_reply_at(viewer))
        .join(Post.author)
        .options(contains_eager(Post.author))
        .where(
            policy.visible_posts_condition(viewer),
            Post.kind == PostKind.CHALLENGE,
            Post.status == ChallengeStatus.OPEN,
            policy.unanswered_condition(viewer),
        )
        .order_by(Post.created_at)
        .limit(limit)
    ).all()
    return [
        ListedPost(post, author_label(post, post.author, viewer), count, last_reply_at, 0, False, 0)
        for post, count, last_reply_at in rows
    ]


def latest_stories(viewer: Membership, limit: int = 5) -> list[ListedPost]:
    rows = db.session.execute(
        select(Post, _counted_replies(viewer), _last_reply_at(viewer))
        .join(Post.author)
        .options(contains_eager(Post.author))
        .where(policy.visible_posts_condition(viewer), Post.kind == PostKind.STORY)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    ).all()
    return [
        ListedPost(post, author_label(post, post.author, viewer), count, last_reply_at, 0, False, 0)
        for post, count, last_reply_at in rows
    ]


# How many pinned announcements the cohort home shows; the rest are in the posts list.
PINNED_ON_HOME = 5


@dataclass
class PinnedAnnouncement:
    post: Post
    author_name: policy.ShownPerson
    reply_count: int


def pinned_announcements(viewer: Membership, limit: int = PINNED_ON_HOME) -> list[PinnedAnnouncement]:
    """The announcements pinned on the cohort home that this viewer may read, most recently pinned first."""
    rows = db.session.execute(
        select(Post, _counted_replies(viewer))
        .join(Post.author)
        .options(contains_eager(Post.author))
        .where(policy.visible_posts_condition(viewer), policy.pinned_condition())
        .order_by(Post.pinned_at.desc(), Post.id.desc())
        .limit(limit)
    ).all()
    return [PinnedAnnouncement(post, author_label(post, post.author, viewer), count) for post, count in rows]


def author_choices(viewer: Membership) -> list[tuple[int, str]]:
    """The members a viewer can filter the posts list by."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(policy.visible_members_condition(viewer))
            .order_by(User.name)
        )
    ]


def reader_state(viewer: Membership, post: Post) -> ReaderState:
    """One query for both, taken before the visit marks the thread read."""
    last_read = select(PostRead.read_at).where(PostRead.post_id == post.id, PostRead.user_id == viewer.user_id)
    following = select(ThreadFollow.following).where(
        ThreadFollow.post_id == post.id, ThreadFollow.user_id == viewer.user_id
    )
    notified = exists().where(
        Notification.user_id == viewer.user_id, Notification.post_id == post.id, Notification.read_at.is_(None)
    )
    row = db.session.execute(select(last_read.scalar_subquery(), following.scalar_subquery(), notified)).one()
    return ReaderState(last_read=row[0], following=row[1], notified=bool(row[2]))


def cohort_values(cohort_id: int) -> list[CohortValue]:
    """The values members can name when they thank someone, in the facilitators' order."""
    return list(
        db.session.execute(
            select(CohortValue)
            .where(CohortValue.cohort_id == cohort_id)
            .order_by(CohortValue.position, CohortValue.name)
        ).scalars()
    )


def search(viewer: Membership, query: str, page: int = 1, filters: Filters | None = None) -> tuple[list, bool]:
    """A page of the search results this viewer may see, among the posts ``filters`` select, each with
    its snippet and its author as they may know them, and whether a further page holds more."""
    found = search_posts(
        query,
        and_(policy.visible_posts_condition(viewer), *_filtered(viewer, filters or Filters())),
        viewer.cohort_id,
        limit=RESULTS_PER_PAGE + 1,
        offset=(page - 1) * RESULTS_PER_PAGE,
    )
    results = [(post, snippet, author_label(post, post.author, viewer)) for post, snippet in found]
    return results[:RESULTS_PER_PAGE], len(results) > RESULTS_PER_PAGE


def reply_in_thread(post: Post, reply_id: int) -> Reply | None:
    """A reply of this post that has not been deleted (whether the viewer may answer it is the policy's)."""
    return db.session.execute(
        select(Reply).where(Reply.id == reply_id, Reply.post_id == post.id, Reply.deleted_at.is_(None))
    ).scalar_one_or_none()


@dataclass(frozen=True)
class News:
    """What is new to a member in their cohort since they last read it, within ``NEWS_WINDOW``: posts
    they have not opened, and replies on those they have, since they read them (their own words aside)."""

    posts: int
    replies: int


def _news_counts(viewer: Membership) -> tuple:
    since = utcnow() - NEWS_WINDOW
    # The activity bound lets the cohort's activity index find the candidates: a post made or
    # answered within the window was active within it.
    unread_posts = (
        select(func.count())
        .select_from(Post)
        .where(
            policy.visible_posts_condition(viewer),
            Post.last_activity_at > since,
            Post.created_at > since,
            Post.author_id != viewer.user_id,
            ~exists().where(PostRead.post_id == Post.id, PostRead.user_id == viewer.user_id),
        )
        .scalar_subquery()
    )
    replies_since_read = (
        select(func.count())
        .select_from(Reply)
        .join(Post, Post.id == Reply.post_id)
        .join(PostRead, and_(PostRead.post_id == Post.id, PostRead.user_id == viewer.user_id))
        .where(
            policy.visible_posts_condition(viewer),
            Post.last_activity_at > since,
            policy.visible_replies_condition(viewer),
            Reply.author_id != viewer.user_id,
            Reply.created_at > PostRead.read_at,
            Reply.created_at > since,
        )
        .scalar_subquery()
    )
    return unread_posts, replies_since_read


def news(viewers: list[Membership]) -> list[News | None]:
    """What is new to each of these memberships in its cohort, in one statement however many there
    are; None for one that cannot read the cohort's posts (the charter not yet accepted)."""
    readers = [viewer for viewer in viewers if policy.may(viewer, Permission.TAKE_PART)]
    if not readers:
        return [None] * len(viewers)
    row = db.session.execute(select(*(count for reader in readers for count in _news_counts(reader)))).one()
    found = {reader.id: News(row[2 * at], row[2 * at + 1]) for at, reader in enumerate(readers)}
    return [found.get(viewer.id) for viewer in viewers]

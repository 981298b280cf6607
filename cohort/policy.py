"""THE rules of Cohort: who may list, open and do what inside a cohort, and how an author is shown.

Every function here is a plain function of a membership and an object. The membership is
``None`` for someone who is not, or no longer, a member; it grants nothing until its charter is
accepted. Nothing here reads ``g`` or the request, so a page, a mail, a digest, a background job
and the API ask the same question and get the same answer: a job that runs for user U asks with
U's membership of the cohort.

Each visibility rule comes twice, side by side: a predicate on one loaded object (``can_see_*``)
and an SQL condition for lists, counts, feeds and search (``*_condition``). The test
``tests/test_listings.py`` proves that every listing shows exactly what the predicates allow.

What a role may do is a set of permissions (``ROLE_PERMISSIONS``): a new role is one more entry
there, and no caller changes.
"""

import enum
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select

from .models import (
    AgendaItem,
    AgendaStatus,
    Attachment,
    ChallengeStatus,
    Flag,
    Meeting,
    Membership,
    NotificationKind,
    Post,
    PostKind,
    Reply,
    Role,
    User,
    Visibility,
)

ANONYMOUS = "A cohort member"
# The name a deleted account keeps, wherever its words stay (cohort/auth/ops.py ``delete_account``).
FORMER_MEMBER = "A former member"
# What stands where words were removed and their place is kept (as a deleted reply reads), naming no one.
REMOVED_WORDS = "[deleted]"


class Permission(enum.StrEnum):
    TAKE_PART = "take_part"  # read and write stories, challenges and replies; thank, flag, adopt
    SEE_SESSIONS = "see_sessions"  # sessions, their agendas and notes; answer, propose an item
    SEE_MEMBERS = "see_members"  # the member directory
    MODERATE = "moderate"  # facilitators-only and hidden content, Chatham House authors, flags
    RUN_SESSIONS = "run_sessions"  # schedule, edit, cancel; attendance, notes, the agenda, feedback
    MANAGE = "manage"  # invitations, settings, values, roles and removals
    ANNOUNCE = "announce"  # post announcements to the whole cohort; pin and unpin them on its home


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MEMBER: frozenset({Permission.TAKE_PART, Permission.SEE_SESSIONS, Permission.SEE_MEMBERS}),
    Role.FACILITATOR: frozenset(Permission),
}


class Refused(Exception):
    """An action the policy does not allow, with a message fit to show the person who tried.

    ``not_found`` marks a refusal about something the actor may not even know exists: callers
    answer it exactly as for a missing object (a page's 404, the API's JSON 404). ``forbidden``
    marks one their role or authorship does not allow (a 403), as opposed to one the object's
    state does not allow now, which callers explain (a message, a 409 or 422)."""

    def __init__(self, message: str = "This cannot be done.", *, not_found: bool = False, forbidden: bool = False):
        super().__init__(message)
        self.not_found = not_found
        self.forbidden = forbidden


def require(allowed: bool, message: str) -> None:
    """Raise ``Refused(message)`` unless ``allowed``: the state of things does not allow it now."""
    if not allowed:
        raise Refused(message)


def require_permission(allowed: bool, message: str) -> None:
    """Raise a forbidden ``Refused(message)`` unless ``allowed``: this actor may not do it."""
    if not allowed:
        raise Refused(message, forbidden=True)


def require_visible(allowed: bool) -> None:
    """Raise a not-found refusal unless ``allowed``: the object is not there for this actor."""
    if not allowed:
        raise Refused("Not found.", not_found=True)


# --- memberships and permissions -----------------------------------------------------------------


def is_active(membership: Membership | None) -> bool:
    """A membership that grants anything: it exists and its charter has been accepted."""
    return membership is not None and membership.charter_accepted_at is not None


def has(membership: Membership | None, permission: Permission) -> bool:
    """Whether this membership's role includes ``permission`` (charter accepted or not)."""
    return membership is not None and permission in ROLE_PERMISSIONS[membership.role]


def may(membership: Membership | None, permission: Permission) -> bool:
    """Whether this membership may use ``permission`` now: it holds it and has accepted the charter."""
    return is_active(membership) and has(membership, permission)


def roles_with(permission: Permission) -> list[Role]:
    return [role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions]


def raises(role: Role, current: Role) -> bool:
    """Whether ``role`` grants everything ``current`` does and more: joining or being added with it
    changes what someone who holds ``current`` may do."""
    return ROLE_PERMISSIONS[role] > ROLE_PERMISSIONS[current]


def memberships_holding(permission: Permission, membership=Membership) -> ColumnElement[bool]:
    """SQL twin of ``has``: rows of ``membership`` (the model, or an alias of it) whose role includes
    ``permission``, charter accepted or not."""
    return membership.role.in_(roles_with(permission))


def memberships_granting(permission: Permission) -> ColumnElement[bool]:
    """Membership rows that grant ``permission`` now: for queries across a person's cohorts."""
    return and_(Membership.charter_accepted_at.is_not(None), memberships_holding(permission))


def keeps_the_cohort(role: Role) -> bool:
    """Whether a membership with ``role`` can keep the cohort: manage it. Every cohort keeps one.

    The role counts, not the charter: a facilitator who has joined but not yet accepted the charter
    runs the cohort as soon as they do, so they may be the one who remains."""
    return Permission.MANAGE in ROLE_PERMISSIONS[role]


def keepers_condition(membership=Membership) -> ColumnElement[bool]:
    """SQL twin of ``keeps_the_cohort``, on the model or an alias of it."""
    return memberships_holding(Permission.MANAGE, membership)


def _cohort_of(membership: Membership | None, cohort_id: int) -> bool:
    return membership is not None and membership.cohort_id == cohort_id


# --- posts -------------------------------------------------------------------------------------


def can_open_post(membership: Membership | None, post: Post) -> bool:
    """The post's page answers: with its content, or, when hidden from this member, a placeholder."""
    return (
        may(membership, Permission.TAKE_PART)
        and _cohort_of(membership, post.cohort_id)
        and post.deleted_at is None
        and (
            post.visibility != Visibility.FACILITATORS
            or post.author_id == membership.user_id
            or has(membership, Permission.MODERATE)
        )
    )


def openable_posts_condition(membership: Membership | None) -> ColumnElement[bool]:
    """SQL twin of ``can_open_post``."""
    if not may(membership, Permission.TAKE_PART):
        return false()
    condition = and_(Post.cohort_id == membership.cohort_id, Post.deleted_at.is_(None))
    if has(membership, Permission.MODERATE):
        return condition
    return and_(condition, or_(Post.visibility != Visibility.FACILITATORS, Post.author_id == membership.user_id))


def can_see_post(membership: Membership | None, post: Post) -> bool:
    """The post's content is shown to this member, and it appears in their lists, counts and search."""
    return can_open_post(membership, post) and (post.hidden_at is None or has(membership, Permission.MODERATE))


def visible_posts_condition(membership: Membership | None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_post``: every list, count, feed and search of posts filters with it."""
    condition = openable_posts_condition(membership)
    if has(membership, Permission.MODERATE):
        return condition
    return and_(condition, Post.hidden_at.is_(None))


def _open_for_actions(post: Post) -> bool:
    # A hidden post is under review: nothing more is said or done on it until it is restored.
    return post.hidden_at is None


# --- replies -----------------------------------------------------------------------------------


def can_see_reply(membership: Membership | None, reply: Reply, post: Post) -> bool:
    """The reply's text is shown to this member (a deleted or hidden one leaves a placeholder)."""
    return (
        reply.post_id == post.id
        and can_see_post(membership, post)
        and reply.deleted_at is None
        and (reply.hidden_at is None or has(membership, Permission.MODERATE))
    )


def can_see_attachment(
    membership: Membership | None,
    attachment: Attachment,
    *,
    post: Post | None = None,
    reply: Reply | None = None,
    meeting: Meeting | None = None,
) -> bool:
    """A file is shown to whoever may see what carries it: the post, and the reply it is on, if any
    (so a hidden or deleted post or reply takes its files with it), or the session whose notes it
    came with."""
    if attachment.meeting_id is not None:
        return meeting is not None and meeting.id == attachment.meeting_id and can_see_meeting(membership, meeting)
    if post is None or attachment.post_id != post.id:
        return False
    if attachment.reply_id is None:
        return can_see_post(membership, post)
    return reply is not None and reply.id == attachment.reply_id and can_see_reply(membership, reply, post)


def can_remove_attachment(
    membership: Membership | None,
    attachment: Attachment,
    *,
    post: Post | None = None,
    reply: Reply | None = None,
    meeting: Meeting | None = None,
) -> bool:
    """Who attached a file to a post or reply takes it back (a facilitator hides the post instead, as
    for words); a session's files are the notes', which whoever runs sessions keeps."""
    if not can_see_attachment(membership, attachment, post=post, reply=reply, meeting=meeting):
        return False
    if attachment.meeting_id is not None:
        return may(membership, Permission.RUN_SESSIONS)
    return attachment.uploader_id == membership.user_id


def visible_replies_condition(membership: Membership | None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_reply``, for replies of posts already filtered as visible (counts)."""
    if not may(membership, Permission.TAKE_PART):
        return false()
    condition = Reply.deleted_at.is_(None)
    if has(membership, Permission.MODERATE):
        return condition
    return and_(condition, Reply.hidden_at.is_(None))


def unanswered_condition(membership: Membership | None) -> ColumnElement[bool]:
    """Posts with no reply from anyone but their author that this member can read, by the counts kept
    on each post (a twin of ``can_see_reply`` over others' replies, for posts already visible)."""
    condition = Post.advice_count == 0
    if has(membership, Permission.MODERATE):
        return and_(condition, Post.hidden_advice_count == 0)
    return condition


def reply_placeholder(membership: Membership | None, reply: Reply) -> str | None:
    """What stands in for a reply this member may not read: "deleted", "hidden", or None to show it."""
    if reply.deleted_at is not None:
        return "deleted"
    if reply.hidden_at is not None and not has(membership, Permission.MODERATE):
        return "hidden"
    return None


# --- how people are named ------------------------------------------------------------------------


def may_know_author(membership: Membership | None, post: Post) -> bool:
    """Whether this member may know who wrote ``post`` (Chatham House hides it from members)."""
    return (
        post.visibility != Visibility.CHATHAM_HOUSE
        or (membership is not None and post.author_id == membership.user_id)
        or has(membership, Permission.MODERATE)
    )


def shown_name(membership: Membership | None, post: Post, user_id: int, name: str) -> str:
    """The name to show for someone acting on ``post``'s thread, as this member may know it.

    On a Chatham House post its author is never named to members: not on the post, not on their
    replies, not among those who said thanks. Facilitators still see who it is."""
    if post.visibility != Visibility.CHATHAM_HOUSE or user_id != post.author_id:
        return name
    if membership is not None and user_id == membership.user_id:
        return f"You (others see “{ANONYMOUS}”)"
    if has(membership, Permission.MODERATE):
        return f"{name} (members see “{ANONYMOUS}”)"
    return ANONYMOUS


@dataclass(frozen=True)
class ShownPerson:
    """Someone acting on a thread, as a viewer may know them: the name to show and, where that name
    may lead to its holder's profile, whose it is (``None`` for a Chatham House author, to anyone).
    Printed, it is the name."""

    name: str
    user_id: int | None

    def __str__(self) -> str:
        return self.name


def shown_person(membership: Membership | None, post: Post, user_id: int, name: str) -> ShownPerson:
    """``shown_name``, with the profile it may link to: never a Chatham House author's, not even for
    the facilitators who see the name, since a link is shared and forwarded with the page."""
    anonymous = post.visibility == Visibility.CHATHAM_HOUSE and user_id == post.author_id
    return ShownPerson(shown_name(membership, post, user_id, name), None if anonymous else user_id)


def authored_by_condition(membership: Membership | None, author_id: int) -> ColumnElement[bool]:
    """Posts listed under an author filter: never a Chatham House post to someone who may not know."""
    condition = Post.author_id == author_id
    if has(membership, Permission.MODERATE) or (membership is not None and membership.user_id == author_id):
        return condition
    return and_(condition, Post.visibility != Visibility.CHATHAM_HOUSE)


def replies_by_condition(membership: Membership | None, author_id: int) -> ColumnElement[bool]:
    """Replies listed under their author (their profile), for a query joined to the replies' posts:
    never a Chatham House author's replies on their own post to someone who may not know who wrote it.
    The replies and posts are filtered as visible besides."""
    condition = Reply.author_id == author_id
    if has(membership, Permission.MODERATE) or (membership is not None and membership.user_id == author_id):
        return condition
    return and_(condition, or_(Post.visibility != Visibility.CHATHAM_HOUSE, Post.author_id != author_id))


# --- acting on posts and replies -----------------------------------------------------------------


def can_write_posts(membership: Membership | None) -> bool:
    return may(membership, Permission.TAKE_PART)


def can_announce(membership: Membership | None) -> bool:
    """Post an announcement: the facilitator speaking to the whole cohort."""
    return can_write_posts(membership) and may(membership, Permission.ANNOUNCE)


def can_post_kind(membership: Membership | None, kind: PostKind) -> bool:
    """Share a post of this kind: a story or challenge for every member, an announcement for those
    who announce."""
    if kind == PostKind.ANNOUNCEMENT:
        return can_announce(membership)
    return can_write_posts(membership)


def post_kinds(membership: Membership | None) -> list[PostKind]:
    """The kinds of post this member may share, in the order the new-post form offers them."""
    return [kind for kind in PostKind if can_post_kind(membership, kind)]


def can_edit_post(membership: Membership | None, post: Post) -> bool:
    """Only the author edits, and not while the post is hidden."""
    return can_see_post(membership, post) and post.author_id == membership.user_id and _open_for_actions(post)


def can_delete_post(membership: Membership | None, post: Post) -> bool:
    """The author (even of a hidden post) or a moderator."""
    return can_open_post(membership, post) and (
        post.author_id == membership.user_id or has(membership, Permission.MODERATE)
    )


def can_reply(membership: Membership | None, post: Post, parent: Reply | None = None) -> bool:
    """Reply to the post, or to a reply in it that this member can read; never on a hidden post."""
    if not (can_see_post(membership, post) and _open_for_actions(post)):
        return False
    return parent is None or can_see_reply(membership, parent, post)


def can_edit_reply(membership: Membership | None, reply: Reply, post: Post) -> bool:
    """Only its author, while they can read it and the post takes replies."""
    return (
        can_see_reply(membership, reply, post)
        and reply.author_id == membership.user_id
        and reply.hidden_at is None
        and _open_for_actions(post)
    )


def can_delete_reply(membership: Membership | None, reply: Reply, post: Post) -> bool:
    """Only its author: a facilitator hides what someone else wrote, never deletes it."""
    return can_see_reply(membership, reply, post) and reply.author_id == membership.user_id


def _can_respond_to(membership: Membership | None, target: Post | Reply, post: Post) -> bool:
    if isinstance(target, Reply):
        readable = can_see_reply(membership, target, post) and target.hidden_at is None
    else:
        readable = can_see_post(membership, post)
    return readable and _open_for_actions(post) and target.author_id != membership.user_id


def can_thank(membership: Membership | None, target: Post | Reply, post: Post) -> bool:
    """Thank someone else's words, while they are shown; never one's own."""
    return _can_respond_to(membership, target, post)


def can_flag(membership: Membership | None, target: Post | Reply, post: Post) -> bool:
    """Flag someone else's words for the facilitators, while they are shown."""
    return _can_respond_to(membership, target, post)


def can_hide(membership: Membership | None, target: Post | Reply, post: Post) -> bool:
    """A moderator hides what someone else wrote; for one's own words, editing or deleting is honest."""
    if not has(membership, Permission.MODERATE) or target.hidden_at is not None:
        return False
    if isinstance(target, Reply) and not can_see_reply(membership, target, post):
        return False
    return can_see_post(membership, post) and target.author_id != membership.user_id


def can_restore(membership: Membership | None, target: Post | Reply, post: Post) -> bool:
    if not may(membership, Permission.MODERATE) or target.hidden_at is None:
        return False
    if isinstance(target, Reply) and (target.post_id != post.id or target.deleted_at is not None):
        return False
    return can_see_post(membership, post)


def can_adopt(membership: Membership | None, post: Post) -> bool:
    """Say "I'm adopting this" on someone else's story."""
    return (
        can_see_post(membership, post)
        and post.kind == PostKind.STORY
        and post.author_id != membership.user_id
        and _open_for_actions(post)
    )


def can_change_status(membership: Membership | None, post: Post) -> bool:
    """Move a challenge along its loop: its author or a facilitator."""
    return (
        can_see_post(membership, post)
        and post.is_challenge
        and _open_for_actions(post)
        and (post.author_id == membership.user_id or has(membership, Permission.MODERATE))
    )


def can_record_progress(membership: Membership | None, post: Post) -> bool:
    """Record "what I'll try" and "what happened next" on a story or challenge: the author alone."""
    return (
        can_see_post(membership, post)
        and post.kind != PostKind.ANNOUNCEMENT
        and post.author_id == membership.user_id
        and _open_for_actions(post)
    )


# --- announcements pinned on the cohort home -----------------------------------------------------


def is_pinned(post: Post) -> bool:
    """Whether ``post`` stands pinned on the cohort home: a pinned announcement, neither hidden nor
    deleted. Whoever lists it still filters by ``visible_posts_condition``."""
    return (
        post.kind == PostKind.ANNOUNCEMENT
        and post.pinned_at is not None
        and post.hidden_at is None
        and post.deleted_at is None
    )


def pinned_condition() -> ColumnElement[bool]:
    """SQL twin of ``is_pinned``."""
    return and_(
        Post.kind == PostKind.ANNOUNCEMENT,
        Post.pinned_at.is_not(None),
        Post.hidden_at.is_(None),
        Post.deleted_at.is_(None),
    )


def can_change_pin(membership: Membership | None, post: Post) -> bool:
    """Decide whether an announcement is pinned: those who announce, on any announcement they can see
    (not only their own), whatever its state now."""
    return (
        can_see_post(membership, post) and post.kind == PostKind.ANNOUNCEMENT and may(membership, Permission.ANNOUNCE)
    )


def can_pin(membership: Membership | None, post: Post) -> bool:
    """Pin an announcement on the cohort home again (those who announce; any announcement, not only
    their own), unless it is pinned already or hidden while under review."""
    return can_change_pin(membership, post) and post.pinned_at is None and _open_for_actions(post)


def can_unpin(membership: Membership | None, post: Post) -> bool:
    """Take a pinned announcement off the cohort home (those who announce); it stays among the posts."""
    return can_change_pin(membership, post) and post.pinned_at is not None


def can_bring_to_session(membership: Membership | None, post: Post) -> bool:
    """Propose one's challenge for a session (its author, or a facilitator): only a challenge the whole
    cohort may read, still open to discussion, and not hidden."""
    return (
        can_see_post(membership, post)
        and post.is_challenge
        and _open_for_actions(post)
        and post.visibility != Visibility.FACILITATORS
        and post.status in (ChallengeStatus.OPEN, ChallengeStatus.TRYING)
        and (post.author_id == membership.user_id or has(membership, Permission.RUN_SESSIONS))
    )


def bringable_challenges_condition(membership: Membership | None) -> ColumnElement[bool]:
    """SQL twin of ``can_bring_to_session``: the challenges this member may link to an agenda item."""
    if not may(membership, Permission.TAKE_PART):
        return false()
    condition = and_(
        visible_posts_condition(membership),
        Post.hidden_at.is_(None),
        Post.kind == PostKind.CHALLENGE,
        Post.visibility != Visibility.FACILITATORS,
        Post.status.in_([ChallengeStatus.OPEN, ChallengeStatus.TRYING]),
    )
    if has(membership, Permission.RUN_SESSIONS):
        return condition
    return and_(condition, Post.author_id == membership.user_id)


def shown_to_every_member(post: Post) -> bool:
    """Whether every member of the cohort may read ``post``: what a calendar, read by no one in
    particular, may name."""
    return post.deleted_at is None and post.hidden_at is None and post.visibility != Visibility.FACILITATORS


def can_mark_helpful(membership: Membership | None, post: Post, reply: Reply, helpful: bool = True) -> bool:
    """The post's author marks others' advice helpful (not questions under an announcement); an old
    mark on their own reply can be taken back."""
    return (
        can_see_reply(membership, reply, post)
        and post.kind != PostKind.ANNOUNCEMENT
        and post.author_id == membership.user_id
        and _open_for_actions(post)
        and (not helpful or reply.author_id != membership.user_id)
    )


# --- sessions ------------------------------------------------------------------------------------


def can_see_meeting(membership: Membership | None, meeting: Meeting) -> bool:
    return may(membership, Permission.SEE_SESSIONS) and _cohort_of(membership, meeting.cohort_id)


def visible_meetings_condition(membership: Membership | None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_meeting``."""
    if not may(membership, Permission.SEE_SESSIONS):
        return false()
    return Meeting.cohort_id == membership.cohort_id


def meetings_of_user_condition(user_id: int) -> ColumnElement[bool]:
    """Sessions of every cohort where this person's membership shows sessions: dashboard and feed."""
    return Meeting.cohort_id.in_(
        select(Membership.cohort_id).where(Membership.user_id == user_id, memberships_granting(Permission.SEE_SESSIONS))
    )


def can_run_sessions(membership: Membership | None) -> bool:
    """Schedule, edit and cancel sessions; record attendance; publish notes; decide the agenda."""
    return may(membership, Permission.RUN_SESSIONS)


def can_see_agenda_item(membership: Membership | None, item: AgendaItem, meeting: Meeting) -> bool:
    """Accepted items for everyone; a proposal for whoever made it and those who run sessions."""
    return (
        item.meeting_id == meeting.id
        and can_see_meeting(membership, meeting)
        and (
            item.status == AgendaStatus.ACCEPTED
            or item.proposed_by_id == membership.user_id
            or has(membership, Permission.RUN_SESSIONS)
        )
    )


def agenda_items_for_everyone_condition() -> ColumnElement[bool]:
    """Agenda items everyone who may see their session sees: the accepted ones (calendars carry these)."""
    return AgendaItem.status == AgendaStatus.ACCEPTED


def visible_agenda_items_condition(membership: Membership | None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_agenda_item``."""
    if not may(membership, Permission.SEE_SESSIONS):
        return false()
    in_cohort = AgendaItem.meeting_id.in_(select(Meeting.id).where(visible_meetings_condition(membership)))
    if has(membership, Permission.RUN_SESSIONS):
        return in_cohort
    return and_(in_cohort, or_(agenda_items_for_everyone_condition(), AgendaItem.proposed_by_id == membership.user_id))


def can_answer(membership: Membership | None, meeting: Meeting) -> bool:
    """Answer yes, maybe or no (the session's own state, cancelled or past, is checked by the operation)."""
    return can_see_meeting(membership, meeting)


def can_propose_item(membership: Membership | None, meeting: Meeting) -> bool:
    """Propose an agenda item before the session; after it, only those who run sessions add items."""
    return (
        can_see_meeting(membership, meeting)
        and meeting.cancelled_at is None
        and (not meeting.has_ended() or has(membership, Permission.RUN_SESSIONS))
    )


def can_read_feedback(membership: Membership | None, meeting: Meeting) -> bool:
    return can_see_meeting(membership, meeting) and has(membership, Permission.RUN_SESSIONS)


def can_give_feedback(membership: Membership | None, meeting: Meeting, *, attended: bool) -> bool:
    """An attendee rates a session that took place; those who ran it do not rate their own session."""
    return (
        can_see_meeting(membership, meeting)
        and meeting.has_ended()
        and meeting.cancelled_at is None
        and attended
        and not has(membership, Permission.RUN_SESSIONS)
    )


# --- members, flags and the cohort itself --------------------------------------------------------


def can_see_members(membership: Membership | None) -> bool:
    return may(membership, Permission.SEE_MEMBERS)


def can_see_profile(membership: Membership | None, member: Membership) -> bool:
    """A member's profile in a cohort: for those who see the member directory of that cohort."""
    return can_see_members(membership) and member.cohort_id == membership.cohort_id


def visible_members_condition(membership: Membership | None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_profile``: memberships listed in the directory, whose profiles open (and
    wherever members are chosen from)."""
    if not may(membership, Permission.SEE_MEMBERS):
        return false()
    return members_of_condition(membership.cohort_id)


def members_of_condition(cohort_id, membership=Membership) -> ColumnElement[bool]:
    """Rows of ``membership`` (the model or an alias of it) in the cohort ``cohort_id`` (a value or a
    column): those ``visible_members_condition`` lists, to someone who may see members there."""
    return membership.cohort_id == cohort_id


def mentionable_members_condition(cohort_id: int) -> ColumnElement[bool]:
    """Memberships a text written in this cohort links when it mentions their handle: the cohort's
    current members, and no one from anywhere else. (Who is told of a mention is a question of who
    may read the text: the reading rules above.)"""
    return Membership.cohort_id == cohort_id


def can_manage(membership: Membership | None) -> bool:
    """Invitations, the cohort's settings and values, roles and removals."""
    return may(membership, Permission.MANAGE)


def can_change_membership(membership: Membership | None, target: Membership) -> bool:
    return can_manage(membership) and target.cohort_id == membership.cohort_id


def can_review_flags(membership: Membership | None) -> bool:
    return may(membership, Permission.MODERATE)


def open_flags_condition(membership: Membership | None) -> ColumnElement[bool]:
    """Flags waiting for review: unresolved, on content that still exists. The flags page and the
    count in the navigation both use this, so they cannot disagree."""
    if not may(membership, Permission.MODERATE):
        return false()
    live_posts = select(Post.id).where(Post.cohort_id == membership.cohort_id, Post.deleted_at.is_(None))
    live_replies = (
        select(Reply.id)
        .join(Post, Post.id == Reply.post_id)
        .where(Post.cohort_id == membership.cohort_id, Post.deleted_at.is_(None), Reply.deleted_at.is_(None))
    )
    return and_(
        Flag.cohort_id == membership.cohort_id,
        Flag.resolved_at.is_(None),
        or_(Flag.post_id.in_(live_posts), Flag.reply_id.in_(live_replies)),
    )


# --- who is told: recipients of notifications and mail -------------------------------------------
#
# The twins above filter objects for one membership; these filter memberships for one object, so one
# statement finds everyone to tell (and a list of notifications, joined to their memberships, keeps
# only what each reader may still read). ``membership`` and ``post``/``reply`` may be the models or
# aliases of them.


def members_granting(permission: Permission, membership=Membership) -> ColumnElement[bool]:
    """Memberships (of any cohort) that grant ``permission`` now: charter accepted, role holds it."""
    return and_(membership.charter_accepted_at.is_not(None), memberships_holding(permission, membership))


def readers_of_post_condition(membership=Membership, post=Post) -> ColumnElement[bool]:
    """SQL twin of ``can_see_post`` over memberships: the members who may read ``post``."""
    moderators = memberships_holding(Permission.MODERATE, membership)
    return and_(
        membership.cohort_id == post.cohort_id,
        members_granting(Permission.TAKE_PART, membership),
        post.deleted_at.is_(None),
        or_(post.visibility != Visibility.FACILITATORS, post.author_id == membership.user_id, moderators),
        or_(post.hidden_at.is_(None), moderators),
    )


def readers_of_reply_condition(membership=Membership, reply=Reply, post=Post) -> ColumnElement[bool]:
    """SQL twin of ``can_see_reply`` over memberships: the members who may read ``reply`` of ``post``."""
    return and_(
        reply.post_id == post.id,
        readers_of_post_condition(membership, post),
        reply.deleted_at.is_(None),
        or_(reply.hidden_at.is_(None), memberships_holding(Permission.MODERATE, membership)),
    )


# What a membership must grant to be told of each kind of notification, and to go on seeing it.
_TOLD_WITH = {
    NotificationKind.NEW_FLAG: Permission.MODERATE,
    NotificationKind.MEMBER_JOINED: Permission.MANAGE,
    NotificationKind.AGENDA_PROPOSAL: Permission.RUN_SESSIONS,
    NotificationKind.SESSION_CHANGE: Permission.SEE_SESSIONS,
    NotificationKind.SESSION_REMINDER: Permission.SEE_SESSIONS,
    NotificationKind.SESSION_NEWS: Permission.SEE_SESSIONS,
}


def permission_to_be_told(kind: NotificationKind) -> Permission:
    return _TOLD_WITH.get(kind, Permission.TAKE_PART)


def may_be_told_of_any(membership: Membership | None, kinds) -> bool:
    """Whether this membership's role is told of any of ``kinds`` (the account page offers those)."""
    return any(has(membership, permission_to_be_told(kind)) for kind in kinds)


def name_in_mail(post: Post | None, user_id: int | None, name: str) -> str:
    """How mail names someone acting on ``post``'s thread: never a Chatham House author, to anyone.

    Mail is forwarded, so it names no Chatham House author even to facilitators, who see the name on
    the page."""
    if post is not None and post.visibility == Visibility.CHATHAM_HOUSE and user_id == post.author_id:
        return ANONYMOUS
    return name


def can_leave(membership: Membership | None) -> bool:
    return membership is not None


def is_site_admin(user) -> bool:
    """Site admins create cohorts and name their facilitators; they see no cohort's content for it."""
    return user is not None and bool(getattr(user, "is_admin", False))


def can_suspend(admin, user: User) -> bool:
    """A site admin suspends and reinstates accounts, never their own: the site keeps someone to run it."""
    return is_site_admin(admin) and admin.id != user.id and user.deleted_at is None


def can_end_sign_ins(admin, user: User | None = None) -> bool:
    """A site admin signs out an account (``user``) or everyone, themself only from the account page,
    which keeps the browser they are using."""
    return is_site_admin(admin) and (user is None or (admin.id != user.id and user.deleted_at is None))


# --- two-factor sign-in -------------------------------------------------------------------------

# Who may be asked for two-factor sign-in, by the names ``COHORT_REQUIRE_2FA_FOR`` takes.
TWO_FACTOR_GROUPS = ("facilitators", "admins", "everyone")


def two_factor_groups(user: User, roles) -> frozenset[str]:
    """The groups of ``TWO_FACTOR_GROUPS`` that ``user`` (holding memberships of ``roles``) belongs to:
    site admins, and whoever keeps a cohort, charter accepted or not. They are asked to turn two-factor
    sign-in on, as a stolen password of theirs opens more than one person's words."""
    groups = set()
    if any(keeps_the_cohort(role) for role in roles):
        groups.add("facilitators")
    if is_site_admin(user):
        groups.add("admins")
    return frozenset(groups)


def two_factor_required(groups: frozenset[str], required_for: frozenset[str]) -> bool:
    """Whether a setting requiring two-factor sign-in of ``required_for`` requires it of someone in
    ``groups``: "everyone" names every account, asked or not."""
    return "everyone" in required_for or bool(groups & required_for)

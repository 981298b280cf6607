"""Listed equals may see: every listing shows each viewer exactly what the policy lets them open.

One scene holds a bit of everything (two cohorts; every visibility; hidden, deleted and resolved
posts; announcements pinned, unpinned, pinned again, hidden and deleted; replies by a Chatham
House author; past, coming and cancelled sessions with accepted, proposed and declined agenda
items; flags on live, hidden and deleted content; a member who left and one who has not yet
accepted the charter), built through the real operations. Every
object carries a marker (``M[post-hidden]``) in its title, body, name or reason, so a page shows
which objects it lists. For each viewer and each listing in ``LISTINGS``, the markers on the page
must be exactly the objects the listing is about that the policy's per-object check
(``policy.can_see_post`` …) lets that viewer see, and each author is named exactly as
``policy.shown_name`` names them.

A new listing joins ``LISTINGS`` the way a new page joins ``tests/pages.py``; the last test
fails until every page there is either in ``LISTINGS`` or in ``NOT_LISTINGS`` with a reason.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import select

from cohort import policy
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.meetings.queries import FEED_HISTORY
from cohort.models import (
    AgendaItem,
    AgendaStatus,
    ChallengeStatus,
    Cohort,
    Flag,
    Meeting,
    Membership,
    Post,
    PostKind,
    Reply,
    Role,
    Rsvp,
    RsvpResponse,
    User,
    Visibility,
    utcnow,
)
from cohort.moderation import ops as moderation_ops
from cohort.policy import Permission
from cohort.posts import ops as post_ops
from cohort.posts.queries import PINNED_ON_HOME

from . import factories, pages

WORD = "quillwort"  # in every post of both cohorts: what the search listing asks for
FILLERS = 15  # old stories, so that the posts list runs to a second page for everyone
VIEWERS = ("author", "member", "facilitator", "former", "newcomer", "outsider")


def mark(key: str) -> str:
    return f"M[{key}]"


def marker(kind: str, key: str) -> str:
    """How an object shows on a page: tags by their name in a list of choices, the rest by marker."""
    return f">{key}<" if kind == "tag" else mark(key)


# --- the listings ------------------------------------------------------------------------------


def everything(_world, _obj, _membership) -> bool:
    return True


def whole(text: str) -> str:
    return text


def between(start: str, end: str, *, cut: tuple[str, str] | None = None) -> Callable[[str], str]:
    """The part of a page from ``start`` to the next ``end`` (empty if absent), less the part ``cut``."""

    def part(text: str) -> str:
        at = text.find(start)
        if at < 0:
            return ""
        stop = text.find(end, at + len(start))
        found = text[at : stop if stop >= 0 else len(text)]
        inner = between(*cut)(found) if cut else ""
        return found.replace(inner, "") if inner else found

    return part


@dataclass(frozen=True)
class Variant:
    """One address of a listing, with which objects it is about (a filter, a session, a thread)."""

    url: str | Callable[[SimpleNamespace], str]  # or, for the calendar feed, made from the viewer
    cohort: str | None  # the cohort whose page it is, or None for a page across one's cohorts
    about: Callable = everything  # (world, object, viewer's membership) -> is it about this object
    opens: Callable | None = None  # (world, membership) -> may this viewer open the page at all


@dataclass(frozen=True)
class Listing:
    """One list on one page: the page's name in tests/pages.py, the kind of object it lists,
    its addresses, and where on the page it stands."""

    page: str
    kind: str  # post, reply, session, item, member, flag, tag, cohort
    variants: Callable  # (scene) -> {label: Variant}
    part: Callable[[str], str] = whole
    needs: Permission | None = None
    named: Callable | None = None  # (world, object) -> (post or None, user id, real name) to check names by
    count: str | None = None  # a pattern whose number must equal how many objects are listed
    selection: Callable | None = None  # a page that shows only some: (visible objects) -> those it must show


def in_each_cohort(path: str, **fields) -> Callable:
    return lambda scene: {
        f"cohort {cohort}": Variant(f"/c/{slug}{path}", cohort, **fields) for cohort, slug in scene.slugs.items()
    }


def post_filters(scene) -> dict[str, Variant]:
    """The posts list, unfiltered in each cohort, then under every kind, status, tag and author filter."""
    base = f"/c/{scene.slugs['a']}/posts/"
    variants = in_each_cohort("/posts/")(scene)
    for kind in PostKind:
        variants[f"kind={kind}"] = Variant(f"{base}?kind={kind}", "a", lambda w, p, m, kind=kind: p.kind == kind)
    for status in ChallengeStatus:
        variants[f"status={status}"] = Variant(
            f"{base}?status={status}", "a", lambda w, p, m, status=status: p.shown_status == status
        )
    for tag in scene.tags:
        variants[f"tag={tag}"] = Variant(
            f"{base}?tag={tag}", "a", lambda w, p, m, tag=tag: tag in {each.name for each in p.tags}
        )
    for key, person in scene.users.items():
        variants[f"author={key}"] = Variant(
            f"{base}?author={person.id}",
            "a",
            lambda w, p, m, uid=person.id: p.author_id == uid and policy.may_know_author(m, p),
        )
    return variants


def threads(scene) -> dict[str, Variant]:
    """Each post's page, in its own cohort and in the other one: about the post and its replies."""
    return {
        f"{key} in cohort {cohort}": Variant(
            f"/c/{slug}/posts/{scene.ids['post'][key]}",
            cohort,
            lambda w, obj, m, key=key: getattr(obj, "post_id", obj.id) == w.objects["post"][key].id,
            lambda w, m, key=key: policy.can_open_post(m, w.objects["post"][key]),
        )
        for key in scene.ids["post"]
        if "filler" not in key
        for cohort, slug in scene.slugs.items()
    }


def sessions(suffix: str, about: Callable = everything) -> Callable:
    """Each session's page (or file), in its own cohort and in the other one."""

    def variants(scene) -> dict[str, Variant]:
        return {
            f"{key} in cohort {cohort}": Variant(
                f"/c/{slug}/sessions/{scene.ids['session'][key]}{suffix}",
                cohort,
                lambda w, obj, m, key=key: about(w, obj, m, w.objects["session"][key]),
                lambda w, m, key=key: policy.can_see_meeting(m, w.objects["session"][key]),
            )
            for key in scene.ids["session"]
            for cohort, slug in scene.slugs.items()
        }

    return variants


def of_session(w, item, m, meeting) -> bool:
    """Items of the session the page names: those without a challenge, or whose challenge the viewer
    may read (the others stand as "A challenge no longer shown here", naming no one)."""
    return item.meeting_id == meeting.id and (item.post is None or policy.can_see_post(m, item.post))


def in_calendar(item) -> bool:
    """Accepted items a calendar names: a challenge's title only while every member may read it."""
    return item.status == AgendaStatus.ACCEPTED and (item.post is None or policy.shown_to_every_member(item.post))


def accepted_of_session(w, item, m, meeting) -> bool:
    return item.meeting_id == meeting.id and item.status == AgendaStatus.ACCEPTED


def on_pre_read(w, item, m, meeting) -> bool:
    """The pre-read's items: the accepted ones, those bringing a challenge only if the viewer may
    read it (the others stand as "A challenge no longer shown here", naming no one)."""
    return accepted_of_session(w, item, m, meeting) and (item.post is None or policy.can_see_post(m, item.post))


def brought_to(w, post, m, meeting) -> bool:
    """Challenges an accepted item brings to the session."""
    return any(
        item.post_id == post.id and accepted_of_session(w, item, m, meeting) for item in w.objects["item"].values()
    )


def helpful_on_pre_read(w, reply, m, meeting) -> bool:
    return reply.helpful_at is not None and brought_to(w, reply.post, m, meeting)


def outcome_since_last_session(w, post, m, meeting) -> bool:
    """Challenges of the session's cohort whose outcome came after the previous session (not
    cancelled) began, or the cohort did, and before this one began."""
    earlier = [
        other.starts_at
        for other in w.objects["session"].values()
        if other.cohort_id == meeting.cohort_id and other.cancelled_at is None and other.starts_at < meeting.starts_at
    ]
    since = max(earlier, default=w.objects["cohort"][f"cohort-{w.letter[meeting.cohort_id]}"].created_at)
    return (
        post.cohort_id == meeting.cohort_id
        and post.kind == PostKind.CHALLENGE
        and post.outcome_at is not None
        and since < post.outcome_at <= meeting.starts_at
    )


def bringable(w, post, m, meeting) -> bool:
    """The challenges a member may link when proposing an item, while the session takes proposals."""
    return policy.can_propose_item(m, meeting) and policy.can_bring_to_session(m, post)


def linked_on_agenda(w, post, m, meeting) -> bool:
    return any(
        item.post_id == post.id and item.meeting_id == meeting.id and policy.can_see_agenda_item(m, item, meeting)
        for item in w.objects["item"].values()
    )


def answered(w, user, m, meeting) -> bool:
    """Who answered; for a session that took place, only those who were members by then."""
    joined = w.memberships.get((user.id, meeting.cohort_id))
    then = not meeting.has_ended() or (joined is not None and joined.joined_at <= meeting.ends_at)
    return (meeting.id, user.id) in w.answers and then


def open_flag(w, flag, m) -> bool:
    """What the flags page is about: flags not yet dealt with, on content that still exists."""
    if flag.resolved_at is not None:
        return False
    if flag.reply is not None:
        return flag.reply.deleted_at is None and flag.reply.post.deleted_at is None
    return flag.post.deleted_at is None


def waiting_for_advice(w, post, m) -> bool:
    """Open challenges no one but their author has answered, as far as this viewer can read."""
    return (
        post.kind == PostKind.CHALLENGE
        and post.status == ChallengeStatus.OPEN
        and not any(
            reply.author_id != post.author_id and policy.can_see_reply(m, reply, post)
            for reply in w.replies_of.get(post.id, [])
        )
    )


def oldest(limit: int) -> Callable:
    return lambda visible: {key for key, _obj in sorted(visible, key=lambda kv: (kv[1].created_at, kv[1].id))[:limit]}


def newest(limit: int) -> Callable:
    return lambda visible: {
        key for key, _obj in sorted(visible, key=lambda kv: (kv[1].created_at, kv[1].id), reverse=True)[:limit]
    }


def pinned_first(limit: int) -> Callable:
    """The cohort home's pinned announcements: the most recently pinned."""
    return lambda visible: {
        key for key, _obj in sorted(visible, key=lambda kv: (kv[1].pinned_at, kv[1].id), reverse=True)[:limit]
    }


def in_feed(w, meeting: Meeting, m: Membership | None) -> bool:
    """What a calendar feed is about: recent and coming sessions, less those one said No to."""
    said_no = m is not None and w.answers.get((meeting.id, m.user_id)) == RsvpResponse.NO
    return meeting.ends_at > utcnow() - FEED_HISTORY and not said_no


def profiles(about: Callable) -> Callable:
    """Everyone's profile in each cohort, about what ``about`` (world, object, viewer, user id) says;
    a profile opens only for someone who is a member there now."""

    def variants(scene) -> dict[str, Variant]:
        return {
            f"cohort {cohort}, {key}": Variant(
                f"/c/{slug}/members/{person.id}",
                cohort,
                lambda w, obj, m, uid=person.id: about(w, obj, m, uid),
                lambda w, m, uid=person.id, c=cohort: w.membership(uid, c) is not None,
            )
            for cohort, slug in scene.slugs.items()
            for key, person in scene.users.items()
        }

    return variants


def shared_by(w, post, m, uid) -> bool:
    """A profile's stories and challenges: its owner's, where the viewer may know they wrote them."""
    return post.author_id == uid and post.kind != PostKind.ANNOUNCEMENT and policy.may_know_author(m, post)


def helpful_advice_of(w, reply, m, uid) -> bool:
    """A profile's advice marked helpful: its owner's, where the viewer may know they wrote it."""
    return (
        reply.author_id == uid
        and reply.helpful_at is not None
        and (reply.author_id != reply.post.author_id or policy.may_know_author(m, reply.post))
    )


def newest_of_each_kind(limit: int) -> Callable:
    """A profile's choice: the newest few stories and the newest few challenges."""
    return lambda visible: set().union(
        *(newest(limit)([(key, post) for key, post in visible if post.kind == kind]) for kind in PostKind)
    )


PROFILE_POSTS = between('<section aria-labelledby="story-heading"', '<section aria-labelledby="helpful-heading"')
PROFILE_ADVICE = between('<section aria-labelledby="helpful-heading"', "</section>")


def post_author(w, post):
    return post, post.author_id, post.author.name


def reply_author(w, reply):
    return reply.post, reply.author_id, reply.author.name


def item_proposer(w, item):
    return item.post, item.proposed_by_id, item.proposed_by.name


AGENDA = '<section id="agenda"'
PRE_READ_ITEMS = between('<section id="pre-read-items"', "</section>")
PRE_READ_OUTCOMES = between('<section id="pre-read-outcomes"', "</section>")
CHALLENGE_CHOICES = ('<select id="item-post"', "</select>")

LISTINGS: dict[str, Listing] = {
    "posts list": Listing("cohort.posts.index", "post", post_filters, named=post_author),
    "posts list: tag choices": Listing(
        "cohort.posts.index", "tag", in_each_cohort("/posts/"), between('<select id="tag"', "</select>")
    ),
    "posts list: author choices": Listing(
        "cohort.posts.index", "member", in_each_cohort("/posts/"), between('<select id="author"', "</select>")
    ),
    "search": Listing("search", "post", in_each_cohort(f"/posts/?q={WORD}"), named=post_author),
    "cohort home: pinned announcements": Listing(
        "cohort.cohorts.home",
        "post",
        in_each_cohort("/", about=lambda w, p, m: policy.is_pinned(p)),
        between('aria-labelledby="announcements-heading"', "</section>"),
        named=post_author,
        selection=pinned_first(PINNED_ON_HOME),
    ),
    "cohort home: waiting for advice": Listing(
        "cohort.cohorts.home",
        "post",
        in_each_cohort("/", about=waiting_for_advice),
        between('aria-labelledby="waiting-heading"', "</section>"),
        named=post_author,
        selection=oldest(5),
    ),
    "cohort home: latest stories": Listing(
        "cohort.cohorts.home",
        "post",
        in_each_cohort("/", about=lambda w, p, m: p.kind == PostKind.STORY),
        between('aria-labelledby="stories-heading"', "</section>"),
        named=post_author,
        selection=newest(5),
    ),
    "thread: the post": Listing(
        "cohort.posts.thread",
        "post",
        threads,
        lambda text: text.split('<section class="replies"')[0],
        named=post_author,
    ),
    "thread: replies": Listing(
        "cohort.posts.thread",
        "reply",
        threads,
        between('<section class="replies"', "</section>"),
        named=reply_author,
        count=r'id="replies-heading">\s*(\d+)',
    ),
    "dashboard: next sessions": Listing(
        "home.dashboard",
        "session",
        lambda scene: {"": Variant("/", None, lambda w, s, m: not s.has_ended() and s.cancelled_at is None)},
        between('aria-labelledby="sessions-heading"', "</section>"),
    ),
    "dashboard: my cohorts": Listing(
        "home.dashboard",
        "cohort",
        lambda scene: {"": Variant("/", None)},
        between('aria-labelledby="cohorts-heading"', "</section>"),
    ),
    "sessions list": Listing("cohort.meetings.index", "session", in_each_cohort("/sessions/")),
    "session: agenda": Listing(
        "cohort.meetings.detail", "item", sessions("", of_session), between(AGENDA, "</section>"), named=item_proposer
    ),
    "session: linked challenges": Listing(
        "cohort.meetings.detail",
        "post",
        sessions("", linked_on_agenda),
        between(AGENDA, "</section>", cut=CHALLENGE_CHOICES),
    ),
    "session: challenges to bring": Listing(
        "cohort.meetings.detail", "post", sessions("", bringable), between(*CHALLENGE_CHOICES)
    ),
    "session: who answered": Listing(
        "cohort.meetings.detail",
        "member",
        sessions("", answered),
        lambda text: between('<dl class="answers">', "</dl>")(text).split("<dt>Not answered")[0],
    ),
    "pre-read: agenda": Listing(
        "cohort.meetings.pre_read", "item", sessions("/pre-read", on_pre_read), PRE_READ_ITEMS, named=item_proposer
    ),
    "pre-read: challenges brought": Listing(
        "cohort.meetings.pre_read", "post", sessions("/pre-read", brought_to), PRE_READ_ITEMS, named=post_author
    ),
    "pre-read: advice marked helpful": Listing(
        "cohort.meetings.pre_read",
        "reply",
        sessions("/pre-read", helpful_on_pre_read),
        PRE_READ_ITEMS,
        named=reply_author,
    ),
    "pre-read: outcomes since the last session": Listing(
        "cohort.meetings.pre_read",
        "post",
        sessions("/pre-read", outcome_since_last_session),
        PRE_READ_OUTCOMES,
        named=post_author,
    ),
    "session: calendar file": Listing(
        "cohort.meetings.ics",
        "item",
        sessions(".ics", lambda w, item, m, meeting: item.meeting_id == meeting.id and in_calendar(item)),
    ),
    "session: notes": Listing(
        "cohort.participation.notes", "item", sessions("/notes", accepted_of_session), needs=Permission.RUN_SESSIONS
    ),
    "calendar feed: sessions": Listing(
        "calendar.feed",
        "session",
        lambda scene: {
            "": Variant(lambda person: f"/calendar/{person.calendar_token}.ics", None, lambda w, s, m: in_feed(w, s, m))
        },
    ),
    "calendar feed: agenda items": Listing(
        "calendar.feed",
        "item",
        lambda scene: {
            "": Variant(
                lambda person: f"/calendar/{person.calendar_token}.ics",
                None,
                lambda w, item, m: in_calendar(item) and in_feed(w, w.meeting_of(item), m),
            )
        },
    ),
    "members": Listing("cohort.cohorts.members", "member", in_each_cohort("/members")),
    # Every name carries "M[": asked for it, the suggestions offer everyone they may (at most 8), but
    # never the viewer themself.
    "members to mention": Listing(
        "cohort.cohorts.mention_suggestions",
        "member",
        in_each_cohort("/members/mentions?q=m%5B", about=lambda w, user, m: user.id != m.user_id),
    ),
    "profile: stories and challenges": Listing(
        "cohort.cohorts.profile", "post", profiles(shared_by), PROFILE_POSTS, selection=newest_of_each_kind(5)
    ),
    "profile: advice marked helpful": Listing(
        "cohort.cohorts.profile", "reply", profiles(helpful_advice_of), PROFILE_ADVICE
    ),
    "flags": Listing(
        "cohort.moderation.flags",
        "flag",
        in_each_cohort("/flags", about=open_flag),
        needs=Permission.MODERATE,
        count=r"Flags \((\d+)\)",
    ),
}


# Pages of tests/pages.py that list posts, replies, sessions, agenda items, members or flags.
LISTING_PAGES = {
    "home.dashboard",
    "cohort.cohorts.home",
    "cohort.cohorts.members",
    "cohort.cohorts.profile",
    "cohort.cohorts.mention_suggestions",
    "cohort.posts.index",
    "search",
    "cohort.posts.thread",
    "cohort.moderation.flags",
    "cohort.meetings.index",
    "cohort.meetings.detail",
    "cohort.meetings.pre_read",
    "cohort.meetings.ics",
    "cohort.participation.notes",
    "calendar.feed",
}

# The other pages of tests/pages.py, and why they list none of those.
NOT_LISTINGS = {
    "cohort.replies.answer": "a form answering one reply",
    "cohort.recognition.thank_reply_page": "a form thanking one reply, with who thanked it",
    "cohort.moderation.flag_reply_page": "a form flagging one reply",
    "cohort.loop.propose": "a form choosing a session for one challenge",
    "announcement": "a thread, as cohort.posts.thread (whose listings are checked), of an announcement",
    "story": "a thread, as cohort.posts.thread (whose listings are checked), of a story",
    "past session": "a session page, as cohort.meetings.detail (whose listings are checked), of a past one",
    "auth.login": "a form, before signing in",
    "auth.forgot_password": "a form, before signing in",
    "auth.invitation": "one invitation, before joining",
    "auth.reset_password": "a form",
    "auth.account": "the person's own account",
    "auth.own_photo": "the person's own photo",
    "cohort.cohorts.member_photo": "one member's photo, served as their profile is (tests/auth/test_photos.py)",
    "cohort.posts.attachment": "one file, served as what carries it is (tests/posts/test_attachments.py)",
    "cohort.meetings.attachment": "one file of a session's notes (tests/meetings/test_note_files.py)",
    "auth.delete_account": "a form",
    "auth.two_factor": "the person's own two-factor sign-in, in forms",
    "auth.two_factor_code": "a form, between the password and the code",
    "auth.download_data": "the person's own data: tests/auth/test_personal_data.py checks it holds no one else's",
    "admin.audit": "facilitators' and admins' actions, each named by its kind and object, none of the cohort's words",
    "cohort.audit.index": "the cohort's facilitator actions, none of the cohort's words",
    "auth.logout": "a form",
    "admin.cohorts": "cohorts for the site admin, none of their content",
    "notifications.index": "titles of what concerns the reader: tests/notifications checks each stays readable",
    "notifications.open_notification": "a redirect",
    "notifications.unsubscribe": "a form for one kind of mail, before signing in",
    "admin.people": "accounts for the site admin (name, address, cohort names), none of the cohorts' content",
    "admin.outbox": "message envelopes (kind, cohort, time, status), none of their words or recipients",
    "cohort.cohorts.charter": "the charter",
    "cohort.cohorts.invitations": "invitations by address, no member or content",
    "cohort.cohorts.settings": "the cohort's settings",
    "cohort.cohorts.leave": "a form",
    "cohort.posts.new": "a form",
    "cohort.posts.edit": "the author's own post, in a form",
    "cohort.replies.edit": "the author's own reply, in a form",
    "cohort.loop.commitment": "the author's own challenge, in a form",
    "cohort.loop.outcome": "the author's own post, in a form",
    "cohort.recognition.values": "the cohort's values",
    "cohort.meetings.new": "a form",
    "cohort.meetings.edit": "one session, in a form",
    "cohort.meetings.cancel": "one session, in a form",
    "not-found": "the 404 page",
    "static": "files",
    "home.healthz": "a status for load balancers",
    "monitoring.metrics": "figures for a scraper; no member's words (tests/test_monitoring.py)",
    "home.favicon": "a redirect to the site's icon",
    "auth.confirm_email": "a button that confirms one's own address",
}


# --- the scene ---------------------------------------------------------------------------------


def build_scene(app) -> SimpleNamespace:
    """Everything the listings list, made through the operations; gives back ids and keys only."""
    ids = {kind: {} for kind in ("post", "reply", "session", "item", "flag")}
    with app.test_request_context():
        a = factories.make_cohort(name=f"Riverside {mark('cohort-a')}")
        b = factories.make_cohort(name=f"Hillside {mark('cohort-b')}")
        users: dict[str, User] = {}

        def join(key: str, cohort: Cohort, role: Role = Role.MEMBER) -> Membership:
            users[key] = factories.make_user(name=f"{key.title()} {mark(f'user-{key}')}")
            membership = cohort_ops.add_member(cohort, users[key], role)
            cohort_ops.accept_charter(membership)
            return membership

        facilitator = join("facilitator", a, Role.FACILITATOR)
        cofacilitator = join("cofacilitator", a, Role.FACILITATOR)
        author, member, former = join("author", a), join("member", a), join("former", a)
        outsider, host = join("outsider", b), join("host", b, Role.FACILITATOR)
        users["newcomer"] = factories.make_user(name=f"Newcomer {mark('user-newcomer')}")
        (invitation,) = cohort_ops.invite_by_email(facilitator, [users["newcomer"].email])
        cohort_ops.redeem_invitation(invitation, users["newcomer"])  # and not yet accepted the charter

        def post(key, actor, kind=PostKind.STORY, visibility=Visibility.ATTRIBUTED, tags=()) -> Post:
            created = post_ops.create_post(
                actor,
                kind=kind,
                title=f"{kind.label} {mark(key)}",
                body=f"What we tried with {WORD} in outpatients.",
                tags=list(tags),
                visibility=visibility,
            ).post
            ids["post"][key] = created.id
            return created

        def reply(key, actor, on: Post, parent: Reply | None = None) -> Reply:
            created = post_ops.add_reply(actor, on, f"Advice {mark(key)}", parent)
            ids["reply"][key] = created.id
            return created

        def flag(key, actor, target: Post | Reply) -> Flag:
            created = moderation_ops.raise_flag(actor, target, f"Please look {mark(key)}")
            ids["flag"][key] = created.id
            return created

        for number in range(1, FILLERS + 1):
            post(f"post-filler-{number:02}", member)
        story = post("post-author-story", author, tags=["budget"])
        chatham_story = post("post-chatham-story", author, visibility=Visibility.CHATHAM_HOUSE)
        chatham = post("post-chatham-challenge", author, PostKind.CHALLENGE, Visibility.CHATHAM_HOUSE, ["board"])
        private = post("post-facilitators-only", author, PostKind.CHALLENGE, Visibility.FACILITATORS, ["secret"])
        went_private = post("post-went-private", author, PostKind.CHALLENGE)  # brought, then shown to facilitators only
        hidden = post("post-hidden", author, PostKind.CHALLENGE, tags=["board"])
        deleted = post("post-deleted", author, PostKind.CHALLENGE, tags=["budget"])
        resolved = post("post-resolved", author, PostKind.CHALLENGE, tags=["budget"])
        member_story = post("post-member-story", member, tags=["budget"])
        member_challenge = post("post-member-challenge", member, PostKind.CHALLENGE)
        post("post-former-story", former)
        facilitator_story = post("post-facilitator-story", facilitator)
        post("post-facilitator-private", facilitator, visibility=Visibility.FACILITATORS)
        announcement = post("post-announcement-pinned", facilitator, PostKind.ANNOUNCEMENT, tags=["budget"])
        unpinned = post("post-announcement-unpinned", cofacilitator, PostKind.ANNOUNCEMENT)
        hidden_announcement = post("post-announcement-hidden", cofacilitator, PostKind.ANNOUNCEMENT)
        deleted_announcement = post("post-announcement-deleted", facilitator, PostKind.ANNOUNCEMENT)
        repinned = post("post-announcement-repinned", facilitator, PostKind.ANNOUNCEMENT)
        elsewhere = post("post-b-story", outsider, tags=["budget", "hillside"])
        post("post-b-announcement", host, PostKind.ANNOUNCEMENT)
        elsewhere_chatham = post("post-b-chatham", outsider, PostKind.CHALLENGE, Visibility.CHATHAM_HOUSE)

        chatham_own = reply("reply-chatham-own", author, chatham)
        reply("reply-chatham-elsewhere", author, member_story)
        question = reply("reply-member-on-chatham", member, chatham_story)
        reply("reply-chatham-answer", author, chatham_story, question)
        advice = reply("reply-advice", member, resolved)
        to_hide = reply("reply-hidden", author, member_challenge)
        to_delete = reply("reply-deleted", author, member_challenge)
        on_hidden = reply("reply-on-hidden-post", member, hidden)
        on_deleted = reply("reply-on-deleted-post", member, deleted)
        reply("reply-on-facilitators-only", facilitator, private)
        far_advice = reply("reply-b", host, elsewhere)
        reply("reply-b-chatham-own", outsider, elsewhere_chatham)
        helpful = reply("reply-helpful-chatham", member, chatham)
        helpful_then_private = reply("reply-helpful-went-private", member, went_private)
        helpful_then_hidden = reply("reply-helpful-hidden", member, chatham)
        reply("reply-on-announcement", member, announcement)

        flag("flag-live-post", member, story)
        flag("flag-live-reply", author, advice)
        flag("flag-reply-on-hidden-post", author, on_hidden)
        flag("flag-hidden-post", member, hidden)
        flag("flag-hidden-reply", member, to_hide)
        flag("flag-deleted-post", member, deleted)
        flag("flag-reply-on-deleted-post", author, on_deleted)
        flag("flag-deleted-reply", member, to_delete)
        dismissed = flag("flag-dismissed", member, facilitator_story)
        flag("flag-b", outsider, far_advice)

        soon = datetime.now(ZoneInfo("Europe/London")).replace(hour=15, minute=0, second=0, microsecond=0)

        def session(key, cohort, days) -> Meeting:
            created = factories.make_meeting(cohort, start=soon + timedelta(days=days), title=f"Session {mark(key)}")
            ids["session"][key] = created.id
            return created

        def item(key, actor, meeting, on: Post | None = None, accept: bool | None = None) -> None:
            created = meeting_ops.propose_item(actor, meeting, f"Item {mark(key)}", on)
            if accept is not None:
                meeting_ops.decide_item(facilitator, created, accept)
            ids["item"][key] = created.id

        coming, past = session("session-coming", a, 7), session("session-past", a, 5)
        cancelled, far = session("session-cancelled", a, 10), session("session-b", b, 8)
        item("item-facilitator", facilitator, coming)
        item("item-chatham", author, coming, chatham, accept=True)
        item("item-hidden-link", facilitator, coming, hidden)
        item("item-deleted-link", author, coming, deleted, accept=True)
        item("item-proposed", member, coming, member_challenge)
        item("item-declined", author, coming, accept=False)
        item("item-former", former, coming)
        item("item-went-private", author, coming, went_private, accept=True)
        item("item-past-accepted", facilitator, past)
        item("item-past-proposed", member, past)
        item("item-cancelled", facilitator, cancelled)
        item("item-b", host, far)
        for actor, response in ((former, RsvpResponse.YES), (author, RsvpResponse.YES), (member, RsvpResponse.MAYBE)):
            meeting_ops.answer(actor, coming, response)
        meeting_ops.answer(outsider, far, RsvpResponse.YES)
        meeting_ops.answer(member, past, RsvpResponse.NO)
        # The past session was planned like the others, then moved to a fortnight ago.
        details = meeting_ops.SessionDetails(past.title, 90, past.location, past.video_url, past.agenda)
        back = soon - timedelta(days=14)
        meeting_ops.edit(
            facilitator,
            past,
            details,
            new_date=back.date(),
            new_time=back.time(),
            timezone=past.timezone,
            this_and_following=False,
        )
        meeting_ops.cancel(facilitator, cancelled, this_and_following=False)

        post_ops.record_outcome(author, resolved, "It worked.", [])
        # What the pre-read shows of the challenges brought: helpful advice, commitments, outcomes.
        for advice_marked in (helpful, helpful_then_private, helpful_then_hidden, on_hidden):
            post_ops.set_helpful(author, advice_marked, True)
        moderation_ops.hide(facilitator, helpful_then_hidden)
        # A mark on one's own reply is no longer given; one from before stands, and still names no one.
        chatham_own.helpful_at = utcnow()
        # Each commitment carries its challenge's marker: shown to anyone who may not read it, it is caught.
        for key, tried in (("post-chatham-challenge", chatham), ("post-went-private", went_private)):
            post_ops.record_commitment(author, tried, f"We will try {mark(key)}")
        for told in (private, hidden):
            post_ops.record_outcome(author, told, "It worked.", [])
        post_ops.record_outcome(outsider, elsewhere_chatham, "It worked here too.", [])
        post_ops.edit_post(
            author,
            went_private,
            seen_version=went_private.version,
            title=went_private.title,
            body=went_private.body,
            tags=[],
            visibility=Visibility.FACILITATORS,
            results=[],
        )
        moderation_ops.hide(facilitator, hidden)
        post_ops.unpin_post(facilitator, unpinned)
        post_ops.unpin_post(cofacilitator, repinned)
        post_ops.pin_post(facilitator, repinned)
        moderation_ops.hide(facilitator, hidden_announcement)  # still pinned, but not on the home page
        post_ops.delete_post(facilitator, deleted_announcement)
        moderation_ops.hide(facilitator, to_hide)
        post_ops.delete_post(author, deleted)
        post_ops.delete_reply(author, to_delete)
        moderation_ops.dismiss(facilitator, dismissed)
        cohort_ops.remove_membership(former, former)
        db.session.commit()
        return SimpleNamespace(
            slugs={"a": a.slug, "b": b.slug},
            ids={**ids, "cohort": {"cohort-a": a.id, "cohort-b": b.id}},
            users={
                key: SimpleNamespace(id=user.id, email=user.email, name=user.name, calendar_token=user.calendar_token)
                for key, user in users.items()
            },
            tags=sorted({tag.name for post_id in ids["post"].values() for tag in db.session.get(Post, post_id).tags}),
        )


# --- what the policy says each viewer may see ---------------------------------------------------

MODELS = {"post": Post, "reply": Reply, "session": Meeting, "item": AgendaItem, "flag": Flag, "cohort": Cohort}


class World:
    """The scene's objects, loaded, with everyone's memberships: what the policy is asked about."""

    def __init__(self, scene):
        self.scene = scene
        self.objects = {
            kind: {key: db.session.get(MODELS[kind], id_) for key, id_ in scene.ids[kind].items()} for kind in MODELS
        }
        self.objects["member"] = {f"user-{key}": db.session.get(User, person.id) for key, person in scene.users.items()}
        self.objects["tag"] = {name: name for name in scene.tags}
        self.letter = {cohort.id: key[-1] for key, cohort in self.objects["cohort"].items()}
        self.memberships = {(m.user_id, m.cohort_id): m for m in db.session.execute(select(Membership)).scalars()}
        self.answers = {(r.meeting_id, r.user_id): r.response for r in db.session.execute(select(Rsvp)).scalars()}
        self.replies_of: dict[int, list[Reply]] = {}
        for reply in self.objects["reply"].values():
            self.replies_of.setdefault(reply.post_id, []).append(reply)
        self.tagged: dict[str, list[Post]] = {}
        for post in self.objects["post"].values():
            for tag in post.tags:
                self.tagged.setdefault(tag.name, []).append(post)

    def membership(self, user_id: int, cohort: str) -> Membership | None:
        return self.memberships.get((user_id, self.scene.ids["cohort"][f"cohort-{cohort}"]))

    def meeting_of(self, item: AgendaItem) -> Meeting:
        return next(meeting for meeting in self.objects["session"].values() if meeting.id == item.meeting_id)

    def cohort_of(self, kind: str, obj) -> str | None:
        cohort_id = {
            "post": lambda: obj.cohort_id,
            "reply": lambda: obj.post.cohort_id,
            "session": lambda: obj.cohort_id,
            "item": lambda: self.meeting_of(obj).cohort_id,
            "flag": lambda: obj.cohort_id,
            "cohort": lambda: obj.id,
        }.get(kind)
        return self.letter[cohort_id()] if cohort_id else None

    def may_see(self, kind: str, membership: Membership | None, obj) -> bool:
        """The policy's per-object rule for each kind of object a page lists."""
        m = membership
        if kind == "post":
            return policy.can_see_post(m, obj)
        if kind == "reply":
            return policy.can_see_reply(m, obj, obj.post)
        if kind == "session":
            return policy.can_see_meeting(m, obj)
        if kind == "item":
            return policy.can_see_agenda_item(m, obj, self.meeting_of(obj))
        if kind == "member":  # the policy has only the SQL rule: the directory of one's own cohort
            return policy.can_see_members(m) and (obj.id, m.cohort_id) in self.memberships
        if kind == "flag":  # likewise: the flags of one's own cohort, for those who review them
            return policy.can_review_flags(m) and obj.cohort_id == m.cohort_id
        if kind == "tag":
            return any(policy.can_see_post(m, post) for post in self.tagged[obj])
        return m is not None  # a cohort: one's own, charter accepted or not


@dataclass
class Expected:
    """What one viewer must find on one variant of one listing."""

    url: str
    status: int
    member_of: set[str]  # markers of cohorts this viewer belongs to, which any of their pages may name
    candidates: set[str] = field(default_factory=set)  # every object of the kind the listing lists
    keys: set[str] = field(default_factory=set)
    required: set[str] | None = None
    names: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # key -> (shown_name, rule's, real)
    replies: dict[str, int] = field(default_factory=dict)  # post key -> replies this viewer can read
    unknown_authors: set[str] = field(default_factory=set)  # real names never to be shown on this page
    forbidden: set[str] = field(default_factory=set)  # markers of everything this viewer may not see


def expected_status(world, listing: Listing, variant: Variant, membership: Membership | None) -> int:
    if variant.cohort is None:
        return 200
    if membership is None:
        return 404
    if membership.charter_accepted_at is None:
        return 302
    if listing.needs and not policy.has(membership, listing.needs):
        return 403
    if variant.opens and not variant.opens(world, membership):
        return 404
    return 200


def expect(world: World, listing: Listing, variant: Variant, viewer: str) -> Expected:
    person = world.scene.users[viewer]
    own = world.membership(person.id, variant.cohort) if variant.cohort else None
    url = variant.url(person) if callable(variant.url) else variant.url
    member_of = {
        mark(key) for key, cohort in world.objects["cohort"].items() if (person.id, cohort.id) in world.memberships
    }
    expected = Expected(url, expected_status(world, listing, variant, own), member_of)
    if expected.status != 200:
        return expected

    def membership_for(kind, obj):
        if variant.cohort:
            return own
        cohort = world.cohort_of(kind, obj)
        return world.membership(person.id, cohort) if cohort else None

    for kind, objects in world.objects.items():
        if kind == "member":
            continue  # names are also shown as authors, who may have left: the member listings check them
        for key, obj in objects.items():
            if not world.may_see(kind, membership_for(kind, obj), obj):
                expected.forbidden.add(marker(kind, key))
    visible = []
    for key, obj in world.objects[listing.kind].items():
        m = membership_for(listing.kind, obj)
        if variant.about(world, obj, m) and world.may_see(listing.kind, m, obj):
            visible.append((key, obj, m))
    expected.candidates = set(world.objects[listing.kind])
    expected.keys = {key for key, _obj, _m in visible}
    if listing.selection:
        expected.required = listing.selection([(key, obj) for key, obj, _m in visible])
    if listing.named:
        for key, obj, m in visible:
            post, user_id, real = listing.named(world, obj)
            shown = policy.shown_name(m, post, user_id, real) if post else real
            expected.names[key] = (shown, chatham_house_name(m, post, user_id, real), real)
        if listing.kind == "post":
            expected.replies = {
                key: sum(policy.can_see_reply(m, reply, obj) for reply in world.replies_of.get(obj.id, []))
                for key, obj, m in visible
            }
        if own is not None and not policy.has(own, Permission.MODERATE):
            expected.unknown_authors = {
                post.author.name
                for post in world.objects["post"].values()
                if post.cohort_id == own.cohort_id
                and post.visibility == Visibility.CHATHAM_HOUSE
                and post.author_id != own.user_id
            }
    return expected


def chatham_house_name(viewer: Membership, post: Post | None, user_id: int, real: str) -> str:
    """The Chatham House rule in words, to hold ``shown_name`` to: on such a post's thread its
    author is "A cohort member" to members, told how others see them, and named to facilitators."""
    if post is None or post.visibility != Visibility.CHATHAM_HOUSE or user_id != post.author_id:
        return real
    if viewer.user_id == user_id:
        return "You (others see “A cohort member”)"
    if policy.has(viewer, Permission.MODERATE):
        return f"{real} (members see “A cohort member”)"
    return "A cohort member"


# --- what the pages show -----------------------------------------------------------------------


def fetch(client, url: str) -> tuple[int, str, str]:
    """Status, location and text of a page, with every next page it runs to; calendars unfolded."""
    response = client.get(url)
    status, location = response.status_code, response.headers.get("Location", "")
    page = response.get_data(as_text=True)
    text, seen = page, {url}
    while status == 200 and (older := re.search(r'<a href="([^"]+)" rel="next">', page)):
        url = older.group(1).replace("&amp;", "&")
        assert url not in seen, f"the pages of {url} loop"
        seen.add(url)
        page = client.get(url).get_data(as_text=True)
        text += page
    return status, location, re.sub(r"\r\n[ \t]", "", text)


ENTRY_START = re.compile(r"<(?:li|article)[\s>]")


def entries(text: str, needle: str) -> list[str]:
    """The list items (or article) around each place ``needle`` is shown: where its author is named."""
    found = []
    at = text.find(needle)
    while at >= 0:
        starts = [start.start() for start in ENTRY_START.finditer(text, 0, at)]
        ends = [end for end in (text.find("</li>", at), text.find("</article>", at)) if end >= 0]
        if starts and ends:
            found.append(text[starts[-1] : min(ends)])
        at = text.find(needle, at + len(needle))
    return found


def page_problems(expected: Expected, status: int, location: str, text: str) -> list[str]:
    """What is wrong with a page as a whole: its answer, and anything on it this viewer may not see."""
    if status != expected.status:
        return [f"answers {status}, not {expected.status}"]
    problems = [
        f"shows {found}, which this viewer may not see" for found in sorted(expected.forbidden) if found in text
    ]
    if status == 302 and "/charter" not in location:
        problems.append(f"sends the newcomer to {location}, not to the charter")
    if status != 200:
        markers = set(re.findall(r"M\[[^\]]+\]", text)) - expected.member_of
        problems += [f"shows {found} on a page this viewer may not open" for found in sorted(markers)]
    return problems


def listing_problems(listing: Listing, expected: Expected, text: str) -> list[str]:
    """What is wrong with one list on a page that answered: what it lists, counts and names."""
    problems = []
    region = listing.part(text)
    kind = listing.kind
    shown = {key for key in expected.candidates if marker(kind, key) in region}
    extra = shown - expected.keys
    if hidden := {key for key in extra if marker(kind, key) in expected.forbidden}:
        problems.append(f"lists {sorted(hidden)}, which the policy does not let this viewer see")
    if extra - hidden:
        problems.append(f"lists {sorted(extra - hidden)}, which this list is not about")
    missing = (expected.keys if expected.required is None else expected.required) - shown
    if missing:
        problems.append(f"leaves out {sorted(missing)}, which this viewer may see")
    if listing.count:
        counted = re.search(listing.count, region)
        if (int(counted.group(1)) if counted else 0) != len(expected.keys):
            problems.append(f"counts {counted and counted.group(1)}, not {len(expected.keys)}")
    rest = region.replace(between('<select id="author"', "</select>")(region), "")
    for key in sorted(shown & set(expected.names)):
        around = entries(region, marker(kind, key))
        for name in sorted(set(expected.names[key][:2])):
            if not any(str(escape(name)) in entry for entry in around):
                problems.append(f"does not name the author of {key} as “{name}”")
        _shown, rule, real = expected.names[key]
        if real not in rule and any(real in entry for entry in around):
            problems.append(f"shows the real name of the author of {key}, where it should read “{rule}”")
        for entry in around:
            if rule == real:  # named in plain words: the name may show here
                rest = rest.replace(entry, "")
            replies = re.search(r"(\d+) repl(?:y|ies)\b", entry)
            if key in expected.replies and replies and int(replies.group(1)) != expected.replies[key]:
                problems.append(f"counts {replies.group(1)} replies on {key}, not {expected.replies[key]}")
    problems += [
        f"names {name}, a Chatham House author this viewer may not know, outside their named posts"
        for name in sorted(expected.unknown_authors)
        if name in rest
    ]
    return problems


def test_every_listing_shows_each_viewer_exactly_what_the_policy_lets_them_see(app):
    """Each failure names the viewer, the listing, its address and what differs from the policy."""
    scene = build_scene(app)
    with app.app_context():
        world = World(scene)
        plans = [
            (viewer, name, label, listing, expect(world, listing, variant, viewer))
            for name, listing in LISTINGS.items()
            for label, variant in listing.variants(scene).items()
            for viewer in VIEWERS
        ]
    clients = {}
    for viewer in VIEWERS:
        clients[viewer] = app.test_client()
        assert clients[viewer].login(scene.users[viewer].email).status_code == 302, viewer
    problems, pages_seen = [], {}
    for viewer, name, label, listing, expected in plans:
        if (viewer, expected.url) not in pages_seen:  # several listings share a page: check it once
            pages_seen[viewer, expected.url] = status, location, text = fetch(clients[viewer], expected.url)
            problems += [
                f"{viewer} · {expected.url} ({name} {label}): {problem}"
                for problem in page_problems(expected, status, location, text)
            ]
        status, _location, text = pages_seen[viewer, expected.url]
        if status == expected.status == 200:
            problems += [
                f"{viewer} · {name} {label} ({expected.url}): {problem}"
                for problem in listing_problems(listing, expected, text)
            ]
    # The scene must give each listing something to show, or it proves nothing.
    empty = set(LISTINGS) - {name for _viewer, name, _label, _listing, expected in plans if expected.keys}
    assert not empty, f"the scene puts nothing on {sorted(empty)}"
    assert not problems, f"{len(problems)} listings differ from the policy:\n" + "\n".join(problems)


def test_every_page_that_lists_anything_is_in_the_registry():
    """A new page in tests/pages.py must join LISTINGS, or say in NOT_LISTINGS why it lists nothing."""
    placeholder = pages.Scene("slug", 1, 1, 1, "", "")
    every_page = {
        *pages.public_pages(placeholder),
        *pages.halfway_pages(placeholder),
        *pages.member_pages(placeholder),
        *pages.NOT_PAGES,
    }
    registered = {listing.page for listing in LISTINGS.values()}
    assert registered == LISTING_PAGES
    assert LISTING_PAGES <= every_page, "a listing's page is not in tests/pages.py"
    assert not LISTING_PAGES & set(NOT_LISTINGS)
    assert every_page - LISTING_PAGES - set(NOT_LISTINGS) == set(), "say whether these pages list anything"

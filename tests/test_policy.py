"""The policy's own rules, asked directly: each SQL condition selects exactly what its predicate
allows, and each action is allowed for exactly the roles and states the rule names.

The pages (``tests/test_listings.py``) add filters of their own (this session, this post), which can
hide a condition that lets through too much; here each condition is asked alone, over the listings
scene, for every membership of both cohorts and for someone with none.
"""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from cohort import policy
from cohort.extensions import db
from cohort.models import AgendaItem, Flag, Meeting, Membership, Post, PostKind, Reply, Role, Visibility, utcnow
from cohort.policy import Permission

from . import factories
from .test_listings import World, build_scene, open_flag


def _ids(statement) -> set[int]:
    return set(db.session.execute(statement).scalars())


def _twin_problems(world: World, m: Membership | None) -> list[str]:
    """Where an SQL condition and its predicate disagree for the viewer ``m``."""
    posts = world.objects["post"].values()
    replies = world.objects["reply"].values()
    meetings = world.objects["session"].values()
    items = world.objects["item"].values()
    flags = world.objects["flag"].values()
    memberships = world.memberships.values()
    pairs = {
        "openable posts": (
            select(Post.id).where(policy.openable_posts_condition(m)),
            {p.id for p in posts if policy.can_open_post(m, p)},
        ),
        "visible posts": (
            select(Post.id).where(policy.visible_posts_condition(m)),
            {p.id for p in posts if policy.can_see_post(m, p)},
        ),
        "pinned announcements": (
            select(Post.id).where(policy.visible_posts_condition(m), policy.pinned_condition()),
            {p.id for p in posts if policy.can_see_post(m, p) and policy.is_pinned(p)},
        ),
        "visible replies": (
            select(Reply.id)
            .join(Post, Post.id == Reply.post_id)
            .where(policy.visible_posts_condition(m), policy.visible_replies_condition(m)),
            {r.id for r in replies if policy.can_see_reply(m, r, r.post)},
        ),
        "challenges to bring to a session": (
            select(Post.id).where(policy.bringable_challenges_condition(m)),
            {p.id for p in posts if policy.can_bring_to_session(m, p)},
        ),
        "visible sessions": (
            select(Meeting.id).where(policy.visible_meetings_condition(m)),
            {s.id for s in meetings if policy.can_see_meeting(m, s)},
        ),
        "visible agenda items": (
            select(AgendaItem.id).where(policy.visible_agenda_items_condition(m)),
            {i.id for i in items if policy.can_see_agenda_item(m, i, world.meeting_of(i))},
        ),
        "the member directory": (
            select(Membership.id).where(policy.visible_members_condition(m)),
            {x.id for x in memberships if policy.can_see_members(m) and x.cohort_id == m.cohort_id},
        ),
        "open flags": (
            select(Flag.id).where(policy.open_flags_condition(m)),
            {
                f.id
                for f in flags
                if policy.can_review_flags(m) and f.cohort_id == m.cohort_id and open_flag(world, f, m)
            },
        ),
    }
    for person in world.scene.users.values():
        pairs[f"posts by user {person.id}"] = (
            select(Post.id).where(policy.authored_by_condition(m, person.id)),
            {p.id for p in posts if p.author_id == person.id and policy.may_know_author(m, p)},
        )
    problems = []
    for name, (statement, allowed) in pairs.items():
        selected = _ids(statement)
        if selected != allowed:
            too_many, too_few = sorted(selected - allowed), sorted(allowed - selected)
            problems.append(f"{name}: selects {too_many} too many, {too_few} too few")
    return problems


def test_each_sql_condition_selects_exactly_what_its_predicate_allows(app):
    scene = build_scene(app)
    with app.app_context():
        world = World(scene)
        viewers = {f"{m.role} {m.user_id} of cohort {m.cohort_id}": m for m in world.memberships.values()}
        assert any(m.charter_accepted_at is None for m in viewers.values()), "the scene has no newcomer"
        problems = [
            f"{label}: {problem}"
            for label, m in {**viewers, "no membership": None}.items()
            for problem in _twin_problems(world, m)
        ]
    assert not problems, "\n".join(problems)


def test_memberships_granting_selects_the_memberships_that_may_use_each_permission(app):
    scene = build_scene(app)
    with app.app_context():
        world = World(scene)
        for permission in Permission:
            selected = _ids(select(Membership.id).where(policy.memberships_granting(permission)))
            allowed = {m.id for m in world.memberships.values() if policy.may(m, permission)}
            assert selected == allowed, permission
        for person in scene.users.values():
            theirs = [m for m in world.memberships.values() if m.user_id == person.id]
            selected = _ids(select(Meeting.id).where(policy.meetings_of_user_condition(person.id)))
            sessions = world.objects["session"].values()
            allowed = {s.id for s in sessions if any(policy.can_see_meeting(m, s) for m in theirs)}
            assert selected == allowed, person.name


def test_only_a_site_admin_is_a_site_admin(app):
    with app.app_context():
        admin, person = factories.make_user(admin=True), factories.make_user()
        assert policy.is_site_admin(admin)
        assert not policy.is_site_admin(person)
    assert not policy.is_site_admin(None)
    assert not policy.is_site_admin(AnonymousUserMixin())  # signed out: no account, no is_admin


def test_a_refusal_says_so_and_is_neither_a_404_nor_a_403_unless_marked():
    refused = policy.Refused()
    assert str(refused) == "This cannot be done."
    assert (refused.not_found, refused.forbidden) == (False, False)
    with pytest.raises(policy.Refused) as raised:
        policy.require_visible(False)
    assert (str(raised.value), raised.value.not_found, raised.value.forbidden) == ("Not found.", True, False)
    with pytest.raises(policy.Refused) as raised:
        policy.require_permission(False, "Facilitators only.")
    assert (str(raised.value), raised.value.not_found, raised.value.forbidden) == ("Facilitators only.", False, True)
    with pytest.raises(policy.Refused) as raised:
        policy.require(False, "Closed.")
    assert (str(raised.value), raised.value.not_found, raised.value.forbidden) == ("Closed.", False, False)
    policy.require(True, "Closed.")
    policy.require_permission(True, "Facilitators only.")
    policy.require_visible(True)


def _member(user_id: int, role: Role = Role.MEMBER) -> Membership:
    return Membership(cohort_id=1, user_id=user_id, role=role, charter_accepted_at=utcnow())


def test_only_the_posts_author_marks_advice_helpful_and_never_their_own():
    author, other, facilitator = _member(10), _member(20), _member(30, Role.FACILITATOR)
    post = Post(id=1, cohort_id=1, author_id=10, kind=PostKind.CHALLENGE, visibility=Visibility.ATTRIBUTED)
    advice, own = Reply(id=1, post_id=1, author_id=20), Reply(id=2, post_id=1, author_id=10)
    assert policy.can_mark_helpful(author, post, advice)
    assert not policy.can_mark_helpful(author, post, own)  # marking, unless told it is taking back
    assert policy.can_mark_helpful(author, post, own, helpful=False)  # an old mark on one's own reply
    assert policy.can_mark_helpful(author, post, advice, helpful=False)
    for someone in (other, facilitator):
        assert not policy.can_mark_helpful(someone, post, advice)
        assert not policy.can_mark_helpful(someone, post, own, helpful=False)


def test_a_facilitator_hides_others_words_and_restores_only_what_is_hidden_and_still_there():
    facilitator, member = _member(30, Role.FACILITATOR), _member(20)
    newcomer = Membership(cohort_id=1, user_id=40, role=Role.FACILITATOR)  # has not accepted the charter
    post = Post(id=1, cohort_id=1, author_id=20, kind=PostKind.STORY, visibility=Visibility.ATTRIBUTED)
    own = Post(id=2, cohort_id=1, author_id=30, kind=PostKind.STORY, visibility=Visibility.ATTRIBUTED)
    reply, elsewhere = Reply(id=1, post_id=1, author_id=20), Reply(id=2, post_id=2, author_id=20)
    assert policy.can_hide(facilitator, post, post) and policy.can_hide(facilitator, reply, post)
    assert not policy.can_hide(facilitator, own, own)  # one's own words are edited or deleted, not hidden
    assert not policy.can_hide(facilitator, elsewhere, post)  # a reply reached through another post
    for someone in (member, newcomer, None):
        assert not policy.can_hide(someone, post, post) and not policy.can_hide(someone, reply, post)
    for target in (post, reply, elsewhere):
        assert not policy.can_restore(facilitator, target, post), "nothing is hidden yet"
    post.hidden_at = reply.hidden_at = elsewhere.hidden_at = utcnow()
    assert not policy.can_hide(facilitator, post, post), "already hidden"
    assert policy.can_restore(facilitator, post, post) and policy.can_restore(facilitator, reply, post)
    assert not policy.can_restore(facilitator, elsewhere, post)
    for someone in (member, newcomer, None):
        assert not policy.can_restore(someone, post, post) and not policy.can_restore(someone, reply, post)
    reply.deleted_at = utcnow()
    assert not policy.can_restore(facilitator, reply, post), "a deleted reply stays deleted"


def test_adopting_is_for_someone_elses_story_that_they_can_read_and_that_is_not_under_review():
    member, facilitator, author = _member(20), _member(30, Role.FACILITATOR), _member(10)
    newcomer = Membership(cohort_id=1, user_id=40, role=Role.MEMBER)

    def post(kind=PostKind.STORY, visibility=Visibility.ATTRIBUTED) -> Post:
        return Post(id=1, cohort_id=1, author_id=10, kind=kind, visibility=visibility)

    story = post()
    assert policy.can_adopt(member, story) and policy.can_adopt(facilitator, story)
    assert not policy.can_adopt(author, story), "one's own story"
    assert not policy.can_adopt(newcomer, story) and not policy.can_adopt(None, story)
    assert not policy.can_adopt(member, post(PostKind.CHALLENGE)), "a challenge is answered, not adopted"
    assert not policy.can_adopt(member, post(visibility=Visibility.FACILITATORS)), "a story they cannot read"
    story.hidden_at = utcnow()
    assert not policy.can_adopt(member, story) and not policy.can_adopt(facilitator, story)


def test_thanks_and_flags_go_to_someone_elses_words_while_they_are_shown():
    member, facilitator, author = _member(20), _member(30, Role.FACILITATOR), _member(10)
    post = Post(id=1, cohort_id=1, author_id=10, kind=PostKind.CHALLENGE, visibility=Visibility.ATTRIBUTED)
    reply = Reply(id=1, post_id=1, author_id=10)
    for respond in (policy.can_thank, policy.can_flag):
        for target in (post, reply):
            assert respond(member, target, post) and respond(facilitator, target, post), respond.__name__
            assert not respond(author, target, post), f"{respond.__name__}: one's own words"
            assert not respond(None, target, post)
    reply.hidden_at = utcnow()
    for respond in (policy.can_thank, policy.can_flag):
        assert not respond(facilitator, reply, post), f"{respond.__name__}: a hidden reply, even to a facilitator"
        assert not respond(member, reply, post)
        assert respond(member, post, post), "the post itself is still shown"
    reply.hidden_at, reply.deleted_at = None, utcnow()
    for respond in (policy.can_thank, policy.can_flag):
        assert not respond(member, reply, post) and not respond(facilitator, reply, post), "a deleted reply"
    post.hidden_at = utcnow()
    for respond in (policy.can_thank, policy.can_flag):
        assert not respond(member, post, post) and not respond(facilitator, post, post), "a hidden post"


def test_replies_go_under_a_post_that_is_shown_and_under_a_reply_the_member_can_read():
    member, facilitator, author = _member(20), _member(30, Role.FACILITATOR), _member(10)
    post = Post(id=1, cohort_id=1, author_id=10, kind=PostKind.CHALLENGE, visibility=Visibility.ATTRIBUTED)
    parent, elsewhere = Reply(id=1, post_id=1, author_id=20), Reply(id=2, post_id=2, author_id=20)
    for someone in (member, facilitator, author):
        assert policy.can_reply(someone, post) and policy.can_reply(someone, post, parent)
        assert not policy.can_reply(someone, post, elsewhere), "a parent reached through another post"
    assert not policy.can_reply(None, post)
    private = Post(id=3, cohort_id=1, author_id=10, kind=PostKind.CHALLENGE, visibility=Visibility.FACILITATORS)
    assert not policy.can_reply(member, private) and policy.can_reply(facilitator, private)
    parent.hidden_at = utcnow()
    assert not policy.can_reply(member, post, parent) and policy.can_reply(facilitator, post, parent)
    parent.deleted_at = utcnow()
    assert not policy.can_reply(facilitator, post, parent)
    post.hidden_at = utcnow()
    for someone in (member, facilitator, author):
        assert not policy.can_reply(someone, post), "a hidden post takes no replies, not even a facilitator's"


def test_only_those_who_announce_post_announcements_and_every_member_shares_stories_and_challenges():
    member, facilitator = _member(20), _member(30, Role.FACILITATOR)
    newcomer = Membership(cohort_id=1, user_id=40, role=Role.FACILITATOR)  # has not accepted the charter
    assert policy.roles_with(Permission.ANNOUNCE) == [Role.FACILITATOR]
    assert policy.post_kinds(facilitator) == [PostKind.STORY, PostKind.CHALLENGE, PostKind.ANNOUNCEMENT]
    assert policy.post_kinds(member) == [PostKind.STORY, PostKind.CHALLENGE]
    assert policy.post_kinds(newcomer) == [] and policy.post_kinds(None) == []
    assert policy.can_announce(facilitator)
    for someone in (member, newcomer, None):
        assert not policy.can_announce(someone)
        assert not policy.can_post_kind(someone, PostKind.ANNOUNCEMENT)


def test_those_who_announce_pin_and_unpin_any_announcement_they_can_see_and_nothing_else():
    member, facilitator, other_facilitator = _member(20), _member(30, Role.FACILITATOR), _member(31, Role.FACILITATOR)
    elsewhere = Membership(cohort_id=2, user_id=32, role=Role.FACILITATOR, charter_accepted_at=utcnow())

    def post(kind=PostKind.ANNOUNCEMENT, pinned=True) -> Post:
        return Post(
            id=1,
            cohort_id=1,
            author_id=30,
            kind=kind,
            visibility=Visibility.ATTRIBUTED,
            pinned_at=utcnow() if pinned else None,
        )

    pinned, unpinned = post(), post(pinned=False)
    for someone in (facilitator, other_facilitator):  # not only its author
        assert policy.can_unpin(someone, pinned) and not policy.can_pin(someone, pinned), "pinned already"
        assert policy.can_pin(someone, unpinned) and not policy.can_unpin(someone, unpinned), "not pinned"
    for someone in (member, elsewhere, None):
        for announcement in (pinned, unpinned):
            assert not policy.can_change_pin(someone, announcement)
            assert not policy.can_pin(someone, announcement) and not policy.can_unpin(someone, announcement)
    for kind in (PostKind.STORY, PostKind.CHALLENGE):
        assert not policy.can_change_pin(facilitator, post(kind)), f"a {kind} is never pinned"
        assert not policy.is_pinned(post(kind))
    assert policy.is_pinned(pinned) and not policy.is_pinned(unpinned)
    unpinned.hidden_at = pinned.hidden_at = utcnow()
    assert not policy.can_pin(facilitator, unpinned), "a hidden announcement is under review"
    assert policy.can_unpin(facilitator, pinned), "it can still be taken off the home page"
    assert not policy.is_pinned(pinned), "hidden: not on the home page, though still marked pinned"
    pinned.hidden_at, pinned.deleted_at = None, utcnow()
    assert not policy.is_pinned(pinned)
    assert not policy.can_unpin(facilitator, pinned), "a deleted announcement is gone"


def test_an_announcement_is_answered_but_not_adopted_and_has_no_progress_or_helpful_advice():
    member, facilitator = _member(20), _member(30, Role.FACILITATOR)
    announcement = Post(id=1, cohort_id=1, author_id=30, kind=PostKind.ANNOUNCEMENT, visibility=Visibility.ATTRIBUTED)
    assert policy.can_reply(member, announcement) and policy.can_thank(member, announcement, announcement)
    assert not policy.can_adopt(member, announcement)
    assert not policy.can_change_status(facilitator, announcement)
    assert not policy.can_bring_to_session(facilitator, announcement)
    assert not policy.can_record_progress(facilitator, announcement), "not even its author"
    question = Reply(id=1, post_id=1, author_id=20)
    assert not policy.can_mark_helpful(facilitator, announcement, question), "a question, not advice"
    assert policy.can_edit_post(facilitator, announcement) and not policy.can_edit_post(member, announcement)


def test_the_readers_of_each_post_and_reply_are_exactly_those_who_may_read_it(app):
    """The twins that choose whom to tell: for every post and reply of the scene, the memberships
    they select are those its predicate lets read it."""
    scene = build_scene(app)
    with app.app_context():
        world = World(scene)
        memberships = list(world.memberships.values())
        problems = []
        for post in world.objects["post"].values():
            selected = _ids(
                select(Membership.id)
                .join(Post, Post.cohort_id == Membership.cohort_id)
                .where(Post.id == post.id, policy.readers_of_post_condition(Membership, Post))
            )
            allowed = {m.id for m in memberships if policy.can_see_post(m, post)}
            if selected != allowed:
                problems.append(f"post {post.title}: {sorted(selected ^ allowed)}")
        for reply in world.objects["reply"].values():
            selected = _ids(
                select(Membership.id)
                .join(Post, Post.cohort_id == Membership.cohort_id)
                .join(Reply, Reply.post_id == Post.id)
                .where(Reply.id == reply.id, policy.readers_of_reply_condition(Membership, Reply, Post))
            )
            allowed = {m.id for m in memberships if policy.can_see_reply(m, reply, reply.post)}
            if selected != allowed:
                problems.append(f"reply {reply.id}: {sorted(selected ^ allowed)}")
        assert len(world.objects["post"]) > 5 and len(world.objects["reply"]) > 5
    assert not problems, "\n".join(problems)

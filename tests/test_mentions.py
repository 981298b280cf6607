"""@handle in cohort text links to that member's entry on the cohort's members page, and to no one else."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cohort import mentions
from cohort.auth import ops as auth_ops
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.markdown import render_markdown, render_with_mentions
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, Meeting, Membership, Notification, NotificationKind, Post, PostKind, Reply
from cohort.posts import ops as post_ops

from . import factories

LINK = re.compile(r'<a class="mention" href="([^"]+)" rel="nofollow noopener noreferrer">(@[^<]+)</a>')


@pytest.fixture
def cast(app, people):
    """Sarah and Tom in the people's cohort, Olu in the other; Wendy has left the people's cohort."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        sarah = factories.make_member(cohort, factories.make_user(name="Sarah O'Neill"))
        tom = factories.make_member(cohort, factories.make_user(name="Tom Lindqvist"))
        wendy = factories.make_member(cohort, factories.make_user(name="Wendy Left"))
        olu = factories.make_member(
            db.session.get(Cohort, people.other_cohort_id), factories.make_user(name="Olu Outside")
        )
        cohort_ops.remove_membership(wendy, wendy)
        db.session.commit()
        return SimpleNamespace(
            people=people,
            sarah=sarah.id,
            sarah_email=sarah.user.email,
            tom=tom.id,
            olu=olu.id,
            olu_email=olu.user.email,
            sarah_url=f"/c/{people.slug}/members/{sarah.user_id}",
            tom_url=f"/c/{people.slug}/members/{tom.user_id}",
        )


def _render(app, cohort_id: int, text: str) -> str:
    with app.app_context():
        return render_markdown(text, cohort_id)


def test_a_mention_links_to_the_members_profile(app, cast):
    html = _render(app, cast.people.cohort_id, "Thanks @sarah-oneill, and @Tom-Lindqvist's idea too.")
    assert LINK.findall(html) == [
        (cast.sarah_url, "@sarah-oneill"),
        (cast.tom_url, "@Tom-Lindqvist"),
    ]
    assert html.endswith("'s idea too.</p>")


def test_the_profile_a_mention_links_to_is_the_members_own(app, cast, client):
    client.login(cast.people.member)
    page = client.get(cast.sarah_url)
    assert page.status_code == 200
    assert "@sarah-oneill" in page.text


@pytest.mark.parametrize(
    "text",
    [
        "`@sarah-oneill`",
        "    @sarah-oneill",
        "```\n@sarah-oneill\n```",
        "[@sarah-oneill](https://example.org)",
        "[see @sarah-oneill here](https://example.org)",
        "<https://example.org/@sarah-oneill>",
        "write to sarah-oneill@nhs.example or <sarah-oneill@nhs.example>",
        "https://social.example/@sarah-oneill",
        "\\@sarah-oneill",
        "@sarah-oneills",
        "@sarah",
        "@olu-outside",
        "@wendy-left",
        "@no-such-person",
    ],
)
def test_no_link_where_the_text_is_code_a_link_an_address_or_not_a_member_here(app, cast, text):
    html = _render(app, cast.people.cohort_id, text)
    assert 'class="mention"' not in html
    assert "/members/" not in html


def test_text_without_a_cohort_links_no_one(app, cast):
    assert 'class="mention"' not in _render(app, None, "@sarah-oneill")


def test_someone_in_another_cohort_learns_nothing_from_mentioning(app, cast):
    """An outsider who writes a member's handle sees exactly what a made-up handle gives: text."""
    other = cast.people.other_cohort_id
    member, made_up = _render(app, other, "Hi @sarah-oneill!"), _render(app, other, "Hi @nobody-here!")
    assert member == "<p>Hi @sarah-oneill!</p>"
    assert made_up == "<p>Hi @nobody-here!</p>"
    assert 'class="mention"' in _render(app, other, "Hi @olu-outside!")


def test_the_writers_own_html_cannot_pass_for_a_mention(app, cast):
    html = _render(
        app,
        cast.people.cohort_id,
        f'<a class="mention" href="{cast.sarah_url}">@boss</a> <a class="mention-0123456789abcdef">x</a>',
    )
    assert "class=" not in html


def test_all_the_handles_of_a_text_are_resolved_in_one_query(app, cast, count_queries):
    text = " ".join(f"@nobody-{number}" for number in range(40)) + " @sarah-oneill `@tom-lindqvist`"
    with app.app_context(), count_queries() as statements:
        html = render_markdown(text, cast.people.cohort_id)
    assert len(statements) == 1
    assert LINK.findall(html) == [(cast.sarah_url, "@sarah-oneill")]
    with app.app_context(), count_queries() as statements:
        render_markdown("No mentions here, only sarah@nhs.example.", cast.people.cohort_id)
    assert statements == []  # an address has an @, but no handle to look up


def test_a_text_mentions_at_most_so_many_people(app, cast, monkeypatch):
    monkeypatch.setattr(mentions, "MAX_MENTIONS", 1)
    html = _render(app, cast.people.cohort_id, "@sarah-oneill and @tom-lindqvist")
    assert [handle for _url, handle in LINK.findall(html)] == ["@sarah-oneill"]


def test_mentioned_memberships_are_those_the_text_links(app, cast):
    with app.app_context():
        _html, found = render_with_mentions(
            "@sarah-oneill and @Sarah-ONeill again, `@tom-lindqvist` in code, @olu-outside, @wendy-left",
            cast.people.cohort_id,
        )
        assert found == {db.session.get(Membership, cast.sarah).user_id}
        _html, found = render_with_mentions("@sarah-oneill @olu-outside", cast.people.other_cohort_id)
        assert found == {db.session.get(Membership, cast.olu).user_id}


def test_a_reply_with_a_mention_shows_the_link(app, cast, client):
    post_id = _post(app, cast)
    client.login(cast.people.member)
    response = client.post_form(
        f"/c/{cast.people.slug}/posts/{post_id}/replies", {"body": "Ask @sarah-oneill: she did this."}
    )
    assert response.status_code == 302
    page = client.get(f"/c/{cast.people.slug}/posts/{post_id}").text
    assert f'<a class="mention" href="{cast.sarah_url}"' in page


def _post(app, cast) -> int:
    with app.app_context():
        cohort = db.session.get(Cohort, cast.people.cohort_id)
        post = factories.make_post(cohort, cohort_ops.find_user(cast.people.facilitator), kind=PostKind.CHALLENGE)
        db.session.commit()
        return post.id


def test_every_kind_of_cohort_text_links_mentions(app, cast):
    """Posts, edits, replies, what I'll try, what happened next, agendas, notes and the charter."""
    text = "Over to @sarah-oneill."
    with app.app_context():
        cohort = db.session.get(Cohort, cast.people.cohort_id)
        leading = factories.member_of(cohort_ops.find_user(cast.people.facilitator), cohort)
        shared = post_ops.create_post(
            leading,
            kind=PostKind.CHALLENGE,
            title="Backlog",
            body=text,
            tags=[],
            visibility=post_ops.Visibility.ATTRIBUTED,
        ).post
        other = factories.make_post(cohort, leading.user, kind=PostKind.CHALLENGE, body="Plain.")
        post_ops.edit_post(
            leading,
            other,
            seen_version=other.version,
            title=other.title,
            body=text,
            tags=[],
            visibility=other.visibility,
            results=[],
        )
        reply = post_ops.add_reply(leading, shared, text)
        edited = post_ops.add_reply(leading, shared, "Plain.")
        post_ops.edit_reply(leading, edited, text)
        post_ops.record_commitment(leading, shared, text)
        post_ops.record_outcome(leading, other, text, [])
        meeting = factories.make_meeting(cohort, agenda=text)
        moved = factories.make_meeting(cohort, agenda="Plain.")
        details = meeting_ops.SessionDetails(moved.title, 90, moved.location, moved.video_url, text)
        start = moved.starts_at
        meeting_ops.edit(
            leading,
            moved,
            details,
            new_date=start.date(),
            new_time=start.time(),
            timezone="UTC",
            this_and_following=False,
        )
        meeting_ops.save_notes(leading, meeting, text, {})
        cohort_ops.save_settings(leading, name=cohort.name, description="", timezone=cohort.timezone, charter=text)
        db.session.commit()
        rendered = {
            "post": db.session.get(Post, shared.id).body_html,
            "edited post": db.session.get(Post, other.id).body_html,
            "reply": db.session.get(Reply, reply.id).body_html,
            "edited reply": db.session.get(Reply, edited.id).body_html,
            "what I'll try": db.session.get(Post, shared.id).commitment_html,
            "what happened next": db.session.get(Post, other.id).outcome_html,
            "agenda": db.session.get(Meeting, meeting.id).agenda_html,
            "edited agenda": db.session.get(Meeting, moved.id).agenda_html,
            "notes": meeting_ops.current_notes(meeting)[None].body_html,
            "charter": db.session.get(Cohort, cohort.id).charter_html,
        }
    assert {name: LINK.findall(html) for name, html in rendered.items()} == {
        name: [(cast.sarah_url, "@sarah-oneill")] for name in rendered
    }


def test_the_demo_shows_a_mention(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        replies = db.session.execute(db.select(Reply.body_html).where(Reply.body.contains("@priya-raman"))).scalars()
        assert [len(LINK.findall(html)) for html in replies] == [2]


def _mention_notifications(app) -> list[int]:
    """Who has been told of a mention, once for each time."""
    with app.app_context():
        return sorted(
            db.session.scalars(select(Notification.user_id).where(Notification.kind == NotificationKind.MENTION))
        )


def test_a_handle_someone_changed_still_names_them_in_old_and_new_text(app, cast, client, count_queries):
    """Sarah changes @sarah-oneill to @sarah-o and a namesake joins: text that names @sarah-oneill,
    edited later or written new, still links to Sarah and tells her, and never the namesake."""
    with app.app_context():
        cohort = db.session.get(Cohort, cast.people.cohort_id)
        leading = factories.member_of(cohort_ops.find_user(cast.people.facilitator), cohort)
        post = post_ops.create_post(
            leading,
            kind=PostKind.CHALLENGE,
            title="Backlog",
            body="Over to @sarah-oneill.",
            tags=[],
            visibility=post_ops.Visibility.ATTRIBUTED,
        ).post
        sarah = db.session.get(Membership, cast.sarah).user
        auth_ops.change_handle(sarah, "sarah-o")
        namesake = factories.make_member(cohort, factories.make_user(name="Sarah O'Neill")).user
        db.session.commit()
        assert namesake.handle == "sarah-oneill-2"
        told_before = _mention_notifications(app)
        assert told_before == [sarah.id]
        post_ops.edit_post(
            leading,
            post,
            seen_version=post.version,
            title=post.title,
            body="Over to @sarah-oneill, who tried it first.",
            tags=[],
            visibility=post.visibility,
            results=[],
        )
        db.session.commit()
        assert LINK.findall(db.session.get(Post, post.id).body_html) == [(cast.sarah_url, "@sarah-oneill")]
        assert _mention_notifications(app) == told_before  # not told again, and the namesake not at all
        new = factories.make_post(cohort, leading.user, body="Ask @Sarah-ONeill (now @sarah-o).")
        db.session.commit()
        assert LINK.findall(new.body_html) == [(cast.sarah_url, "@Sarah-ONeill"), (cast.sarah_url, "@sarah-o")]
        assert _mention_notifications(app) == [sarah.id, sarah.id]
        sarah_id, namesake_handle = sarah.id, namesake.handle
    text = " ".join(f"@nobody-{number}" for number in range(40)) + " @sarah-oneill @sarah-o"
    with app.app_context(), count_queries() as statements:
        html = render_markdown(text, cast.people.cohort_id)
    assert len(statements) == 1
    assert LINK.findall(html) == [(cast.sarah_url, "@sarah-oneill"), (cast.sarah_url, "@sarah-o")]
    with app.app_context():
        assert render_with_mentions("@sarah-oneill", cast.people.other_cohort_id)[1] == set()  # still only here
        assert render_with_mentions("@sarah-oneill and @sarah-o", cast.people.cohort_id)[1] == {sarah_id}
    client.login(cast.people.member)
    offered = client.get(f"/c/{cast.people.slug}/members/mentions", query_string={"q": "sarah-oneill"}).json
    assert [suggestion["handle"] for suggestion in offered] == [namesake_handle]  # current handles only

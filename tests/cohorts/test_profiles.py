"""Members' profiles: who a peer is, and what they have shared in the cohort, as the policy lets each
viewer see it; and names that lead there wherever they are shown."""

import re
from datetime import timedelta

import time_machine

from cohort.cohorts import ops as cohort_ops
from cohort.cohorts.profiles import SHOWN_OF_EACH, duration_in_words
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, Membership, Post, PostKind, RsvpResponse, Visibility, utcnow
from cohort.moderation import ops as moderation_ops
from cohort.posts import ops as post_ops
from cohort.posts.ops import ResultRow
from cohort.recognition import ops as recognition_ops

from .. import factories


def _sarah(app, people, **fields):
    """Sarah, a member with a full profile, a story with figures and a challenge with an outcome."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        sarah = factories.make_user(
            name="Sarah O'Neill",
            organisation="Northbridge University Hospitals",
            job_title="Chief Executive",
            bio="Former emergency physician.\n\nWorking on fracture-clinic virtual care.",
            country="GB",
            timezone="Europe/London",
            **fields,
        )
        membership = factories.make_member(cohort, sarah)
        story = factories.make_post(cohort, sarah, title="Virtual fracture clinic")
        virtual = ResultRow("Referrals managed virtually", "%", 0, 60, "")
        post_ops.record_outcome(membership, story, "It held.", [virtual])
        challenge = factories.make_post(cohort, sarah, kind=PostKind.CHALLENGE, title="Outpatient backlog")
        post_ops.record_outcome(membership, challenge, "Down by a third.", [ResultRow("Waits", "days", 42, 28, "")])
        db.session.commit()
        return sarah.id, story.id, challenge.id


def test_a_profile_shows_who_the_member_is_and_what_they_shared(app, people, client):
    sarah_id, story_id, challenge_id = _sarah(app, people)
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/members/{sarah_id}")
    assert page.status_code == 200
    text = page.text
    assert '<h1 id="profile-name">Sarah O&#39;Neill' in text
    assert "Chief Executive, Northbridge University Hospitals" in text
    assert "United Kingdom" in text
    assert "London" in text  # the zone of her local time
    assert "<p>Former emergency physician.</p>" in text and "<p>Working on fracture-clinic virtual care.</p>" in text
    assert f'href="/c/{people.slug}/posts/{story_id}"' in text and "Virtual fracture clinic" in text
    assert f'href="/c/{people.slug}/posts/{challenge_id}"' in text and "Outpatient backlog" in text
    # Outcomes come with their figures.
    assert "Referrals managed virtually" in text and "Waits" in text and "42" in text and "28" in text
    assert "SO" in text  # initials stand in for a photo


def test_how_long_someone_has_been_in_the_cohort_reads_in_words():
    start = utcnow()
    assert duration_in_words(start, start) == "today"
    assert duration_in_words(start, start + timedelta(days=1)) == "1 day"
    assert duration_in_words(start, start + timedelta(days=17)) == "2 weeks"
    assert duration_in_words(start, start + timedelta(days=400)) == "1 year, 1 month"


def test_the_profile_says_since_when(app, people, client):
    with time_machine.travel(utcnow() - timedelta(days=800), tick=False):
        sarah_id, _story, _challenge = _sarah(app, people)
    client.login(people.member)
    assert "(2 years, 2 months)" in client.get(f"/c/{people.slug}/members/{sarah_id}").text


def test_a_member_of_another_cohort_a_former_member_and_a_stranger_get_404(app, people, client):
    sarah_id, _story, _challenge = _sarah(app, people)
    with app.app_context():
        stranger = factories.make_user(name="Never Here")
        left = factories.make_member(db.session.get(Cohort, people.cohort_id))
        left_id = left.user_id
        cohort_ops.remove_membership(left, left)
        db.session.commit()
        stranger_id = stranger.id
    client.login(people.outsider)  # a member of another cohort
    answer = client.get(f"/c/{people.slug}/members/{sarah_id}")
    assert answer.status_code == 404 and "Sarah" not in answer.text
    client.logout()
    client.login(people.member)
    for user_id in (left_id, stranger_id, 10**9):
        answer = client.get(f"/c/{people.slug}/members/{user_id}")
        assert answer.status_code == 404, user_id
        assert "Never Here" not in answer.text
    # Someone who is a member elsewhere has no profile here either.
    with app.app_context():
        elsewhere = db.session.get(Membership, people.facilitator_membership)
        other_member = factories.make_member(db.session.get(Cohort, people.other_cohort_id))
        db.session.commit()
        assert elsewhere.cohort_id != other_member.cohort_id
        other_id = other_member.user_id
    assert client.get(f"/c/{people.slug}/members/{other_id}").status_code == 404


def test_chatham_house_and_facilitators_only_posts_show_only_to_those_who_may_know(app, people, client):
    sarah_id, _story, _challenge = _sarah(app, people)
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        sarah = db.session.get(factories.User, sarah_id)
        unnamed = factories.make_post(
            cohort, sarah, kind=PostKind.CHALLENGE, title="Board trouble", visibility=Visibility.CHATHAM_HOUSE
        )
        private = factories.make_post(
            cohort, sarah, kind=PostKind.CHALLENGE, title="For facilitators", visibility=Visibility.FACILITATORS
        )
        hidden = factories.make_post(cohort, sarah, title="Hidden story")
        moderation_ops.hide(db.session.get(Membership, people.facilitator_membership), hidden)
        db.session.commit()
        ids = unnamed.id, private.id, hidden.id
    url = f"/c/{people.slug}/members/{sarah_id}"

    client.login(people.member)
    member_view = client.get(url).text
    for post_id in ids:
        assert f'/posts/{post_id}"' not in member_view
    assert "Board trouble" not in member_view and "For facilitators" not in member_view
    assert "1 challenge" in member_view  # what she shared under her name, counted as listed
    client.logout()

    client.login(people.facilitator)
    facilitator_view = client.get(url).text
    for post_id in ids:
        assert f'/posts/{post_id}"' in facilitator_view
    client.logout()

    with app.app_context():
        sarah_email = db.session.get(factories.User, sarah_id).email
    client.login(sarah_email)
    own_view = client.get(url).text
    for post_id in ids[:2]:  # she sees her own, except the one hidden from members
        assert f'/posts/{post_id}"' in own_view
    assert f'/posts/{ids[2]}"' not in own_view


def test_advice_marked_helpful_is_listed_but_not_where_it_would_name_a_chatham_house_author(app, people, client):
    sarah_id, _story, _challenge = _sarah(app, people)
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        sarah = db.session.get(factories.User, sarah_id)
        asker = factories.make_member(cohort)
        challenge = factories.make_post(cohort, asker.user, kind=PostKind.CHALLENGE, title="Winter pressures")
        advice = post_ops.add_reply(factories.member_of(sarah, cohort), challenge, "Open a discharge lounge.")
        post_ops.set_helpful(asker, advice, True)
        own = factories.make_post(cohort, sarah, kind=PostKind.CHALLENGE, visibility=Visibility.CHATHAM_HOUSE)
        peer_reply = post_ops.add_reply(asker, own, "Have you asked the board?")
        answer = post_ops.add_reply(factories.member_of(sarah, cohort), own, "Answer naming her.", peer_reply)
        # A mark on one's own reply is no longer given, but one from before may stand: it names no one.
        answer.helpful_at = utcnow()
        db.session.commit()
        advice_id, answer_id = advice.id, answer.id
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/members/{sarah_id}").text
    assert "Open a discharge lounge." in page and f"#reply-{advice_id}" in page
    assert "1 piece of advice marked helpful" in page
    assert "Answer naming her." not in page and f"#reply-{answer_id}" not in page


def test_a_long_record_shows_the_newest_and_leads_to_the_rest(app, people, client):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        prolific = factories.make_member(cohort).user
        for number in range(SHOWN_OF_EACH + 2):
            factories.make_post(cohort, prolific, title=f"Story number {number}")
        db.session.commit()
        prolific_id = prolific.id
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/members/{prolific_id}").text
    shown = re.findall(r"Story number (\d+)", page)
    assert shown == [str(number) for number in range(SHOWN_OF_EACH + 1, 1, -1)]
    assert f"/c/{people.slug}/posts/?kind=story&amp;author={prolific_id}" in page
    assert f"All {SHOWN_OF_EACH + 2} stories" in page


def _profile_link(slug: str, user_id: int) -> str:
    return f'<a class="person" href="/c/{slug}/members/{user_id}">'


def test_names_lead_to_profiles_wherever_they_are_shown(app, people, client):
    sarah_id, story_id, _challenge = _sarah(app, people)
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        sarah = db.session.get(factories.User, sarah_id)
        peer = factories.member_of(cohort_ops.find_user(people.member), cohort)
        story = db.session.get(Post, story_id)
        reply = post_ops.add_reply(factories.member_of(sarah, cohort), story, "Try it.")
        recognition_ops.thank(peer, reply)
        meeting = factories.make_meeting(cohort)
        meeting_ops.answer(factories.member_of(sarah, cohort), meeting, RsvpResponse.YES)
        db.session.commit()
        member_id, meeting_id = peer.user_id, meeting.id
    client.login(people.facilitator)
    link = _profile_link(people.slug, sarah_id)
    pages = {
        "posts list": f"/c/{people.slug}/posts/",
        "cohort home": f"/c/{people.slug}/",
        "search": f"/c/{people.slug}/posts/?q=fracture",
        "thread": f"/c/{people.slug}/posts/{story_id}",
        "session": f"/c/{people.slug}/sessions/{meeting_id}",
    }
    for name, url in pages.items():
        assert link + "Sarah O&#39;Neill</a>" in client.get(url).text, name
    # Who said thanks, on the thread, leads to their profile too.
    assert _profile_link(people.slug, member_id) in client.get(pages["thread"]).text
    directory = client.get(f"/c/{people.slug}/members").text
    assert f'href="/c/{people.slug}/members/{sarah_id}">Sarah O&#39;Neill</a>' in directory


def test_a_chatham_house_author_is_never_linked_and_a_former_member_is_not_a_link(app, people, client):
    sarah_id, _story, _challenge = _sarah(app, people)
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        sarah = db.session.get(factories.User, sarah_id)
        unnamed = factories.make_post(
            cohort, sarah, kind=PostKind.CHALLENGE, title="Board trouble", visibility=Visibility.CHATHAM_HOUSE
        )
        peer = factories.member_of(cohort_ops.find_user(people.member), cohort)
        question = post_ops.add_reply(peer, unnamed, "Who chairs it?")
        post_ops.add_reply(factories.member_of(sarah, cohort), unnamed, "A new chair.", question)
        leaving = factories.make_member(cohort)
        post_ops.add_reply(leaving, unnamed, "I had this too.")
        leaving_id = leaving.user_id
        cohort_ops.remove_membership(leaving, leaving)
        db.session.commit()
        unnamed_id, member_id = unnamed.id, peer.user_id
    thread = f"/c/{people.slug}/posts/{unnamed_id}"
    for viewer in (people.member, people.facilitator):
        client.login(viewer)
        page = client.get(thread).text
        assert f"/members/{sarah_id}" not in page, viewer
        card = re.search(
            r'<li class="post-card[^"]*">(?:(?!</li>).)*Board trouble(?:(?!</li>).)*</li>',
            client.get(f"/c/{people.slug}/posts/").text,
            re.S,
        )
        assert card and "/members/" not in card.group(0), viewer
        assert _profile_link(people.slug, member_id) + "Person" in page  # others on the thread are linked
        assert f"/members/{leaving_id}" not in page  # no longer a member: a name, not a link
        client.logout()

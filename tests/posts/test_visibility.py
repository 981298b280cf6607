"""Each post's confidentiality choice holds on every page, list, count and search."""

import pytest

from .helpers import PostKind, Visibility, add_member, make_post, make_reply, user

SECRET_TITLE = "Tension with my chair over the improvement budget"


@pytest.fixture
def chatham(app, people):
    """A Chatham House challenge by the member, with a reply from its author."""
    post_id = make_post(
        app,
        people,
        people.member,
        kind=PostKind.CHALLENGE,
        title="A senior leader undermines our huddles",
        body="Huddle sabotage in theatres.",
        visibility=Visibility.CHATHAM_HOUSE,
    )
    make_reply(app, post_id, people.member, "To add some context from me, the author.")
    return post_id


def _member_name(app, email):
    with app.app_context():
        return user(email).name


def _card(html: str, title: str) -> str:
    """The list item that shows the post titled ``title``."""
    at = html.index(title)
    return html[html.rindex("<li", 0, at) : html.index("</li>", at)]


def _pages(client, people, post_id):
    base = f"/c/{people.slug}"
    return {
        "thread": client.get(f"{base}/posts/{post_id}").text,
        "list": client.get(f"{base}/posts/").text,
        "home": client.get(f"{base}/").text,
        "search": client.get(f"{base}/posts/?q=huddle").text,
    }


def test_chatham_house_hides_the_author_from_members(app, people, chatham):
    name = _member_name(app, people.member)
    reader = app.test_client()
    reader.login(add_member(app, people))
    for page, html in _pages(reader, people, chatham).items():
        if page != "thread":
            html = _card(html, "A senior leader undermines our huddles")  # the author filter lists every member
        assert name not in html, page
        assert "A cohort member" in html, page


def test_chatham_house_author_filter_reveals_nothing(app, people, chatham):
    reader = app.test_client()
    reader.login(add_member(app, people))
    with app.app_context():
        author_id = user(people.member).id
    listing = reader.get(f"/c/{people.slug}/posts/?author={author_id}").text
    assert "A senior leader undermines our huddles" not in listing


def test_facilitators_still_see_who_wrote_it(app, people, chatham, client):
    name = _member_name(app, people.member)
    client.login(people.facilitator)
    thread = client.get(f"/c/{people.slug}/posts/{chatham}").text
    assert f"{name} (members see “A cohort member”)" in thread


def test_the_author_is_told_how_others_see_them(app, people, chatham, client):
    client.login(people.member)
    assert "You (others see “A cohort member”)" in client.get(f"/c/{people.slug}/posts/{chatham}").text


@pytest.fixture
def private(app, people):
    return make_post(
        app,
        people,
        people.member,
        kind=PostKind.CHALLENGE,
        title=SECRET_TITLE,
        body="Board huddle politics.",
        visibility=Visibility.FACILITATORS,
        tags=["board"],
    )


def test_facilitators_only_post_is_invisible_to_other_members(app, people, private):
    reader = app.test_client()
    reader.login(add_member(app, people))
    assert reader.get(f"/c/{people.slug}/posts/{private}").status_code == 404
    for page, html in _pages(reader, people, private).items():
        if page == "thread":
            continue
        assert SECRET_TITLE not in html, page
    assert ">board<" not in reader.get(f"/c/{people.slug}/posts/").text  # not even its tag
    assert "Nothing here yet" in reader.get(f"/c/{people.slug}/posts/?tag=board").text
    for url in (f"/posts/{private}/replies", f"/posts/{private}/thanks", f"/posts/{private}/flag"):
        assert reader.post_form(f"/c/{people.slug}{url}", {"body": "x", "set": "1", "reason": "x"}).status_code == 404


def test_facilitators_only_post_is_seen_by_its_author_and_the_facilitators(app, people, private, client):
    for email in (people.member, people.facilitator):
        viewer = app.test_client()
        viewer.login(email)
        for page, html in _pages(viewer, people, private).items():
            if page != "home":
                assert SECRET_TITLE in html or "Board huddle politics" in html, (email, page)
        assert "the facilitators can see this" in viewer.get(f"/c/{people.slug}/posts/{private}").text


def test_reply_counts_on_the_list_only_count_what_the_reader_can_see(app, people, client):
    post_id = make_post(app, people, people.member, title="Counted post")
    make_reply(app, post_id, people.facilitator, "Visible advice")
    hidden = make_reply(app, post_id, people.member, "Hidden advice")
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{hidden}/hide")
    client.login(people.member)
    assert "1 reply" in client.get(f"/c/{people.slug}/posts/").text


def test_chatham_author_thanking_advice_stays_anonymous(app, people, chatham):
    name = _member_name(app, people.member)
    advice = make_reply(app, chatham, people.facilitator, "Talk to them privately first.")
    author = app.test_client()
    author.login(people.member)
    author.post_form(f"/c/{people.slug}/posts/{chatham}/replies/{advice}/thanks", {"set": "1"})
    reader = app.test_client()
    reader.login(add_member(app, people))
    thread = reader.get(f"/c/{people.slug}/posts/{chatham}").text
    assert "Thanks (1)" in thread and name not in thread

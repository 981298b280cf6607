"""Flags, and the facilitators' hide, restore and dismiss."""

from .helpers import add_member, make_post, make_reply, user


def test_member_flags_a_reply_and_facilitator_hides_it(app, people, client):
    post_id = make_post(app, people, people.member, title="Night shifts")
    reply_id = make_reply(app, post_id, add_member(app, people), "An unkind remark")
    reporter_email = add_member(app, people)
    reporter = app.test_client()
    reporter.login(reporter_email)
    response = reporter.post_form(
        f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/flag",
        {"reason": "This feels disrespectful."},
        follow_redirects=True,
    )
    assert "only they see that you raised it" in response.text

    client.login(people.facilitator)
    flags = client.get(f"/c/{people.slug}/flags").text
    with app.app_context():
        reporter_name = user(reporter_email).name
    assert "This feels disrespectful." in flags and reporter_name in flags and "Night shifts" in flags
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/hide", {"next": "flags"})
    assert "No open flags" in client.get(f"/c/{people.slug}/flags").text

    thread = reporter.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "An unkind remark" not in thread and "Hidden by the facilitator." in thread
    assert "An unkind remark" in client.get(f"/c/{people.slug}/posts/{post_id}").text  # facilitators still see it

    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/restore")
    assert "An unkind remark" in reporter.get(f"/c/{people.slug}/posts/{post_id}").text


def test_hidden_post_shows_a_placeholder_and_leaves_the_lists(app, people, client):
    post_id = make_post(app, people, people.member, title="Heated thread")
    client.login(people.facilitator)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/hide")
    reader = app.test_client()
    reader.login(add_member(app, people))
    thread = reader.get(f"/c/{people.slug}/posts/{post_id}")
    assert thread.status_code == 200
    assert "Hidden by the facilitator" in thread.text and "Heated thread" not in thread.text
    assert "Heated thread" not in reader.get(f"/c/{people.slug}/posts/").text
    assert reader.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": "Still here?"}).status_code == 404
    assert "Still here?" not in client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Heated thread" in client.get(f"/c/{people.slug}/posts/").text


def test_dismissing_a_flag_leaves_the_content(app, people, client):
    post_id = make_post(app, people, people.facilitator, title="Fine post")
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/flag", {"reason": "Not sure about this"})
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    flags = facilitator.get(f"/c/{people.slug}/flags").text
    flag_id = flags.split("/flags/", 1)[1].split("/dismiss", 1)[0]
    facilitator.post_form(f"/c/{people.slug}/flags/{flag_id}/dismiss")
    assert "No open flags" in facilitator.get(f"/c/{people.slug}/flags").text
    assert "Fine post" in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_a_flag_needs_a_reason(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/flag", {"reason": "  "}, follow_redirects=True)
    assert "Say briefly what concerns you" in response.text


def test_members_cannot_moderate(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    assert client.get(f"/c/{people.slug}/flags").status_code == 403
    assert client.post_form(f"/c/{people.slug}/posts/{post_id}/hide").status_code == 403


def test_facilitators_are_offered_hide_for_what_others_wrote_not_their_own(app, people, client):
    own_post = make_post(app, people, people.facilitator, title="My own story")
    others_post = make_post(app, people, people.member, title="A member's story")
    own_reply = make_reply(app, others_post, people.facilitator, "My reply")
    others_reply = make_reply(app, others_post, people.member, "Their reply")
    client.login(people.facilitator)
    assert f"/posts/{own_post}/hide" not in client.get(f"/c/{people.slug}/posts/{own_post}").text
    page = client.get(f"/c/{people.slug}/posts/{others_post}").text
    assert f"/posts/{others_post}/hide" in page and f"/replies/{others_reply}/hide" in page
    assert f"/replies/{own_reply}/hide" not in page


def test_facilitators_see_how_many_flags_wait_on_every_page(app, people, client):
    post_id = make_post(app, people, people.member, title="Night shifts")
    reply_id = make_reply(app, post_id, people.member, "A remark")
    reporter = app.test_client()
    reporter.login(add_member(app, people))
    for url in (f"/c/{people.slug}/posts/{post_id}/flag", f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/flag"):
        reporter.post_form(url, {"reason": "Please look."})
    client.login(people.facilitator)
    assert ">Flags (2)</a>" in client.get(f"/c/{people.slug}/members").text
    assert "Flags" not in reporter.get(f"/c/{people.slug}/members").text  # members have no flags page
    flag_id = client.get(f"/c/{people.slug}/flags").text.split("/flags/", 1)[1].split("/", 1)[0]
    client.post_form(f"/c/{people.slug}/flags/{flag_id}/dismiss")
    assert ">Flags (1)</a>" in client.get(f"/c/{people.slug}/members").text


def test_a_facilitator_cannot_hide_their_own_words(app, people, client):
    post_id = make_post(app, people, people.member, title="Night shifts")
    own_reply = make_reply(app, post_id, people.facilitator, "My remark")
    reporter = app.test_client()
    reporter.login(add_member(app, people))
    reporter.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{own_reply}/flag", {"reason": "Please look."})
    client.login(people.facilitator)
    flags = client.get(f"/c/{people.slug}/flags").text
    assert "You wrote this: another facilitator can hide it." in flags and "Hide the reply" not in flags
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{own_reply}/hide", follow_redirects=True)
    assert "another facilitator can hide it" in response.text
    assert "Hidden by the facilitator." not in reporter.get(f"/c/{people.slug}/posts/{post_id}").text

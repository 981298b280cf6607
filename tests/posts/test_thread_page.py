"""The thread page: one quiet row of actions under each reply, the page's one reply form, thanks
form and action form, and pages of their own for each action when JavaScript does not run."""

import html
import re
from html.parser import HTMLParser

from cohort.extensions import db
from cohort.models import Cohort, CohortValue, Flag, PostKind, Reply, Thanks
from cohort.posts import ops

from .. import factories
from ..conftest import CSRF_PATTERN
from .helpers import add_member, make_post, make_reply, user

# Issue 12's budget: the thread's HTML grows by at most this much for each reply.
BYTES_PER_REPLY = 1536


class _Forms(HTMLParser):
    """Each form on a page: its action, and the fields a browser would send without a choice
    (hidden inputs, the first option of each select, the text of each textarea)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict]] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action", ""), {}))
        elif self.forms and tag == "input" and attrs.get("type") == "hidden":
            self.forms[-1][1][attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "select":
            self._select = attrs["name"]
        elif self._select and tag == "option":
            self.forms[-1][1].setdefault(self._select, attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _form(page: str, action_ends: str) -> tuple[str, dict]:
    parser = _Forms()
    parser.feed(page)
    (found,) = [(action, fields) for action, fields in parser.forms if action.endswith(action_ends)]
    return found


def _item(page: str, reply_id: int) -> str:
    """The markup of one reply on the thread page."""
    return page.split(f'<li id="reply-{reply_id}"', 1)[1].split("</li>", 1)[0]


def _thread_with(app, people, replies: int) -> int:
    """A challenge by the plain member, answered ``replies`` times by as many other members, every
    third reply answering the one before; a few thanked by the facilitator."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        post = factories.make_post(cohort, user(people.member), kind=PostKind.CHALLENGE, title="Winter beds")
        facilitator = user(people.facilitator)
        parent = None
        for number in range(replies):
            advisor = factories.make_member(cohort)
            body = f"Advice {number}: a discharge lounge from 8am, with pharmacy on the morning ward round."
            parent = ops.add_reply(advisor, post, body, parent if number % 3 else None)
            if number % 4 == 0:
                db.session.add(Thanks(reply_id=parent.id, user_id=facilitator.id))
        db.session.commit()
        return post.id


def test_the_thread_weighs_at_most_a_kilobyte_and_a_half_per_reply(app, people):
    empty, full = _thread_with(app, people, 0), _thread_with(app, people, 200)
    for email in (people.member, people.facilitator):
        reader = app.test_client()
        reader.login(email)
        sizes = {}
        for post_id in (empty, full):
            reader.get(f"/c/{people.slug}/posts/{post_id}")  # the first visit marks it read
            page = reader.get(f"/c/{people.slug}/posts/{post_id}")
            assert page.status_code == 200
            sizes[post_id] = len(page.data)
            # The replies bring no form or token of their own: the page has one action form, one
            # reply form and one thanks form for all of them.
            sizes[post_id, "forms"] = page.text.count("<form"), len(CSRF_PATTERN.findall(page.text))
        assert len(re.findall(r'<li id="reply-', page.text)) == 200
        assert (sizes[full] - sizes[empty]) / 200 <= BYTES_PER_REPLY, (email, sizes)
        forms, tokens = sizes[full, "forms"]
        assert forms - sizes[empty, "forms"][0] == 3 and tokens - sizes[empty, "forms"][1] == 3


def test_each_reply_offers_what_the_policy_allows_and_nothing_else(app, people):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    advisor = add_member(app, people)
    advice = make_reply(app, post_id, advisor, "Try a huddle.")
    own = make_reply(app, post_id, people.member, "Which time of day?", advice)
    author = app.test_client()
    author.login(people.member)
    page = author.get(f"/c/{people.slug}/posts/{post_id}").text
    base = f"/c/{people.slug}/posts/{post_id}/replies"
    others = _item(page, advice)
    assert f'href="{base}/{advice}/reply"' in others and f'href="{base}/{advice}/thank"' in others
    assert "Mark helpful" in others and f'href="{base}/{advice}/report"' in others
    assert "Edit" not in others and "Delete" not in others and "Hide" not in others
    mine = _item(page, own)
    assert f'href="{base}/{own}/edit"' in mine and f'formaction="{base}/{own}/delete"' in mine
    assert "Thanks" not in mine and "/report" not in mine and "Mark helpful" not in mine
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    moderated = _item(facilitator.get(f"/c/{people.slug}/posts/{post_id}").text, advice)
    assert f'formaction="{base}/{advice}/hide"' in moderated and "Mark helpful" not in moderated


def test_the_buttons_under_a_reply_send_the_pages_one_form(app, people):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    advice = make_reply(app, post_id, add_member(app, people), "Try a huddle.")
    author = app.test_client()
    author.login(people.member)
    page = author.get(f"/c/{people.slug}/posts/{post_id}").text
    helpful = re.search(r'<button form="reply-action" formaction="([^"]+)" name="set" value="(\d)">Mark helpful', page)
    _action, fields = _form(page, f"/posts/{post_id}")  # the action form, sent to each button's address
    response = author.post(helpful.group(1), data={**fields, "set": helpful.group(2)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#reply-{advice}")
    after = author.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "1 marked helpful" in after and "Not helpful after all" in _item(after, advice)


def test_without_javascript_a_reply_to_a_reply_goes_through_its_own_page(app, people, client):
    post_id = make_post(app, people, people.member, title="Bed flow in winter")
    parent = make_reply(app, post_id, people.facilitator, "Have you tried a *huddle*?")
    client.login(people.member)
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    link = re.search(r'<a href="([^"]+)" data-answer>Reply</a>', _item(thread, parent)).group(1)
    page = client.get(link)
    assert page.status_code == 200
    with app.app_context():
        name = user(people.facilitator).name
    assert f"Reply to {name}" in page.text and "<em>huddle</em>" in page.text
    assert f'<label for="reply-body-{parent}">Your reply to {name}</label>' in page.text
    action, fields = _form(page.text, "/replies")
    sent = client.post(action, data={**fields, "body": "Every morning at 8."})
    assert sent.status_code == 302 and "#reply-" in sent.headers["Location"]
    with app.app_context():
        answer = db.session.execute(db.select(Reply).filter_by(post_id=post_id, parent_id=parent)).scalar_one()
        assert answer.body == "Every morning at 8."


def test_a_failed_reply_from_its_own_page_comes_back_under_the_reply_it_answers(app, people, client):
    post_id = make_post(app, people, people.member)
    parent = make_reply(app, post_id, people.facilitator, "Context")
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/{post_id}/replies/{parent}/reply").text
    action, fields = _form(page, "/replies")
    too_long = "We tried this across three hospitals and learned a lot. " * 1000  # over the limit
    response = client.post(action, data={**fields, "body": too_long})
    assert response.status_code == 422
    under_parent = _item(response.text, parent)
    assert "Keep it under" in under_parent and html.escape(too_long.strip(), quote=False) in under_parent


def test_without_javascript_thanks_naming_a_value_goes_through_its_own_page(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.facilitator, "Good advice")
    client.login(people.member)
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    link = re.search(r'<a href="([^"]+)" data-thank="[^"]+">Thanks</a>', _item(thread, reply_id)).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Good advice" in page.text
    with app.app_context():
        candour = db.session.execute(
            db.select(CohortValue.id).filter_by(cohort_id=people.cohort_id, name="Candour")
        ).scalar_one()
    assert f'<option value="{candour}">Thanks for Candour</option>' in page.text
    action, fields = _form(page.text, f"/replies/{reply_id}/thanks")
    sent = client.post(action, data={**fields, "value_id": str(candour)})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"#reply-{reply_id}")
    after = _item(client.get(f"/c/{people.slug}/posts/{post_id}").text, reply_id)
    assert "Thanks (1)" in after and "for Candour" in after and "Take back thanks" in after
    # The same page then offers to take it back.
    assert "Take back my thanks" in client.get(link).text


def test_without_javascript_a_flag_goes_through_its_own_page(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, add_member(app, people), "An unkind remark")
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/report")
    assert page.status_code == 200 and "An unkind remark" in page.text
    action, fields = _form(page.text, f"/replies/{reply_id}/flag")
    sent = client.post(action, data={**fields, "reason": "This feels disrespectful."}, follow_redirects=True)
    assert "only they see that you raised it" in sent.text
    with app.app_context():
        assert db.session.execute(db.select(Flag.reason).filter_by(reply_id=reply_id)).scalar_one() == (
            "This feels disrespectful."
        )


def test_the_action_pages_answer_as_the_actions_do(app, people, client):
    post_id = make_post(app, people, people.member)
    own = make_reply(app, post_id, people.member, "My own words")
    hidden = make_reply(app, post_id, add_member(app, people), "Hidden words")
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{hidden}/hide")
    client.login(people.member)
    base = f"/c/{people.slug}/posts/{post_id}/replies"
    assert client.get(f"{base}/{own}/thank").status_code == 403  # one's own words are not thanked
    assert client.get(f"{base}/{own}/report").status_code == 403
    assert client.get(f"{base}/{own}/reply").status_code == 200
    for action in ("reply", "thank", "report"):
        assert client.get(f"{base}/{hidden}/{action}").status_code == 404
    outsider = app.test_client()
    outsider.login(people.outsider)
    for action in ("reply", "thank", "report"):
        assert outsider.get(f"{base}/{own}/{action}").status_code == 404

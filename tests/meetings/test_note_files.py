"""Files published with a session's notes: shown on the session page, served to its members only."""

import io
import re

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from cohort.extensions import db
from cohort.models import Attachment, MeetingNote, Membership

from .. import factories
from ..posts.helpers import user
from .helpers import past_meeting


def _publish(client, slug: str, meeting_id: int, notes: str, *files: tuple[bytes, str]):
    data = MultiDict({"notes": notes, "csrf_token": client.csrf_token()})
    for content, name in files:
        data.add("files", FileStorage(io.BytesIO(content), name))
    boundary, body = encode_multipart(data)
    return client.post(
        f"/c/{slug}/sessions/{meeting_id}/notes", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/c/[^"]+/sessions/\d+/files/[0-9a-f]{32})"', html)


def test_a_facilitator_publishes_the_slides_with_the_notes_and_members_download_them(app, people, client):
    meeting_id = past_meeting(app, people.cohort_id)
    client.login(people.facilitator)
    assert 'enctype="multipart/form-data"' in client.get(f"/c/{people.slug}/sessions/{meeting_id}/notes").text
    sent = _publish(client, people.slug, meeting_id, "We agreed to try it.", (factories.PDF, "Slides.pdf"))
    assert sent.status_code == 302

    member = app.test_client()
    member.login(people.member)
    page = member.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert "Slides.pdf" in page and "PDF ·" in page
    (link,) = _links(page)
    served = member.get(link)
    assert served.status_code == 200 and served.data == factories.PDF
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    outsider = app.test_client()
    outsider.login(people.outsider)
    assert outsider.get(link).status_code == 404
    other_meeting = past_meeting(app, people.other_cohort_id)
    token = link.rsplit("/", 1)[1]
    assert outsider.get(f"/c/{people.other_slug}/sessions/{other_meeting}/files/{token}").status_code == 404


def test_files_alone_count_as_a_change_and_a_file_that_will_not_do_keeps_the_notes(app, people, client, tmp_path):
    meeting_id = past_meeting(app, people.cohort_id)
    client.login(people.facilitator)
    refused = _publish(client, people.slug, meeting_id, "Every word of the notes.", (b"MZ" + bytes(80), "slides.pdf"))
    assert refused.status_code == 422
    assert "“slides.pdf” is not a kind of file Cohort takes" in refused.text
    assert "Every word of the notes.</textarea>" in refused.text
    with app.app_context():
        assert db.session.execute(db.select(MeetingNote)).first() is None
        assert db.session.execute(db.select(Attachment)).first() is None

    _publish(client, people.slug, meeting_id, "", (factories.make_png(), "whiteboard.png"))
    page = client.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert "Notes published." in page
    assert re.search(r'<img src="/c/[^"]+/sessions/\d+/files/[0-9a-f]{32}" alt="whiteboard.png"', page)


def test_only_those_who_run_sessions_publish_files(app, people, client):
    meeting_id = past_meeting(app, people.cohort_id)
    client.login(people.member)
    sent = _publish(client, people.slug, meeting_id, "Mine.", (factories.PDF, "mine.pdf"))
    assert sent.status_code in (403, 404)
    with app.app_context():
        assert db.session.execute(db.select(Attachment)).first() is None


def test_a_file_published_by_mistake_is_withdrawn_from_the_notes_page(app, people, client, tmp_path):
    meeting_id = past_meeting(app, people.cohort_id)
    client.login(people.facilitator)
    _publish(client, people.slug, meeting_id, "Notes.", (factories.PDF, "Wrong board paper.pdf"))
    (link,) = _links(client.get(f"/c/{people.slug}/sessions/{meeting_id}/notes").text)
    member = app.test_client()
    member.login(people.member)
    assert "Remove" not in member.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert member.post_form(f"{link}/remove").status_code in (403, 404)
    withdrawn = client.post_form(f"{link}/remove")
    assert withdrawn.status_code == 302
    assert "“Wrong board paper.pdf” was removed." in client.get(withdrawn.headers["Location"]).text
    assert member.get(link).status_code == 404
    assert not list((tmp_path / "uploads" / "files").glob("*"))


def test_a_former_member_loses_the_session_files(app, people, client):
    meeting_id = past_meeting(app, people.cohort_id)
    client.login(people.facilitator)
    _publish(client, people.slug, meeting_id, "Notes.", (factories.PDF, "Slides.pdf"))
    (link,) = _links(client.get(f"/c/{people.slug}/sessions/{meeting_id}").text)
    member = app.test_client()
    member.login(people.member)
    assert member.get(link).status_code == 200
    with app.app_context():
        membership = db.session.execute(
            db.select(Membership).filter_by(user_id=user(people.member).id, cohort_id=people.cohort_id)
        ).scalar_one()
        db.session.delete(membership)
        db.session.commit()
    assert member.get(link).status_code == 404

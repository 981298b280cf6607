"""Files on posts and replies: decided by their content, kept outside the web root, and served only
to those who may see what carries them."""

import io
import os
import re
import time
import zipfile
from datetime import timedelta

import pytest
from PIL import ExifTags, Image, ImageSequence
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from cohort.auth import ops as account_ops
from cohort.extensions import db
from cohort.models import Attachment, Cohort, Membership, Post, Reply, utcnow
from cohort.moderation import ops as moderation_ops
from cohort.posts import ops as post_ops
from cohort.uploads import attachments
from cohort.uploads import ops as uploads_ops

from .. import factories
from .helpers import Visibility, make_post, user
from .test_intricate_text import PATHOLOGICAL

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="9" height="9"/></svg>'


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as document:
        document.writestr("[Content_Types].xml", "<Types/>")
        document.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _multipart(client, url: str, fields: dict, files: tuple[tuple[bytes, str], ...]):
    # Encoded here, in memory: the test client would spool a large body to a file it leaves open.
    data = MultiDict({**fields, "csrf_token": client.csrf_token()})
    for content, name in files:
        data.add("files", FileStorage(io.BytesIO(content), name))
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _send_reply(client, slug: str, post_id: int, body: str, *files: tuple[bytes, str]):
    return _multipart(client, f"/c/{slug}/posts/{post_id}/replies", {"body": body}, files)


def _file_links(html: str) -> list[str]:
    return sorted(set(re.findall(r'(?:href|src)="(/c/[^"]+/files/[0-9a-f]{32})"', html)))


def _stored(tmp_path) -> list[str]:
    folder = tmp_path / "uploads"
    return (
        sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()) if folder.exists() else []
    )


def test_a_reply_carries_a_pdf_and_a_photo_shown_in_place(app, people, client, tmp_path):
    post_id = make_post(app, people, people.facilitator, title="Fracture clinic backlog")
    client.login(people.member)
    sent = _send_reply(
        client,
        people.slug,
        post_id,
        "Our protocol is attached.",
        (factories.PDF, "Protocol v2.pdf"),
        (factories.make_png(), "chart.png"),
    )
    assert sent.status_code == 302
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert re.search(r'<img src="/c/[^"]+/files/[0-9a-f]{32}" alt="chart.png"', page)
    assert re.search(r">Protocol v2.pdf</a>\s*<span class=\"muted\">PDF · \d+ bytes</span>", page)
    pdf, png = sorted(_file_links(page), key=lambda link: "png" in client.get(link).mimetype)
    shown = client.get(pdf)
    assert shown.status_code == 200 and shown.data == factories.PDF
    assert shown.mimetype == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in shown.headers["Cache-Control"]
    assert client.get(png).mimetype == "image/png"
    assert len(_stored(tmp_path)) == 2 and all(name.startswith("files/") for name in _stored(tmp_path))


def test_a_new_post_carries_files_and_documents_are_downloads(app, people, client):
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/new").text
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    fields = {
        "kind": "story",
        "title": "Virtual fracture clinic",
        "body": "60% of referrals moved to virtual care plans.",
        "visibility": "attributed",
    }
    sent = _multipart(
        client, f"/c/{people.slug}/posts/new", fields, ((_docx(), "Our pathway.docx"), (SVG, "pathway.svg"))
    )
    assert sent.status_code == 302
    thread = client.get(sent.headers["Location"]).text
    assert "Our pathway.docx" in thread and "Word document" in thread
    assert "<img" not in re.sub(r'<img[^>]*class="avatar[^"]*"[^>]*>', "", thread), "an SVG is never shown in place"
    for link in _file_links(thread):
        served = client.get(link)
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in served.headers["Content-Security-Policy"]
    svg = [client.get(link) for link in _file_links(thread) if "svg" in client.get(link).headers["Content-Disposition"]]
    assert svg[0].mimetype == "image/svg+xml" and "filename=pathway.svg" in svg[0].headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00\x03" + bytes(200), "protocol.pdf"),  # a program calling itself a PDF
        (b"<html><script>alert(1)</script></html>", "protocol.pdf"),  # a page calling itself a PDF
        (b"\x00\x01\x02binary", "figures.csv"),
        (b"", "empty.txt"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_and_the_text_kept(app, people, client, tmp_path, data, name):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    sent = _send_reply(
        client, people.slug, post_id, "Keep every word of this.", (factories.PDF, "fine.pdf"), (data, name)
    )
    assert sent.status_code == 422
    assert f"“{name}”" in sent.text
    assert "Keep every word of this.</textarea>" in sent.text
    with app.app_context():
        assert db.session.execute(db.select(Reply).filter_by(post_id=post_id)).first() is None
        assert db.session.execute(db.select(Attachment)).first() is None
    assert _stored(tmp_path) == [], "the good file sent with it is not kept either"


def test_a_file_over_the_limit_gets_a_message_and_a_request_over_all_limits_a_413(make_app, tmp_path):
    app = make_app(COHORT_UPLOAD_MAX_MB=1)
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, member.user)
        db.session.commit()
        slug, post_id, email = cohort.slug, post.id, member.user.email
    client = app.test_client()
    client.login(email)
    big = factories.PDF + bytes(1024 * 1024)
    sent = _send_reply(client, slug, post_id, "The audit, attached.", (big, "audit.pdf"))
    assert sent.status_code == 422
    assert "“audit.pdf” is larger than 1 MB" in sent.text and "The audit, attached.</textarea>" in sent.text
    too_much = _send_reply(client, slug, post_id, "All of them.", *[(big, f"audit-{n}.pdf") for n in range(6)])
    assert too_much.status_code == 413
    assert _stored(tmp_path) == []


def test_more_files_than_allowed_are_refused(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    sent = _send_reply(client, people.slug, post_id, "Six.", *[(factories.PDF, f"{n}.pdf") for n in range(6)])
    assert sent.status_code == 422 and "Attach at most 5 files" in sent.text


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ('..\\..\\Plan "final"\r\nSet-Cookie: x=1.exe', "Plan finalSet-Cookie x=1.exe.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("Protocol v2.PDF", "Protocol v2.PDF"),
        ("...", "file.pdf"),
        ("x" * 300 + ".pdf", "x" * 156 + ".pdf"),
    ],
)
def test_a_file_name_cannot_break_the_header_or_reach_a_folder(sent, kept):
    assert attachments.clean_name(sent, "application/pdf") == kept


def test_the_name_a_file_is_served_under_is_its_cleaned_name_in_the_header(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    _send_reply(client, people.slug, post_id, "Named oddly.", (factories.PDF, "Compte rendu: réunion.pdf"))
    (link,) = _file_links(client.get(f"/c/{people.slug}/posts/{post_id}").text)
    disposition = client.get(link).headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=")
    assert "filename*=UTF-8''Compte%20rendu%20r%C3%A9union.pdf" in disposition
    assert "\r" not in disposition and "\n" not in disposition


def _reply_with_file(app, people, client) -> tuple[int, int, str]:
    post_id = make_post(app, people, people.facilitator, title="Backlog")
    client.login(people.member)
    _send_reply(client, people.slug, post_id, "Attached.", (factories.PDF, "protocol.pdf"))
    (link,) = _file_links(client.get(f"/c/{people.slug}/posts/{post_id}").text)
    with app.app_context():
        reply_id = db.session.execute(db.select(Reply.id).filter_by(post_id=post_id)).scalar_one()
    return post_id, reply_id, link


def test_outsiders_and_strangers_never_get_a_file(app, people, client):
    _post_id, _reply_id, link = _reply_with_file(app, people, client)
    client.logout()
    assert client.get(link).status_code in (302, 404)
    assert "protocol" not in client.get(link, follow_redirects=True).text
    client.login(people.outsider)
    assert client.get(link).status_code == 404
    token = link.rsplit("/", 1)[1]
    other_post = make_post(app, people, people.outsider, cohort_id=people.other_cohort_id)
    assert client.get(f"/c/{people.other_slug}/posts/{other_post}/files/{token}").status_code == 404


def test_a_former_member_loses_the_files_with_the_posts(app, people, client):
    _post_id, _reply_id, link = _reply_with_file(app, people, client)
    with app.app_context():
        membership = db.session.execute(
            db.select(Membership).filter_by(user_id=user(people.member).id, cohort_id=people.cohort_id)
        ).scalar_one()
        db.session.delete(membership)
        db.session.commit()
    assert client.get(link).status_code == 404


def test_hiding_or_deleting_what_carries_a_file_stops_serving_it(app, people, client):
    post_id, reply_id, link = _reply_with_file(app, people, client)
    facilitator = app.test_client()
    facilitator.login(people.facilitator)

    def moderate(operation):
        with app.app_context():
            acting = factories.member_of(user(people.facilitator), db.session.get(Cohort, people.cohort_id))
            operation(acting, db.session.get(Reply, reply_id))
            db.session.commit()

    moderate(moderation_ops.hide)
    assert client.get(link).status_code == 404
    assert facilitator.get(link).status_code == 200, "the facilitator reviewing it still sees it"
    moderate(moderation_ops.restore)
    assert client.get(link).status_code == 200
    with app.app_context():
        db.session.get(Post, post_id).hidden_at = db.func.now()
        db.session.commit()
    assert client.get(link).status_code == 404
    with app.app_context():
        post = db.session.get(Post, post_id)
        post.hidden_at, post.deleted_at = None, db.func.now()
        db.session.commit()
    assert client.get(link).status_code == 404
    assert facilitator.get(link).status_code == 404


def test_a_deleted_reply_takes_its_files_from_view(app, people, client):
    post_id, reply_id, link = _reply_with_file(app, people, client)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/delete")
    assert client.get(link).status_code == 404
    assert _file_links(client.get(f"/c/{people.slug}/posts/{post_id}").text) == []


def test_a_new_post_with_a_file_that_will_not_do_keeps_everything_typed(app, people, client, tmp_path):
    client.login(people.member)
    fields = {"kind": "challenge", "title": "Theatre lists", "body": "Every word kept.", "visibility": "attributed"}
    sent = _multipart(client, f"/c/{people.slug}/posts/new", fields, ((b"MZ" + bytes(64), "lists.xlsx"),))
    assert sent.status_code == 422
    assert "“lists.xlsx” is not a kind of file Cohort takes" in sent.text
    assert 'value="Theatre lists"' in sent.text and "Every word kept.</textarea>" in sent.text
    with app.app_context():
        assert db.session.execute(db.select(Post).filter_by(title="Theatre lists")).first() is None
    assert _stored(tmp_path) == []


def _age(path, days: float) -> None:
    moment = time.time() - days * 86400
    os.utime(path, (moment, moment))


def test_purging_removes_files_deleted_long_ago_and_files_nothing_names(app, people, client, runner, tmp_path):
    post_id, reply_id, link = _reply_with_file(app, people, client)
    kept_post = make_post(app, people, people.member, title="Still here")
    _send_reply(client, people.slug, kept_post, "Kept.", (factories.PDF, "kept.pdf"))
    with app.app_context():
        account_ops.set_photo(user(people.member), factories.make_photo())
        db.session.commit()
    uploads = tmp_path / "uploads"
    stray, fresh = uploads / "files" / f"{'a' * 32}.pdf", uploads / "files" / f"{'b' * 32}.pdf"
    stray_photo = uploads / "photos" / f"{'c' * 32}-large.jpg"
    not_ours = [uploads / "cohort.db", uploads / "backups" / "monday.sql"]  # sharing the folder
    for path in (stray, fresh, stray_photo, *not_ours):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(factories.PDF)
    for path in (stray, stray_photo, *not_ours):
        _age(path, 1)  # left by a request that failed after storing it; ``fresh`` may be one under way
    for path in uploads.rglob("*.jpg"):
        _age(path, 1)  # the member's own photo is as old, and stays
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/delete")

    result = runner.invoke(args=["purge-uploads"])
    assert "Removed 0 files of posts and replies deleted over 30 days ago" in result.output
    assert "and 2 stored files nothing names." in result.output
    assert not stray.exists() and not stray_photo.exists() and fresh.exists()
    assert all(path.exists() for path in not_ours), "nothing outside Cohort's own folders is touched"
    assert len([name for name in _stored(tmp_path) if name.startswith("photos/")]) == 2, "the live photo stays"
    assert len([name for name in _stored(tmp_path) if name.startswith("files/")]) == 3, "a deleted reply's waits"

    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        reply.deleted_at = reply.deleted_at - timedelta(days=31)
        db.session.commit()
    result = runner.invoke(args=["purge-uploads"])
    assert "Removed 1 files of posts and replies deleted over 30 days ago" in result.output
    assert len([name for name in _stored(tmp_path) if name.startswith("files/")]) == 2
    with app.app_context():
        assert db.session.execute(db.select(Attachment.name)).scalars().all() == ["kept.pdf"]
    (kept_link,) = _file_links(client.get(f"/c/{people.slug}/posts/{kept_post}").text)
    assert client.get(kept_link).status_code == 200


def test_a_reply_refused_after_its_files_were_stored_leaves_none(app, people, client, tmp_path):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    sent = _send_reply(client, people.slug, post_id, PATHOLOGICAL[0], (factories.PDF, "protocol.pdf"))
    assert sent.status_code == 422 and "too intricate" in sent.text
    assert _stored(tmp_path) == []


def test_the_same_new_post_form_sent_twice_keeps_one_set_of_files(app, people, client, tmp_path):
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/new").text
    form_key = re.search(r'name="form_key" type="text" value="([^"]+)"', page).group(1)
    fields = {
        "kind": "story",
        "title": "Once",
        "body": "Shared once.",
        "visibility": "attributed",
        "form_key": form_key,
    }
    for _ in range(2):
        assert _multipart(client, f"/c/{people.slug}/posts/new", fields, ((factories.PDF, "a.pdf"),)).status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Attachment.id))).scalar_one() == 1
    assert len(_stored(tmp_path)) == 1


def test_a_file_sent_where_text_belongs_is_a_400_not_an_error(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    data = MultiDict({"csrf_token": client.csrf_token()})
    data.add("body", FileStorage(io.BytesIO(b"text in a file"), "body.txt"))
    boundary, body = encode_multipart(data)
    sent = client.post(
        f"/c/{people.slug}/posts/{post_id}/replies", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert sent.status_code == 400
    login = client.post("/login", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert login.status_code == 400, "a form that takes no file takes none"


def test_a_stranger_may_not_send_a_large_body_where_members_attach_files(app, people, client):
    data = MultiDict({"body": "x"})
    data.add("files", FileStorage(io.BytesIO(factories.PDF + bytes(2 * 1024 * 1024)), "big.pdf"))
    boundary, body = encode_multipart(data)
    sent = client.post(
        f"/c/{people.slug}/posts/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert sent.status_code == 413


def test_a_deleted_post_keeps_its_files_for_the_days_configured(make_app, tmp_path):
    app = make_app(COHORT_UPLOAD_KEEP_DAYS=2)
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, member.user)
        post_ops.add_reply(member, post, "With a file.", files=[attachments.Upload("a.pdf", factories.PDF)])
        post.deleted_at = utcnow() - timedelta(days=1)
        db.session.commit()
        assert uploads_ops.purge_uploads(2).expired == 0
        post.deleted_at = utcnow() - timedelta(days=3)
        db.session.commit()
        assert uploads_ops.purge_uploads(2).expired == 1
    assert _stored(tmp_path) == []


def _office(folder: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as document:
        document.writestr("[Content_Types].xml", "<Types/>")
        document.writestr(f"{folder}/document.xml", "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (factories.PDF, "anything.bin", "application/pdf"),
        (factories.make_png(), "photo.jpg", "image/png"),  # the content decides, not the name
        (b"GIF89a" + bytes(40), "wave.gif", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40), "ward.webp", "image/webp"),
        (_office("word"), "pathway.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (_office("xl"), "waits.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (_office("ppt"), "board.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (b"Clinic,Wait (days)\nFracture,14\nHand,9\n", "waits.csv", "text/csv"),
        ("Notes from the ward round — 60% virtual.\n".encode(), "notes.txt", "text/plain"),
        (b"plain words", "no extension", "text/plain"),
        (b"PK\x03\x04" + bytes(30), "archive.zip", None),
        (b"\x7fELF" + bytes(60), "tool", None),
    ],
)
def test_the_type_comes_from_the_content(data, name, kind):
    assert attachments.detect_type(data, name) == kind


def test_only_a_body_carrying_files_may_be_larger_than_a_text_form(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    # A form-encoded body is read whole into memory: the files' allowance is not its to use.
    big_text = {"body": "x" * (1024 * 1024 + 10), "csrf_token": client.csrf_token()}
    assert client.post(f"/c/{people.slug}/posts/{post_id}/replies", data=big_text).status_code == 413
    sent = _send_reply(
        client, people.slug, post_id, "With a large file.", (factories.PDF + bytes(1024 * 1024), "big.pdf")
    )
    assert sent.status_code == 302


def test_an_attached_photo_keeps_its_pixels_and_loses_who_took_it_and_where(app, people, client):
    post_id = make_post(app, people, people.facilitator, visibility=Visibility.CHATHAM_HOUSE)
    client.login(people.member)
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Jane Doe, Chief Executive"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 26.0)
    sent = io.BytesIO()
    Image.new("RGB", (120, 80), "teal").save(sent, "JPEG", exif=exif, comment=b"Jane's phone")
    assert (
        _send_reply(client, people.slug, post_id, "The new board.", (sent.getvalue(), "board.jpg")).status_code == 302
    )
    (link,) = _file_links(client.get(f"/c/{people.slug}/posts/{post_id}").text)
    served = client.get(link).data
    assert b"Jane" not in served
    with Image.open(io.BytesIO(served)) as shown:
        assert shown.size == (120, 80) and not shown.getexif() and "comment" not in shown.info


def test_an_image_too_large_to_decode_safely_is_refused(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    huge = io.BytesIO()
    Image.new("1", (8000, 6000)).save(huge, "PNG")  # 48 megapixels in a few kilobytes
    sent = _send_reply(client, people.slug, post_id, "A huge picture.", (huge.getvalue(), "huge.png"))
    assert sent.status_code == 422 and "“huge.png” has too many pixels" in sent.text


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    options = {"save_all": True, "append_images": frames[1:], "comment": b"Jane"} if kind == "GIF" else {}
    frames[0].save(out, kind, **options)
    return out.getvalue()


@pytest.mark.parametrize(("kind", "frames"), [("GIF", 2), ("WEBP", 1), ("PNG", 1)])
def test_each_inline_kind_is_saved_anew_as_itself(kind, frames, app):
    with app.app_context():
        (checked,) = attachments.check([attachments.Upload(f"picture.{kind.lower()}", _image(kind))])
    with Image.open(io.BytesIO(checked.data)) as saved:
        assert saved.format == kind and getattr(saved, "n_frames", 1) == frames and b"Jane" not in checked.data


def test_who_attached_a_file_takes_it_back_and_no_one_else_does(app, people, client, tmp_path):
    post_id, reply_id, link = _reply_with_file(app, people, client)
    remove = f"{link}/remove"
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    assert 'aria-label="Remove protocol.pdf"' not in facilitator.get(f"/c/{people.slug}/posts/{post_id}").text
    assert facilitator.post_form(remove).status_code == 403, "a facilitator hides the reply instead"
    outsider = app.test_client()
    outsider.login(people.outsider)
    assert outsider.post_form(remove).status_code == 404
    assert client.get(link).status_code == 200

    assert 'aria-label="Remove protocol.pdf"' in client.get(f"/c/{people.slug}/posts/{post_id}").text
    taken = client.post_form(remove)
    assert taken.status_code == 302 and taken.headers["Location"].endswith(f"#reply-{reply_id}")
    assert "“protocol.pdf” was removed." in client.get(taken.headers["Location"]).text
    assert client.get(link).status_code == 404
    assert _stored(tmp_path) == []


def _checked_image(app, data: bytes, name: str) -> bytes:
    with app.app_context():
        (checked,) = attachments.check([attachments.Upload(name, data)])
    return checked.data


def test_a_phones_two_picture_jpeg_keeps_its_first_picture(app):
    out = io.BytesIO()
    first, second = Image.new("RGB", (60, 40), "red"), Image.new("RGB", (60, 40), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    with Image.open(io.BytesIO(_checked_image(app, out.getvalue(), "phone.jpg"))) as saved:
        assert saved.format == "JPEG" and saved.size == (60, 40) and saved.getpixel((5, 5))[0] > 200


def test_a_moving_picture_keeps_its_frames_timing_and_loop(app):
    out = io.BytesIO()
    frames = [Image.new("RGB", (30, 20), colour) for colour in ("red", "green", "blue")]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)
    with Image.open(io.BytesIO(_checked_image(app, out.getvalue(), "wave.gif"))) as saved:
        assert saved.n_frames == 3 and saved.info["loop"] == 0
        durations = []
        for frame in ImageSequence.Iterator(saved):
            durations.append(frame.info["duration"])
        assert durations == [100, 200, 300]


def test_a_png_keeps_its_transparency(app):
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, "PNG")
    with Image.open(io.BytesIO(_checked_image(app, out.getvalue(), "logo.png"))) as saved:
        assert saved.mode == "RGBA" and saved.getpixel((3, 3))[3] == 0


def test_a_broken_or_enormous_moving_picture_is_refused_not_an_error(app, people, client):
    out = io.BytesIO()
    frames = [Image.new("RGB", (30, 20), colour) for colour in ("red", "green", "blue")]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    whole = out.getvalue()
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    for cut in range(len(whole) // 2, len(whole) - 2, 7):
        sent = _send_reply(client, people.slug, post_id, "A moving chart.", (whole[:cut], "chart.gif"))
        assert sent.status_code in (302, 422), cut
    many = io.BytesIO()
    big = [Image.new("RGB", (1000, 1000), (index * 5, 0, 0)) for index in range(45)]  # 45 megapixels in all
    big[0].save(many, "GIF", save_all=True, append_images=big[1:])
    sent = _send_reply(client, people.slug, post_id, "Very long.", (many.getvalue(), "long.gif"))
    assert sent.status_code == 422 and "too many pixels" in sent.text


def test_the_author_adds_files_when_editing_and_sees_those_already_there(app, people, client, tmp_path):
    client.login(people.member)
    fields = {"kind": "story", "title": "Huddles", "body": "A daily huddle.", "visibility": "attributed"}
    shared = _multipart(client, f"/c/{people.slug}/posts/new", fields, ((factories.PDF, "first.pdf"),))
    post_id = int(shared.headers["Location"].rsplit("/", 1)[1])
    edit_url = f"/c/{people.slug}/posts/{post_id}/edit"
    page = client.get(edit_url).text
    assert "first.pdf" in page and 'aria-label="Remove first.pdf"' in page and 'type="file"' in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    edited = _multipart(
        client,
        edit_url,
        {**fields, "body": "A daily huddle, at 8.", "version": version},
        ((factories.PDF, "second.pdf"),),
    )
    assert edited.status_code == 302
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "first.pdf" in thread and "second.pdf" in thread and "at 8." in thread
    refused = _multipart(
        client, edit_url, {**fields, "version": str(int(version) + 1)}, ((b"MZ" + bytes(40), "x.pdf"),)
    )
    assert refused.status_code == 422 and "“x.pdf” is not a kind of file" in refused.text
    assert len(_stored(tmp_path)) == 2

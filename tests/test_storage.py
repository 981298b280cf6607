"""Where uploads are kept: a folder by default, or S3-compatible object storage shared by every app
server, here a real S3-compatible server (moto's) started by the test on 127.0.0.1."""

import io
from datetime import timedelta

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cohort.extensions import db
from cohort.models import Attachment, User, utcnow
from cohort.uploads import ops as uploads_ops
from cohort.uploads import photos, storage

from . import factories

BUCKET = "cohort-test"
PREFIX = "uploads"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    # The server takes any credentials; boto3 finds them where it would in production.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "cohort-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "cohort-test")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for entry in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=entry["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(entry["Key"] for entry in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def _upload(client, data: bytes):
    boundary, body = encode_multipart(
        {"csrf_token": client.csrf_token(), "photo": FileStorage(io.BytesIO(data), "me.jpg", content_type="image/jpeg")}
    )
    return client.post("/account/photo", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_photos_live_in_the_bucket_and_two_servers_share_them(make_app, bucket, s3_endpoint, tmp_path):
    url = f"s3://{BUCKET}/{PREFIX}?endpoint={s3_endpoint}&region=us-east-1"
    first, second = make_app(COHORT_STORAGE_URL=url), make_app(COHORT_STORAGE_URL=url)
    with first.app_context():
        cohort = factories.make_cohort()
        member, peer = factories.make_member(cohort), factories.make_member(cohort)
        db.session.commit()
        member_id, email, peer_email, slug = member.user.id, member.user.email, peer.user.email, cohort.slug

    uploader = first.test_client()
    uploader.login(email)
    assert _upload(uploader, factories.make_photo("teal")).status_code == 302
    with first.app_context():
        token = db.session.get(User, member_id).photo_token
    assert _keys(bucket) == sorted(f"{PREFIX}/{photos.photo_key(token, size)}" for size in photos.SIZES)
    assert not (tmp_path / "uploads").exists(), "nothing is kept on the app server"

    viewer = second.test_client()
    viewer.login(peer_email)
    served = viewer.get(f"/c/{slug}/members/{member_id}/photo/{token}-large.jpg")
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.data)).size == (photos.SIZES["large"],) * 2

    _upload(uploader, factories.make_photo("orange"))
    with first.app_context():
        replaced = db.session.get(User, member_id).photo_token
    assert _keys(bucket) == sorted(f"{PREFIX}/{photos.photo_key(replaced, size)}" for size in photos.SIZES)
    assert viewer.get(f"/c/{slug}/members/{member_id}/photo/{token}-large.jpg").status_code == 404


def test_a_missing_object_reads_as_none(bucket, s3_endpoint):
    kept = storage.storage_from_url(f"s3://{BUCKET}/?endpoint={s3_endpoint}&region=us-east-1", "/unused")
    assert kept.read("photos/nothing-large.jpg") is None
    kept.put("photos/something-large.jpg", b"data", "image/jpeg")
    assert kept.read("photos/something-large.jpg") == b"data"
    kept.delete("photos/something-large.jpg")
    kept.delete("photos/something-large.jpg")  # already gone: no error
    assert _keys(bucket) == []


@pytest.mark.parametrize("key", ["../secret_key", "photos/../../x.jpg", "/etc/passwd", "photos/A.jpg", ""])
def test_a_key_that_could_leave_the_folder_is_refused(tmp_path, key):
    kept = storage.storage_from_url(f"file:{tmp_path}", "/unused")
    with pytest.raises(ValueError, match="not a storage key"):
        kept.put(key, b"data", "image/jpeg")


def test_an_unknown_storage_address_stops_the_app_at_start(make_app):
    with pytest.raises(ValueError, match="COHORT_STORAGE_URL must be"):
        make_app(COHORT_STORAGE_URL="ftp://files.example.org/")


def test_attachments_live_in_the_bucket_are_served_by_another_server_and_are_purged_there(
    make_app, bucket, s3_endpoint, tmp_path
):
    url = f"s3://{BUCKET}/{PREFIX}?endpoint={s3_endpoint}&region=us-east-1"
    first, second = make_app(COHORT_STORAGE_URL=url), make_app(COHORT_STORAGE_URL=url)
    with first.app_context():
        cohort = factories.make_cohort()
        member, peer = factories.make_member(cohort), factories.make_member(cohort)
        post = factories.make_post(cohort, peer.user)
        db.session.commit()
        email, peer_email, slug, post_id = member.user.email, peer.user.email, cohort.slug, post.id

    uploader = first.test_client()
    uploader.login(email)
    boundary, body = encode_multipart(
        {
            "csrf_token": uploader.csrf_token(),
            "body": "The protocol.",
            "files": FileStorage(io.BytesIO(factories.PDF), "protocol.pdf"),
        }
    )
    sent = uploader.post(
        f"/c/{slug}/posts/{post_id}/replies", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert sent.status_code == 302
    with first.app_context():
        attachment = db.session.execute(db.select(Attachment)).scalar_one()
        key, token = attachment.storage_key, attachment.token
    assert _keys(bucket) == [f"{PREFIX}/{key}"]
    assert not (tmp_path / "uploads").exists(), "nothing is kept on the app server"

    viewer = second.test_client()
    viewer.login(peer_email)
    served = viewer.get(f"/c/{slug}/posts/{post_id}/files/{token}")
    assert served.status_code == 200 and served.data == factories.PDF

    bucket.put_object(Bucket=BUCKET, Key=f"{PREFIX}/files/{'c' * 32}.pdf", Body=b"left behind")
    with second.app_context():
        # An hour on, the file no row names is old enough to go; the attached one stays.
        purged = uploads_ops.purge_uploads(30, now=utcnow() + timedelta(hours=2))
    assert purged.unnamed == 1 and _keys(bucket) == [f"{PREFIX}/{key}"]

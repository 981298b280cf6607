"""Members' photos: uploaded on the account page, checked by their content, re-encoded without their
metadata, and shown at two sizes to those who may see the member's profile."""

import io
import json
import re
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cohort.auth import ops as auth_ops
from cohort.extensions import db
from cohort.models import User
from cohort.uploads import photos

from .. import factories

PHOTO_SRC = re.compile(r'<img class="avatar[^"]*" src="([^"]+)"')


def _jpeg_with_camera_details(width=300, height=200) -> bytes:
    """A photo as a phone takes it: sideways (orientation 6), with its maker and where it was taken.
    Its left half is red and its right half blue, so turning it upright puts the red on top."""
    image = Image.new("RGB", (width, height), "blue")
    image.paste((220, 0, 0), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 26.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Taken at home")
    return out.getvalue()


def _png(size=(120, 120), mode="RGBA", colour=(0, 0, 0, 0)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def member(app):
    """A member of a cohort with a peer in it, and someone of another cohort."""
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        peer = factories.make_member(cohort)
        outsider = factories.make_member(factories.make_cohort())
        db.session.commit()
        return {
            "email": member.user.email,
            "id": member.user.id,
            "slug": cohort.slug,
            "peer": peer.user.email,
            "outsider": outsider.user.email,
        }


def _upload(client, data: bytes, filename="me.jpg", content_type="image/jpeg", **kwargs):
    """Send the photo form as a browser does. The body is made in memory: the test client would spool a
    large one to a temporary file that nothing closes."""
    fields = {
        "csrf_token": client.csrf_token(),
        "photo": FileStorage(io.BytesIO(data), filename, content_type=content_type),
    }
    boundary, body = encode_multipart(fields)
    return client.post("/account/photo", data=body, content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


def _token(app, user_id) -> str | None:
    with app.app_context():
        return db.session.get(User, user_id).photo_token


def _stored(app) -> list[str]:
    """The photo files in the app's storage folder."""
    folder = Path(app.config["COHORT_STORAGE_URL"].removeprefix("file:"), "photos")
    return sorted(path.name for path in folder.glob("*.jpg"))


def test_a_phone_photo_is_turned_upright_cropped_square_and_stripped_of_its_details(app, client, member):
    client.login(member["email"])
    response = _upload(client, _jpeg_with_camera_details(), follow_redirects=True)
    assert "Your photo has been saved." in response.text
    urls = PHOTO_SRC.findall(response.text)
    assert len(urls) == 1 and urls[0].endswith("-large.jpg")
    for size, side in photos.SIZES.items():
        served = client.get(urls[0].replace("-large.jpg", f"-{size}.jpg"))
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Cache-Control"].startswith("private")
        for secret in (b"SecretCam", b"Exif", b"Taken at home", b"GPS"):
            assert secret not in served.data
        image = Image.open(io.BytesIO(served.data))
        assert (image.format, image.size) == ("JPEG", (side, side))
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
        top, bottom = image.getpixel((side // 2, 2)), image.getpixel((side // 2, side - 3))
        assert top[0] > 150 and top[2] < 80, "red is on top once the photo is upright"
        assert bottom[2] > 150 and bottom[0] < 80


def test_a_transparent_png_is_kept_on_white(app, client, member):
    client.login(member["email"])
    assert _upload(client, _png(), "me.png", "image/png").status_code == 302
    token = _token(app, member["id"])
    image = Image.open(io.BytesIO(client.get(f"/account/photo/{token}-small.jpg").data))
    assert image.getpixel((48, 48)) == pytest.approx((255, 255, 255), abs=2)


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (PDF, "me.png", "image/png", "A photo must be a JPEG or PNG image."),
        (b"GIF89a" + bytes(200), "me.jpg", "image/jpeg", "A photo must be a JPEG or PNG image."),
        (b"\xff\xd8\xff\xe0" + bytes(200), "me.jpg", "image/jpeg", "That photo could not be read."),
        (_png((8000, 6000), "L", 0), "huge.png", "image/png", "That photo has too many pixels."),
        (_jpeg_with_camera_details() + bytes(photos.MAX_PHOTO_BYTES), "big.jpg", "image/jpeg", "larger than 5 MB"),
    ],
    ids=["pdf named png", "gif", "broken jpeg", "too many pixels", "over 5 MB"],
)
def test_a_file_that_is_not_a_usable_photo_is_refused_with_the_reason(
    app, client, member, data, filename, content_type, message
):
    client.login(member["email"])
    response = _upload(client, data, filename, content_type)
    assert response.status_code == 422
    assert message in response.text
    assert 'id="photo-error"' in response.text
    assert _token(app, member["id"]) is None
    assert _stored(app) == []


def test_choosing_no_file_says_so(client, member):
    client.login(member["email"])
    boundary, body = encode_multipart({"csrf_token": client.csrf_token()})
    response = client.post("/account/photo", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422
    assert "Choose a photo to upload." in response.text


def test_a_body_far_past_the_limit_is_refused_before_it_is_read(client, member):
    client.login(member["email"])
    with _upload(client, bytes(photos.MAX_PHOTO_BYTES * 2), "big.jpg") as response:
        assert response.status_code == 413
        assert "That was too much to send at once" in response.text


def test_other_forms_keep_the_text_forms_limit(client, member):
    """The photo's allowance is the photo form's alone: the details form refuses the same body."""
    client.login(member["email"])
    response = client.post_form("/account", {"name": "x", "bio": "x" * (photos.MAX_PHOTO_BYTES)})
    assert response.status_code == 413


def test_replacing_and_removing_a_photo_removes_the_old_files(app, client, member):
    client.login(member["email"])
    _upload(client, _jpeg_with_camera_details())
    first = _token(app, member["id"])
    assert _stored(app) == sorted(f"{first}-{size}.jpg" for size in photos.SIZES)
    _upload(client, _png(colour=(0, 120, 0, 255)), "new.png", "image/png")
    second = _token(app, member["id"])
    assert second != first
    assert _stored(app) == sorted(f"{second}-{size}.jpg" for size in photos.SIZES)
    assert client.get(f"/account/photo/{first}-large.jpg").status_code == 404

    response = client.post_form("/account/photo/remove", follow_redirects=True)
    assert "Your photo has been removed." in response.text
    assert not PHOTO_SRC.search(response.text)
    assert _token(app, member["id"]) is None and _stored(app) == []
    assert client.get(f"/account/photo/{second}-large.jpg").status_code == 404


def test_a_photo_change_that_is_not_committed_leaves_no_files(app, member):
    with app.app_context():
        user = db.session.get(User, member["id"])
        auth_ops.set_photo(user, _png(colour=(10, 10, 10, 255)))
        assert len(_stored(app)) == 2
        db.session.rollback()
        assert _stored(app) == []
        assert db.session.get(User, member["id"]).photo_token is None


def test_peers_see_the_photo_and_others_get_404(app, client, member):
    client.login(member["email"])
    _upload(client, _jpeg_with_camera_details())
    token = _token(app, member["id"])
    client.logout()

    client.login(member["peer"])
    profile = client.get(f"/c/{member['slug']}/members/{member['id']}")
    directory = client.get(f"/c/{member['slug']}/members")
    large = f"/c/{member['slug']}/members/{member['id']}/photo/{token}-large.jpg"
    small = f"/c/{member['slug']}/members/{member['id']}/photo/{token}-small.jpg"
    assert large in PHOTO_SRC.findall(profile.text)
    assert small in PHOTO_SRC.findall(directory.text)
    assert client.get(large).status_code == 200
    for wrong in (
        large.replace(token, "0" * 32),
        large.replace("-large.jpg", "-huge.jpg"),
        f"/c/{member['slug']}/members/{member['id'] + 1000}/photo/{token}-large.jpg",
    ):
        assert client.get(wrong).status_code == 404, wrong
    assert client.get(f"/account/photo/{token}-large.jpg").status_code == 404, "another's photo is not one's own"
    client.logout()

    client.login(member["outsider"])
    assert client.get(large).status_code == 404
    client.logout()
    assert client.get(large).status_code == 302  # signed out: the sign-in page first


def test_the_photo_joins_the_export_and_goes_with_the_account(app, client, member):
    client.login(member["email"])
    _upload(client, _jpeg_with_camera_details())
    exported = json.loads(client.get("/account/my-data.json").data)
    assert exported["account"]["photo"].startswith("data:image/jpeg;base64,")

    response = client.post_form(
        "/account/delete", {"words": "keep", "password": factories.TEST_PASSWORD, "confirm": "delete"}
    )
    assert response.status_code == 302
    assert _token(app, member["id"]) is None
    assert _stored(app) == []

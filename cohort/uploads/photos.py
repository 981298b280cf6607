"""Members' photos: a JPEG or PNG of up to 5 MB, recognised by its content, then re-encoded by Pillow
as two square JPEGs (EXIF, location and every other piece of metadata left behind)."""

import io
import warnings
from dataclasses import dataclass

import filetype
from flask import Response, abort
from PIL import Image, ImageOps, UnidentifiedImageError

from ..policy import Refused
from . import storage

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Larger images are refused before they are decoded: a small file can claim a huge picture.
MAX_PIXELS = 40_000_000
ACCEPTED = {"image/jpeg", "image/png"}
# The sizes a photo is kept at, in pixels square: on the profile, and beside a name.
SIZES = {"large": 400, "small": 96}


@dataclass(frozen=True)
class Photo:
    """A photo ready to store: JPEG bytes at each of ``SIZES``."""

    sizes: dict[str, bytes]


def photo_key(token: str, size: str) -> str:
    """Where one size of the photo ``token`` names is stored."""
    return f"photos/{token}-{size}.jpg"


def prepare(data: bytes) -> Photo:
    """Check an uploaded photo by its content and make its stored sizes, or refuse it with a reason."""
    if len(data) > MAX_PHOTO_BYTES:
        raise Refused("That photo is larger than 5 MB. Choose a smaller one.")
    kind = filetype.guess_mime(data)
    if kind not in ACCEPTED:
        raise Refused("A photo must be a JPEG or PNG image.")
    try:
        with warnings.catch_warnings():
            # Pillow warns of a huge picture as it opens it; the limit below refuses it instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            if image.width * image.height > MAX_PIXELS:
                raise Refused("That photo has too many pixels. Choose one under 40 megapixels.")
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise Refused("That photo could not be read. Try saving it again as a JPEG or PNG.") from error
    flat = Image.new("RGB", upright.size, "white")
    flat.paste(upright.convert("RGBA"), mask=upright.convert("RGBA"))
    sizes = {}
    for name, side in SIZES.items():
        square = ImageOps.fit(flat, (side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # Saved without the original's info: no EXIF, no GPS, no ICC profile, no comments.
        square.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        sizes[name] = out.getvalue()
    return Photo(sizes)


def photo_response(token: str, size: str) -> Response:
    """One stored size of a photo, for a view that has checked the viewer may see it; 404 if it is gone."""
    if size not in SIZES:
        abort(404)
    data = storage.storage().read(photo_key(token, size))
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    # A new photo has a new address, so this one never changes; the viewer's browser alone may keep it.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response

"""Files attached to posts and replies: their type decided from their content, never from the name or
the browser's word; stored under random keys; served only to a viewer the caller has checked."""

import io
import re
import secrets
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import filetype
from flask import Response, abort, current_app, send_file
from PIL import Image, ImageOps, ImageSequence
from sqlalchemy import delete
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..models import Attachment
from ..models.attachment import EXTENSIONS, INLINE_IMAGES, attachment_key
from ..policy import Refused
from . import photos, storage

# Files at most on one post or one reply.
MAX_FILES = 5
MAX_NAME = 160
# What a person sees of each accepted type, beside the file's name.
LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/vnd.ms-powerpoint": "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
    "text/plain": "Text",
    "text/csv": "CSV",
    "image/svg+xml": "SVG image",
}
ACCEPTED_WORDS = "a PDF, an image (JPEG, PNG, GIF, WebP or SVG), a Word, Excel or PowerPoint file, plain text or CSV"
# A hint to the browser's file chooser: every kind taken, by the extensions such files carry.
CHOOSER_EXTENSIONS = tuple(sorted({f".{extension}" for extension in EXTENSIONS.values()} | {".jpeg"}))
# Opened in the browser; everything else is a download.
SHOWN_INLINE = INLINE_IMAGES | {"application/pdf"}
# Text: printable characters, tabs and line ends only (no other control character, no NUL).
_TEXT = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*")


@dataclass(frozen=True)
class Upload:
    """A file as it was sent: the name the sender's computer gave it and its bytes."""

    name: str
    data: bytes


def max_bytes() -> int:
    return current_app.config["COHORT_UPLOAD_MAX_MB"] * 1024 * 1024


def request_cap() -> int:
    """The most a form with attachments may carry: every file at its largest."""
    return MAX_FILES * max_bytes()


def detect_type(data: bytes, name: str) -> str | None:
    """The file's type from its bytes, or None for a kind Cohort does not take. Plain text has no
    signature: text that decodes as UTF-8 is text, a ``.csv`` name makes it CSV and an ``.svg`` one
    with an ``<svg`` element an SVG image; the name never makes a file something its bytes are not."""
    found = filetype.guess_mime(data)
    if found is not None:
        return found if found in EXTENSIONS and found != "text/plain" else None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.strip() or not _TEXT.fullmatch(text):
        return None
    extension = name.lower().rpartition(".")[2]
    if extension == "svg" and "<svg" in text[:2000].lower():
        return "image/svg+xml"  # kept as a download, never shown: an SVG can hold a script
    if f".{extension}" in CHOOSER_EXTENSIONS and extension not in ("txt", "csv", "svg"):
        return None  # text that says it is a PDF, a picture or a Word file is not what it says
    return "text/csv" if extension == "csv" else "text/plain"


def _plain_name(name: str) -> str:
    """The name without folders, control or quote characters, or runs of spaces."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:*?|')
    return re.sub(r"\s+", " ", name).strip(" .")


def clean_name(name: str, content_type: str) -> str:
    """A file name fit to show and to put in a header, at most ``MAX_NAME`` characters, ending in the
    extension of the type the file really has ("protocol.exe" that is a PDF becomes "protocol.exe.pdf")."""
    name = _plain_name(name) or "file"
    extension = EXTENSIONS[content_type]
    fitting = {extension, "jpeg"} if extension == "jpg" else {extension}
    stem, dot, given = name.rpartition(".")
    if not (dot and stem and given.lower() in fitting):
        stem, given = name, extension
    stem = stem[: MAX_NAME - len(given) - 1].rstrip(" .") or "file"
    return f"{stem}.{given}"


# The format Pillow saves each image kind in, anew; the kinds that may move (a JPEG's second picture,
# as phones store, is dropped).
_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
_MAY_MOVE = {"image/png", "image/gif", "image/webp"}
# What an image needs to look as it did; everything else it carries (EXIF, XMP, comments) is left behind.
_LOOKS = ("transparency", "loop", "background", "icc_profile")


def _without_metadata(data: bytes, content_type: str, shown: str) -> bytes:
    """The image saved anew with its pixels alone: a camera's EXIF, its location, an author's name
    in a comment or XMP would otherwise tell who took it, even on a Chatham House post."""
    try:
        with warnings.catch_warnings():
            # Pillow warns of a huge picture as it opens it; the limit below refuses it instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            count = getattr(image, "n_frames", 1) if content_type in _MAY_MOVE else 1
            if image.width * image.height * count > photos.MAX_PIXELS:
                raise Refused(f"“{shown}” has too many pixels. Attach one under 40 megapixels in all.")
            options = {key: image.info[key] for key in _LOOKS if key in image.info}
            if count > 1:
                frames, durations = [], []
                for frame in ImageSequence.Iterator(image):
                    durations.append(frame.info.get("duration", 100))
                    frames.append(frame.copy())
                options.update(save_all=True, append_images=frames[1:], duration=durations)
            else:
                image.load()
                frames = [ImageOps.exif_transpose(image)]
            for frame in frames:
                frame.info = {}
            if content_type in ("image/jpeg", "image/webp"):
                options["quality"] = 90
            out = io.BytesIO()
            frames[0].save(out, _PILLOW_FORMATS[content_type], **options)
    except Refused:
        raise
    except Exception as error:  # noqa: BLE001 (a file Pillow cannot read or write, however it fails, is refused)
        raise Refused(f"“{shown}” could not be read as an image. Try saving it again.") from error
    return out.getvalue()


@dataclass(frozen=True)
class Checked:
    """A file that will do: its type, clean name and bytes."""

    name: str
    content_type: str
    data: bytes


def check(uploads: list[Upload]) -> list[Checked]:
    """The files, each checked, or ``Refused`` with a reason naming the file that will not do."""
    if len(uploads) > MAX_FILES:
        raise Refused(f"Attach at most {MAX_FILES} files at a time.")
    checked = []
    for upload in uploads:
        shown = _plain_name(upload.name)[:MAX_NAME] or "file"
        if len(upload.data) > max_bytes():
            limit = current_app.config["COHORT_UPLOAD_MAX_MB"]
            raise Refused(f"“{shown}” is larger than {limit} MB. Attach a smaller file or share a link to it.")
        if not upload.data:
            raise Refused(f"“{shown}” is empty.")
        content_type = detect_type(upload.data, upload.name)
        if content_type is None:
            raise Refused(f"“{shown}” is not a kind of file Cohort takes. Attach {ACCEPTED_WORDS}.")
        data = _without_metadata(upload.data, content_type, shown) if content_type in _PILLOW_FORMATS else upload.data
        checked.append(Checked(clean_name(upload.name, content_type), content_type, data))
    return checked


@dataclass(frozen=True)
class Stored:
    """A checked file put in the storage, under the random token its row will carry."""

    file: Checked
    token: str

    @property
    def key(self) -> str:
        return attachment_key(self.token, self.file.content_type)


def store(checked: list[Checked]) -> list[Stored]:
    """Put checked files in the storage under new random keys, before the operation writes anything:
    a long upload then holds no database lock. The session's transaction removes them again if it
    does not commit."""
    stored = [Stored(file, secrets.token_hex(16)) for file in checked]
    storage.discard_unless_committed([item.key for item in stored])
    for item in stored:
        storage.storage().put(item.key, item.file.data, item.file.content_type)
    return stored


def add_rows(
    stored: list[Stored],
    uploader_id: int,
    *,
    post_id: int | None = None,
    reply_id: int | None = None,
    meeting_id: int | None = None,
) -> None:
    """The rows naming stored files, on a post (and reply) or a session."""
    db.session.add_all(
        Attachment(
            post_id=post_id,
            reply_id=reply_id,
            meeting_id=meeting_id,
            uploader_id=uploader_id,
            token=item.token,
            name=item.file.name,
            content_type=item.file.content_type,
            size=len(item.file.data),
        )
        for item in stored
    )


def remove(attachment: Attachment) -> None:
    """The file's row now, its bytes once this commits; one already removed (two clicks at once) is
    no error."""
    storage.discard_when_committed([attachment.storage_key])
    db.session.execute(delete(Attachment).where(Attachment.id == attachment.id))


def uploads_from(files: Iterable) -> list[Upload]:
    """The files a form sent (werkzeug's ``FileStorage``), each read to one byte past the largest
    allowed: enough to refuse it. A field sent as text, or left empty, is not a file."""
    chosen = [item for item in files if isinstance(item, FileStorage) and item.filename]
    return [Upload(item.filename, item.read(max_bytes() + 1)) for item in chosen]


def label(attachment: Attachment) -> str:
    return LABELS.get(attachment.content_type, "File")


def size_words(size: int) -> str:
    """A size as people read it: "640 bytes", "12 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def file_response(attachment: Attachment) -> Response:
    """The file, for a view that has checked the viewer may see it; 404 if its bytes are gone."""
    data = storage.storage().read(attachment.storage_key)
    if data is None:
        abort(404)
    inline = attachment.content_type in SHOWN_INLINE
    response = send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,  # Flask names UTF-8 for text itself
        as_attachment=not inline,
        download_name=attachment.name,
        max_age=0,
    )
    # Access can end (a post hidden, a member gone), and a board paper is not left on a shared
    # computer's disk: the browser keeps no copy and asks again each time.
    response.headers["Cache-Control"] = "private, no-store"
    if attachment.content_type != "application/pdf":
        # A file is never a page of this site: nothing in it runs, whatever it holds. (A PDF keeps the
        # site's own policy: browsers refuse to open one in a sandbox.)
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response

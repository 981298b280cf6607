"""Files attached to posts and replies: their type decided from their content, never from the name or
the browser's word; stored under random keys; served only to a viewer the caller has checked."""

import io
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import filetype
from flask import Response, abort, current_app, send_file
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..models import Attachment
from ..models.attachment import EXTENSIONS, attachment_key
from ..policy import Refused
from . import storage

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
ACCEPTED_WORDS = "a PDF, an image (JPEG, PNG, GIF or WebP), a Word, Excel or PowerPoint file, plain text or CSV"
CHOOSER_EXTENSIONS = (
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".txt",
    ".csv",
)
# Opened in the browser; everything else is a download.
SHOWN_INLINE = frozenset({"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp"})
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
    if f".{extension}" in CHOOSER_EXTENSIONS and extension not in ("txt", "csv"):
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
        checked.append(Checked(clean_name(upload.name, content_type), content_type, upload.data))
    return checked


def attach(
    checked: list[Checked],
    uploader_id: int,
    *,
    post_id: int | None = None,
    reply_id: int | None = None,
    meeting_id: int | None = None,
) -> None:
    """Store checked files under new random keys and add their rows to the session's transaction,
    which removes the stored files again if it does not commit."""
    for file in checked:
        token = secrets.token_hex(16)
        key = attachment_key(token, file.content_type)
        storage.discard_unless_committed([key])
        storage.storage().put(key, file.data, file.content_type)
        db.session.add(
            Attachment(
                post_id=post_id,
                reply_id=reply_id,
                meeting_id=meeting_id,
                uploader_id=uploader_id,
                token=token,
                name=file.name,
                content_type=file.content_type,
                size=len(file.data),
            )
        )


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
        mimetype=attachment.content_type + ("; charset=utf-8" if attachment.content_type.startswith("text/") else ""),
        as_attachment=not inline,
        download_name=attachment.name,
        max_age=0,
    )
    # Access can end (a post hidden, a member gone): the browser asks again each time.
    response.headers["Cache-Control"] = "private, no-cache"
    if attachment.content_type != "application/pdf":
        # A file is never a page of this site: nothing in it runs, whatever it holds. (A PDF keeps the
        # site's own policy: browsers refuse to open one in a sandbox.)
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response

"""Files attached to a post, to one of its replies, or to a session's notes."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

# Shown inline in the thread; every other kind (SVG included) is a download.
INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class Attachment(db.Model):
    """A stored file: reached only through what carries it (a post and reply, or a session), so it
    has their protection."""

    # On a post (and perhaps one of its replies) or on a session's notes: one of the two.
    __table_args__ = (
        CheckConstraint(
            "(post_id IS NULL) <> (meeting_id IS NULL) AND (reply_id IS NULL OR post_id IS NOT NULL)",
            name="one_carrier",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    # None for a file on the post itself.
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("reply.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # Random: part of the storage key and of the file's address, never derived from what was sent.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def storage_key(self) -> str:
        return attachment_key(self.token, self.content_type)

    @property
    def is_inline_image(self) -> bool:
        return self.content_type in INLINE_IMAGES


# The extension a stored file gets from its detected type (storage keys need one).
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "text/plain": "txt",
    "text/csv": "csv",
    "image/svg+xml": "svg",
}


def attachment_key(token: str, content_type: str) -> str:
    """Where an attached file is stored."""
    return f"files/{token}.{EXTENSIONS[content_type]}"

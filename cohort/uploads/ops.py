"""Keeping the storage tidy: files of posts and replies deleted long enough ago, and files no row
names (left by a request that failed between storing a file and committing), are removed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from ..extensions import db
from ..models import Attachment, Post, Reply, User, utcnow
from ..models.attachment import attachment_key
from . import photos, storage

# Where Cohort's own files are: nothing outside them is swept, whatever shares the folder or bucket.
STORED_FOLDERS = ("files/", "photos/")
# A file younger than this may belong to a request still under way: its row is not committed yet.
UNNAMED_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Purged:
    expired: int
    unnamed: int


def purge_uploads(keep_days: int, now: datetime | None = None) -> Purged:
    """Remove the files of posts and replies deleted more than ``keep_days`` ago, then every stored
    file no row names that is older than ``UNNAMED_GRACE``. Safe while the site runs: rows go in
    one transaction before their files, and a file just stored is left alone."""
    now = now or utcnow()
    before = now - timedelta(days=keep_days)
    expired = db.session.execute(
        select(Attachment.id, Attachment.token, Attachment.content_type)
        .join(Post, Post.id == Attachment.post_id)
        .outerjoin(Reply, Reply.id == Attachment.reply_id)
        .where(or_(Post.deleted_at < before, Reply.deleted_at < before))
    ).all()
    if expired:
        db.session.execute(delete(Attachment).where(Attachment.id.in_([row.id for row in expired])))
        storage.discard_when_committed(attachment_key(row.token, row.content_type) for row in expired)
    db.session.commit()

    named = {
        attachment_key(token, content_type)
        for token, content_type in db.session.execute(select(Attachment.token, Attachment.content_type))
    }
    for token in db.session.execute(select(User.photo_token).where(User.photo_token.is_not(None))).scalars():
        named.update(photos.photo_key(token, size) for size in photos.SIZES)
    db.session.rollback()  # nothing written: end the read before the listing, which may take long
    unnamed = 0
    for prefix in STORED_FOLDERS:
        for key, written in list(storage.storage().stored(prefix)):
            if key not in named and written < now - UNNAMED_GRACE:
                storage.storage().delete(key)
                unnamed += 1
    return Purged(expired=len(expired), unnamed=unnamed)

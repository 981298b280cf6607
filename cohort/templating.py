"""Template filters and globals shared by every page."""

from datetime import datetime

from flask import Flask, url_for
from flask_login import current_user

from . import drafts, policy
from .access import profile_url
from .mail import external_url
from .models import Attachment
from .timezones import city, local_time
from .uploads import attachments


def viewer_timezone() -> str:
    """The time zone the current viewer reads times in."""
    if current_user.is_authenticated:
        return current_user.timezone
    return "UTC"


def format_local(moment: datetime | None, zone: str | None = None, pattern: str = "%a %-d %b %Y, %H:%M") -> str:
    """A UTC moment as a viewer reads it: in ``zone``, or the viewer's own zone."""
    if moment is None:
        return ""
    return local_time(moment, zone or viewer_timezone()).strftime(pattern)


def format_date(moment: datetime | None, zone: str | None = None) -> str:
    return format_local(moment, zone, "%-d %B %Y")


def machine_time(moment: datetime) -> str:
    """A moment for a ``<time datetime>`` attribute: whole seconds (HTML allows no more than
    milliseconds) and its UTC offset."""
    return moment.isoformat(timespec="seconds")


def initials(name: str) -> str:
    """Up to two initials of a name, for a badge standing in for a photo: "Sarah O'Neill" → "SO"."""
    letters = [word[0] for word in name.split() if word[0].isalnum()]
    return "".join(letters[:1] + letters[1:][-1:]).upper()


def photo_url(user, size: str) -> str | None:
    """Where this viewer's browser fetches ``user``'s photo at ``size`` (cohort/uploads/photos.py), or
    None to show initials: on a cohort's pages for a member whose profile the viewer may open, and
    elsewhere for the viewer's own photo alone."""
    if not user.photo_token:
        return None
    if profile_url(user.id) is not None:
        return url_for("cohort.cohorts.member_photo", user_id=user.id, token=user.photo_token, size=size)
    if current_user.is_authenticated and user.id == current_user.id:
        return url_for("auth.own_photo", token=user.photo_token, size=size)
    return None


def attachment_url(attachment: Attachment) -> str:
    """Where a file is served, through what carries it: a session's notes, or a post."""
    if attachment.meeting_id is not None:
        return url_for("cohort.meetings.attachment", meeting_id=attachment.meeting_id, token=attachment.token)
    return url_for("cohort.posts.attachment", post_id=attachment.post_id, token=attachment.token)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["localdate"] = format_date
    app.jinja_env.filters["machine_time"] = machine_time
    app.jinja_env.filters["city"] = city
    app.jinja_env.globals["viewer_timezone"] = viewer_timezone
    app.jinja_env.globals["draft_mark"] = drafts.owner_mark
    # Templates show an action only where the policy allows it: the same rule as the operation.
    app.jinja_env.globals["policy"] = policy
    app.jinja_env.globals["profile_url"] = profile_url
    app.jinja_env.globals["initials"] = initials
    app.jinja_env.globals["photo_url"] = photo_url
    # Links people copy elsewhere (the calendar feed) carry the site's own address, not the request's.
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["attachment_url"] = attachment_url
    app.jinja_env.filters["file_kind"] = attachments.label
    app.jinja_env.filters["file_size"] = attachments.size_words
    app.jinja_env.globals["attachment_max_files"] = attachments.MAX_FILES
    app.jinja_env.globals["attachment_max_mb"] = app.config["COHORT_UPLOAD_MAX_MB"]
    # A hint only: what is taken is decided from each file's content.
    app.jinja_env.globals["attachment_accept"] = ",".join(attachments.CHOOSER_EXTENSIONS)

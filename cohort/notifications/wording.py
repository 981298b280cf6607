"""The words of a notification, on the page and in mail: one place, so both say the same thing.

``name`` is the actor as this reader may know them: on the page through ``policy.shown_name``,
in mail through ``policy.name_in_mail`` (which never names a Chatham House author)."""

from ..models import Meeting, NotificationKind, Post
from ..timezones import local_time


def _post_words(post: Post) -> str:
    return post.kind.label.lower()


def headline(
    kind: NotificationKind,
    *,
    name: str,
    post: Post | None = None,
    meeting: Meeting | None = None,
    detail: str = "",
    count: int = 1,
    cohort_name: str = "",
    zone: str = "UTC",
) -> str:
    """One line saying what happened; ``count`` notifications of the same kind about the same place
    read as one ("3 replies to your challenge …")."""
    title = f"“{post.title}”" if post is not None else ""
    several = count > 1
    match kind:
        case NotificationKind.REPLY_TO_POST:
            if several:
                return f"{count} replies to your {_post_words(post)} {title}"
            return f"{name} replied to your {_post_words(post)} {title}"
        case NotificationKind.REPLY_TO_REPLY:
            if several:
                return f"{count} answers to your replies on {title}"
            return f"{name} answered your reply on {title}"
        case NotificationKind.MENTION:
            if meeting is not None:
                part = "the agenda" if detail == "agenda" else "the notes"
                return f"{name} mentioned you in {part} of {_session(meeting, zone)}"
            if post is None:
                return f"{name} mentioned you in the charter of {cohort_name}"
            return f"{name} mentioned you in {title}"
        case NotificationKind.SESSION_NEWS:
            if several:
                return f"News of {_session(meeting, zone)}, which you follow"
            if detail == "agenda":
                return f"New on the agenda of {_session(meeting, zone)}"
            return f"{name} recorded the notes of {_session(meeting, zone)}"
        case NotificationKind.THREAD_NEWS:
            if several:
                return f"{count} new replies in {title}"
            return f"{name} replied in {title}, which you follow"
        case NotificationKind.HELPFUL:
            if several:
                return f"{count} of your replies on {title} were marked helpful"
            return f"{name} marked your advice on {title} helpful"
        case NotificationKind.THANKS:
            if several:
                return f"{count} thanks for your words on {title}"
            value = f" for {detail}" if detail else ""
            return f"{name} thanked you{value} on {title}"
        case NotificationKind.NEW_POST:
            if several:
                return f"{count} new posts, the latest {title}"
            return f"New {_post_words(post)} from {name}: {title}"
        case NotificationKind.ANNOUNCEMENT:
            return f"Announcement from {name}: {title}"
        case NotificationKind.NEW_FLAG:
            if several:
                return f"{count} flags on {title} wait for review"
            return f"Something in {title} was flagged for review"
        case NotificationKind.MEMBER_JOINED:
            if several:
                return f"{count} members joined {cohort_name}"
            return f"{name} joined {cohort_name}"
        case NotificationKind.AGENDA_PROPOSAL:
            return f"{name} proposed “{detail}” for {_session(meeting, zone)}"
        case NotificationKind.SESSION_CHANGE:
            return _session_change(meeting, detail, zone)
        case NotificationKind.SESSION_REMINDER:
            return f"Coming up: {_session(meeting, zone)}"  # within a day; the time says when
        case NotificationKind.OUTCOME_NUDGE:
            return f"What happened next with {title}?"
    raise ValueError(f"no words for {kind}")


def _session(meeting: Meeting, zone: str) -> str:
    when = local_time(meeting.starts_at, zone)
    return f"{meeting.title}, {when:%a %-d %b %H:%M}"


def _session_change(meeting: Meeting, detail: str, zone: str) -> str:
    change, _, count = detail.partition(":")
    series = f" and the {int(count) - 1} after it" if count else ""
    return {
        "scheduled": f"Scheduled: {_session(meeting, zone)}{' and ' + str(int(count) - 1) + ' more' if count else ''}",
        "moved": f"Moved: {_session(meeting, zone)}{series}",
        "cancelled": f"Cancelled: {_session(meeting, zone)}{series}",
    }[change]

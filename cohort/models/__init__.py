"""Typed models, one module per aggregate."""

from .attachment import Attachment
from .audit import FORMER_MEMBER, AuditEntry
from .cohort import Cohort, Membership, Role
from .invitation import Invitation
from .meeting import (
    AgendaItem,
    AgendaStatus,
    Attendance,
    Feedback,
    FeedbackGiven,
    Meeting,
    MeetingNote,
    MeetingSeries,
    Rsvp,
    RsvpResponse,
)
from .notification import (
    Delivery,
    MeetingFollow,
    Notification,
    NotificationKind,
    NotificationPreference,
    ThreadFollow,
)
from .outbox import MessageStatus, OutboxMessage
from .post import Adoption, ChallengeStatus, MeasuredResult, Post, PostKind, PostRead, PostTag, Reply, Tag, Visibility
from .recognition import CohortValue, Flag, Thanks
from .sign_in import SignIn
from .sign_in_attempt import SignInAttempt
from .two_factor import RecoveryCode, TwoFactor
from .types import UTCDateTime, utcnow
from .user import FormerHandle, User, normalise_email
from .worker import WorkerHeartbeat

__all__ = [
    "Attachment",
    "AuditEntry",
    "FORMER_MEMBER",
    "AgendaItem",
    "AgendaStatus",
    "Attendance",
    "Feedback",
    "FeedbackGiven",
    "Meeting",
    "MeetingFollow",
    "MeetingNote",
    "MeetingSeries",
    "Rsvp",
    "RsvpResponse",
    "Adoption",
    "ChallengeStatus",
    "Cohort",
    "Delivery",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "ThreadFollow",
    "CohortValue",
    "Flag",
    "FormerHandle",
    "Invitation",
    "MeasuredResult",
    "MessageStatus",
    "OutboxMessage",
    "Membership",
    "Post",
    "PostKind",
    "PostRead",
    "PostTag",
    "RecoveryCode",
    "Reply",
    "Role",
    "SignIn",
    "SignInAttempt",
    "Tag",
    "Thanks",
    "TwoFactor",
    "UTCDateTime",
    "User",
    "Visibility",
    "WorkerHeartbeat",
    "normalise_email",
    "utcnow",
]

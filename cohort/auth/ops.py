"""Every write on accounts: signing in and out, passwords, the address, the account page, and joining
through an invitation.

Each takes the acting user, leaves the commit to its caller, and raises ``Refused`` with a message fit to
show; mail queued here leaves only once that commit succeeds."""

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, not_, or_, select, update

from .. import audit, handles, mail, policy
from ..cohorts import ops as cohort_ops
from ..extensions import db
from ..models import (
    Adoption,
    AgendaItem,
    AgendaStatus,
    Attachment,
    Attendance,
    FeedbackGiven,
    Flag,
    FormerHandle,
    Invitation,
    Meeting,
    MeetingFollow,
    MeetingNote,
    MessageStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    Post,
    PostRead,
    RecoveryCode,
    Reply,
    Rsvp,
    SignIn,
    SignInAttempt,
    Thanks,
    ThreadFollow,
    TwoFactor,
    User,
    normalise_email,
    utcnow,
)
from ..models.sign_in import token_hash
from ..models.user import new_token
from ..policy import Refused
from ..posts import ops as post_ops
from ..posts.search import index_post
from ..uploads import photos, storage
from . import letters, passwords, queries

_NO_SYNC = {"synchronize_session": False}

ACCOUNT_EXISTS = "An account already uses this address. Sign in first, then open this link again."
WRONG_PASSWORD = "That is not your current password."  # noqa: S105 (a message, not a password)
HANDLE_TAKEN = "Someone else is already mentioned as @{}. Choose another handle."


class AccountExists(Refused):
    """The address belongs to an account already: its owner signs in and opens the link again."""


class WrongPassword(Refused):
    """The current password given to change it does not match: the form shows it beside that field."""


@dataclass
class NewPerson:
    email: str
    name: str
    organisation: str
    job_title: str
    timezone: str
    password: str


def send_confirmation(user: User) -> None:
    """Mail the link that proves the address (after signing up through a shareable link)."""
    mail.queue(letters.CONFIRM_ADDRESS, user=user)


def send_password_reset(email: str) -> None:
    """Mail a reset link if an account uses this address; say nothing either way."""
    user = cohort_ops.find_user(email)
    if user is None:
        return
    mail.queue(letters.PASSWORD_RESET, user=user)


def reset_password(user: User, password: str) -> None:
    """Set a new password through a reset link; the link reached the address, so it is proven too.

    The new password signs the account out everywhere (whoever knew the old one may be signed in) and
    retires the link (it is tied to the old hash). A suspended account is refused."""
    if user.suspended_at is not None:
        raise Refused(SUSPENDED)
    user.set_password(password)
    user.confirm_email()
    _end_sign_ins(SignIn.user_id == user.id)


def confirm_email(user: User) -> None:
    """Record that the person opened the link mailed to their address."""
    user.confirm_email()


@dataclass
class Profile:
    """What the account page keeps: what members of the person's cohorts see in the directory."""

    name: str
    organisation: str
    job_title: str
    bio: str
    timezone: str
    country: str = ""


def update_profile(user: User, profile: Profile) -> None:
    """Save the person's own details; a name is needed, as every cohort shows it."""
    name = profile.name.strip()
    if not name:
        raise Refused("Enter your name.")
    user.name = name
    user.organisation = profile.organisation.strip()
    user.job_title = profile.job_title.strip()
    user.bio = profile.bio.strip()
    user.timezone = profile.timezone
    user.country = profile.country


def set_photo(user: User, data: bytes) -> None:
    """Make ``data`` (an uploaded file) the person's photo, replacing any before it; refused with a
    reason when it is not a JPEG or PNG photo Cohort can use.

    The new sizes are stored under a new name, so a page cached with the old photo never shows half of
    each; the old files go once the change is committed, the new ones if it is not."""
    prepared = photos.prepare(data)
    token = secrets.token_hex(16)
    keys = [photos.photo_key(token, size) for size in prepared.sizes]
    storage.discard_unless_committed(keys)
    for key, jpeg in zip(keys, prepared.sizes.values(), strict=True):
        storage.storage().put(key, jpeg, "image/jpeg")
    remove_photo(user)
    user.photo_token = token


def remove_photo(user: User) -> None:
    """Go back to initials; the stored files are removed once this is committed."""
    if user.photo_token:
        storage.discard_when_committed(photos.photo_key(user.photo_token, size) for size in photos.SIZES)
    user.photo_token = None


def change_handle(user: User, wanted: str) -> str:
    """Change the handle peers mention the person by; case is folded and a leading ``@`` dropped.

    Returns the handle saved. Raises ``Refused`` for a handle of the wrong form, or one someone else
    has or had (even if they took it a moment ago). The old handle stays the person's, so text that
    mentions it keeps meaning them; they may take it back later."""
    handle = handles.normalise_handle(wanted)
    if not handles.is_valid_handle(handle):
        raise Refused(handles.HANDLE_RULE)
    if handle == user.handle:
        return handle
    released = user.handle
    if handles.is_taken(handle, user.id) or not handles.claim(user, handle):
        raise Refused(HANDLE_TAKEN.format(handle))
    handles.keep_as_former(user, released)
    return handle


def replace_calendar_link(user: User) -> None:
    """A new secret for the private calendar feed: the old link stops working once this commits."""
    user.calendar_token = new_token()


def change_password(user: User, current_password: str, new_password: str, keep: str) -> None:
    """Change the password of a signed-in person who knows the current one; every device but the one
    signed in with the token ``keep`` is signed out.

    Raises ``WrongPassword`` if ``current_password`` is not theirs."""
    if not passwords.matches(user, current_password):
        raise WrongPassword(WRONG_PASSWORD)
    user.set_password(new_password)
    end_other_sign_ins(user, keep)


# --- sign-ins ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    """The browser someone signs in from, as the account page lists it."""

    summary: str
    address: str | None


def start_sign_in(user: User, device: Device, replacing: str | None = None) -> str:
    """Record a new sign-in of ``user`` from ``device`` and return the token its cookies will carry.

    The sign-in the browser held before (the token ``replacing``) ends, and the account's ended and
    lapsed sign-ins are forgotten, so each account keeps only as many records as it has browsers.
    A suspended account is refused."""
    if user.suspended_at is not None:
        raise Refused(SUSPENDED)
    now = utcnow()
    if replacing:
        end_sign_in(replacing)
    db.session.execute(
        delete(SignIn).where(SignIn.user_id == user.id, not_(and_(*queries.live(now)))),
        execution_options={"synchronize_session": False},
    )
    token = new_token()
    db.session.add(
        SignIn(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            device=device.summary[:200],
            address=device.address,
        )
    )
    return token


def end_sign_in(token: str) -> None:
    """Sign out the browser holding ``token``: its session and remember-me cookies sign no one in again."""
    _end_sign_ins(SignIn.token_hash == token_hash(token))


def end_device(user: User, sign_in_id: int) -> None:
    """Sign out one of the account's browsers, chosen on the account page.

    Raises a not-found ``Refused`` for a sign-in of another account or one long forgotten."""
    sign_in = db.session.get(SignIn, sign_in_id)
    if sign_in is None or sign_in.user_id != user.id:
        raise Refused("That device is not signed in to your account.", not_found=True)
    if sign_in.ended_at is None:  # sent twice, it stays ended from the first time
        sign_in.ended_at = utcnow()


def end_other_sign_ins(user: User, keep: str) -> None:
    """Sign out every browser of the account except the one holding the token ``keep``."""
    _end_sign_ins(SignIn.user_id == user.id, SignIn.token_hash != token_hash(keep))


def note_activity(sign_in_id: int, now: datetime) -> None:
    """Move a sign-in's last use on, in a transaction of its own (on its own connection): it is
    bookkeeping, written after the page's own work and never part of it."""
    with db.engine.begin() as connection:
        connection.execute(update(SignIn).where(SignIn.id == sign_in_id).values(last_seen_at=now))


def reserve_attempt(account: str, address: str, now: datetime, forget_before: datetime) -> int:
    """Count an attempt to give ``account``'s password from ``address`` before the password is checked,
    and return its id: counted first, attempts made at the same moment on other servers see each other,
    so no burst slips past a limit. Attempts from before ``forget_before`` are forgotten (an index range)."""
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.at < forget_before))
    attempt = SignInAttempt(account=account, address=address, at=now)
    db.session.add(attempt)
    db.session.flush()
    return attempt.id


def withdraw_attempt(attempt_id: int) -> None:
    """Uncount an attempt refused for a limit: waiting it out is not made longer by trying."""
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.id == attempt_id))


def attempt_succeeded(attempt_id: int, account: str, address: str) -> None:
    """The right password: the attempt and the earlier failures for this account from this address are
    forgotten (the failures from elsewhere still count for the account)."""
    db.session.execute(
        delete(SignInAttempt).where(
            or_(
                SignInAttempt.id == attempt_id,
                and_(SignInAttempt.account == account, SignInAttempt.address == address),
            )
        )
    )


def _end_sign_ins(*which) -> int:
    """End the sign-ins ``which`` selects that are not ended yet; how many."""
    return db.session.execute(
        update(SignIn).where(*which, SignIn.ended_at.is_(None)).values(ended_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount


def join_as_new_person(invitation: Invitation, person: NewPerson) -> User:
    """Create the account of someone who opened an invitation, and make them a member through it.

    An emailed invitation proves its address, so the account takes that address and is confirmed;
    an unconfirmed account for that address is taken over, as whoever made it never showed they read
    it. Through a shareable link the address is unproven: the account must confirm it first."""
    email = normalise_email(invitation.email or person.email)
    existing = cohort_ops.find_user(email)
    if existing is not None and (existing.email_confirmed or not invitation.email):
        raise AccountExists(ACCOUNT_EXISTS)
    user = existing or User(email=email)
    if existing is not None:
        cohort_ops.forget_memberships(existing)
    user.name = person.name.strip()
    user.organisation = person.organisation.strip()
    user.job_title = person.job_title.strip()
    user.timezone = person.timezone
    user.set_password(person.password)
    if invitation.email:
        user.confirm_email()
    handles.save_with_handle(user)  # a taken-over account gets the handle of its real owner's name
    cohort_ops.redeem_invitation(invitation, user)
    if not user.email_confirmed:
        send_confirmation(user)
    return user


# --- suspending an account -------------------------------------------------------------------------

SUSPENDED = "This account is suspended. If you think that is a mistake, write to the site's administrators."
CANNOT_SUSPEND = "A site admin suspends other accounts, never their own."
CANNOT_END_SIGN_INS = "A site admin signs out other accounts; sign yourself out from your account page."
SUSPENDED_LAST_FACILITATOR = "{} is the last facilitator of {}: name another facilitator there first."


def suspend_account(admin: User, user: User) -> None:
    """Suspend ``user`` from the whole site at a site admin's request: they leave every cohort (refused
    while the last facilitator of one), every sign-in of theirs ends and none begins until reinstated.
    Out of every cohort, nothing only members receive reaches them: pages, mail, digests, calendars."""
    policy.require_permission(policy.can_suspend(admin, user), CANNOT_SUSPEND)
    if user.suspended_at is not None:
        return
    for membership in list(user.memberships):
        audit.record(admin, "member_suspended", membership, membership.cohort_id, "Suspended from the site", about=user)
        try:
            cohort_ops.remove_membership(membership, membership)
        except Refused as refusal:
            raise Refused(SUSPENDED_LAST_FACILITATOR.format(user.name, membership.cohort.name)) from refusal
    user.suspended_at = utcnow()
    _end_sign_ins(SignIn.user_id == user.id)
    audit.record(admin, "account_suspended", user, None, "Suspended an account", about=user)


def end_sign_ins_of(admin: User, user: User) -> None:
    """A site admin signs ``user`` out of every browser, remember-me included (a stolen laptop, a
    departure); they can sign in again."""
    policy.require_permission(policy.can_end_sign_ins(admin, user), CANNOT_END_SIGN_INS)
    _end_sign_ins(SignIn.user_id == user.id)
    audit.record(admin, "sign_ins_ended", user, None, "Signed an account out everywhere", about=user)


def end_everyones_sign_ins(admin: User, keep: str) -> int:
    """A site admin signs everyone out of every browser but their own one holding ``keep`` (a leaked
    secret, a suspected break-in); how many sign-ins ended."""
    policy.require_permission(policy.can_end_sign_ins(admin), CANNOT_END_SIGN_INS)
    ended = _end_sign_ins(SignIn.token_hash != token_hash(keep))
    audit.record(admin, "sign_ins_ended_everyone", None, None, f"Signed everyone out everywhere ({ended} sign-ins)")
    return ended


def reinstate_account(admin: User, user: User) -> None:
    """Let a suspended account sign in again; the cohorts it left invite it back as anyone else."""
    policy.require_permission(policy.can_suspend(admin, user), CANNOT_SUSPEND)
    if user.suspended_at is None:
        return
    user.suspended_at = None
    audit.record(admin, "account_reinstated", user, None, "Reinstated an account", about=user)


# --- deleting the account ----------------------------------------------------------------------

CONFIRM_WORD = "delete"
LAST_FACILITATOR = "You are the last facilitator of {}: name another facilitator there first, then delete your account."


def delete_account(user: User, password: str, *, keep_words: bool) -> None:
    """Delete ``user``'s account at their own request: nothing personal about them remains.

    They leave every cohort (refused while they are the last facilitator of one) and are signed out
    everywhere. With ``keep_words`` their posts and replies stay, with their files, shown as by
    ``policy.FORMER_MEMBER``; otherwise they are deleted as their author's own delete does, leaving
    others' replies in place, and the files they attached are removed.
    The row stays, emptied, as the author of whatever stays. Raises ``WrongPassword``."""
    if not user.check_password(password):
        raise WrongPassword(WRONG_PASSWORD)
    # Each step forgets one kind of record; what a later feature stores about a person joins this list.
    _leave_cohorts(user)
    if not keep_words:
        _remove_words(user)
    _forget_records(user)
    audit.forget_user(user.id)  # while the row still holds the address the log may name
    _empty_account(user)


def _leave_cohorts(user: User) -> None:
    for membership in list(user.memberships):
        try:
            cohort_ops.remove_membership(membership, membership)
        except Refused as refusal:
            raise Refused(LAST_FACILITATOR.format(membership.cohort.name)) from refusal


def _remove_words(user: User) -> None:
    """The account's posts and replies, deleted with their text cleared (others' replies stay), and
    what it said in sessions."""
    now = utcnow()
    touched = set()
    for post in db.session.execute(select(Post).where(Post.author_id == user.id)).scalars():
        post.deleted_at = post.deleted_at or now
        post.deleted_by_id = post.deleted_by_id or user.id
        post.form_key = None
        post.title = ""
        for column in ("body", "body_html", "commitment", "commitment_html", "outcome", "outcome_html"):
            setattr(post, column, "")
        post.results.clear()
        post.tags.clear()
        touched.add(post)
    uncounted = Counter()
    replies = select(Reply).where(Reply.author_id == user.id).with_for_update(key_share=True)
    for reply in db.session.execute(replies).scalars():
        uncounted[reply.post_id, post_ops.advice_column(reply, reply.post)] += 1
        reply.deleted_at = reply.deleted_at or now
        reply.body = reply.body_html = ""
        reply.helpful_at = None
        touched.add(reply.post)
    for (post_id, column), count in uncounted.items():
        post_ops.move_advice(post_id, {column: -count})
    db.session.execute(delete(Flag).where(Flag.reporter_id == user.id))
    _remove_files(user)
    _remove_session_words(user)
    db.session.flush()
    for post in touched:
        index_post(post)


def _remove_files(user: User) -> None:
    """The files the account attached: their rows now, their bytes once this commits."""
    files = db.session.execute(select(Attachment).where(Attachment.uploader_id == user.id)).scalars().all()
    storage.discard_when_committed(attachment.storage_key for attachment in files)
    db.session.execute(delete(Attachment).where(Attachment.uploader_id == user.id), execution_options=_NO_SYNC)


def _remove_session_words(user: User) -> None:
    """The agenda items the account proposed and the session notes it wrote.

    An item no held session discussed, with no notes on it, is deleted. One on a held session's agenda,
    or carrying notes (others' among them), keeps its place as ``policy.REMOVED_WORDS``, naming no one.
    Notes keep their versions, emptied; the facilitators' alerts of a proposal, which quote its title, go."""
    noted = select(MeetingNote.agenda_item_id).where(MeetingNote.agenda_item_id.is_not(None))
    started = select(Meeting.id).where(Meeting.starts_at <= utcnow())
    mine = AgendaItem.proposed_by_id == user.id
    discussed = and_(AgendaItem.status == AgendaStatus.ACCEPTED, AgendaItem.meeting_id.in_(started))
    _unquote_proposals(user, select(AgendaItem.meeting_id).where(mine))
    db.session.execute(
        delete(AgendaItem).where(mine, not_(discussed), AgendaItem.id.not_in(noted)), execution_options=_NO_SYNC
    )
    db.session.execute(update(AgendaItem).where(mine).values(title=policy.REMOVED_WORDS), execution_options=_NO_SYNC)
    db.session.execute(
        update(MeetingNote).where(MeetingNote.author_id == user.id).values(body="", body_html=""),
        execution_options=_NO_SYNC,
    )
    db.session.execute(
        delete(Notification).where(
            Notification.actor_id == user.id, Notification.kind == NotificationKind.AGENDA_PROPOSAL
        ),
        execution_options=_NO_SYNC,
    )


def _unquote_proposals(user: User, meeting_ids) -> None:
    """Mail telling facilitators of the account's proposals quotes their titles: the quote is dropped,
    and what has not left yet is withdrawn (the item it announces is gone or emptied)."""
    mailed = select(OutboxMessage).where(
        OutboxMessage.kind == NotificationKind.AGENDA_PROPOSAL.value, OutboxMessage.meeting_id.in_(meeting_ids)
    )
    for message in db.session.execute(mailed).scalars():
        if message.context.get("actor_id") == user.id:
            message.context = {**message.context, "detail": ""}
            if message.status == MessageStatus.QUEUED:
                message.status = MessageStatus.WITHDRAWN


def _forget_records(user: User) -> None:
    """What the site kept about the person: signed out everywhere, told of nothing, following nothing,
    no two-factor secret or recovery code."""
    mine = (
        SignIn,
        FormerHandle,
        Notification,
        NotificationPreference,
        ThreadFollow,
        MeetingFollow,
        Rsvp,
        Attendance,
        FeedbackGiven,
        Thanks,
        Adoption,
        PostRead,
        TwoFactor,
        RecoveryCode,
    )
    for model in mine:
        db.session.execute(delete(model).where(model.user_id == user.id), execution_options=_NO_SYNC)
    db.session.execute(
        update(Notification).where(Notification.actor_id == user.id).values(actor_id=None),
        execution_options=_NO_SYNC,
    )
    db.session.execute(
        delete(OutboxMessage).where(or_(OutboxMessage.user_id == user.id, OutboxMessage.to_address == user.email)),
        execution_options=_NO_SYNC,
    )
    db.session.execute(delete(Invitation).where(Invitation.email == user.email), execution_options=_NO_SYNC)
    # Failed sign-ins are kept by address, not by account row: the address is what names the person.
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.account == user.email), execution_options=_NO_SYNC)


def _empty_account(user: User) -> None:
    """The row itself: a unique address and handle no one can use, a password that matches nothing."""
    placeholder = f"former-{secrets.token_hex(8)}"
    user.name = policy.FORMER_MEMBER
    user.email = f"{placeholder}@invalid"
    user.handle = placeholder
    user.organisation = user.job_title = user.bio = user.country = ""
    remove_photo(user)
    user.timezone = "UTC"
    user.password_hash = "!"  # noqa: S105 (not a hash of anything: no password matches it)
    user.is_admin = False
    user.login_token = new_token()
    user.calendar_token = new_token()
    user.email_confirmed_at = None
    user.deleted_at = utcnow()

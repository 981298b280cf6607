"""Every write of moderation: raising a flag, hiding, restoring and dismissing. Each takes the acting
membership, asks the policy, and leaves the commit to its caller."""

from sqlalchemy import update

from .. import audit, policy
from ..extensions import db
from ..models import Flag, Membership, Post, Reply, utcnow
from ..notifications import events
from ..posts.ops import set_hidden

MAX_REASON = 2000


def _post_of(target: Post | Reply) -> Post:
    return target if isinstance(target, Post) else target.post


def _what(target: Post | Reply, post: Post) -> str:
    return "a reply" if isinstance(target, Reply) else f"a {post.kind.value}"


def raise_flag(actor: Membership, target: Post | Reply, reason: str) -> Flag:
    """Ask the facilitators to look at someone else's words; only they see who asked."""
    post = _post_of(target)
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require(policy.can_flag(actor, target, post), "This cannot be flagged now.")
    reason = reason.strip()
    policy.require(bool(reason), "Say briefly what concerns you, so the facilitators can act on it.")
    flag = Flag(
        cohort_id=post.cohort_id,
        post_id=post.id if isinstance(target, Post) else None,
        reply_id=target.id if isinstance(target, Reply) else None,
        reporter_id=actor.user_id,
        reason=reason[:MAX_REASON],
    )
    db.session.add(flag)
    db.session.flush()
    events.flag_raised(flag, post)
    return flag


def _resolve_flags(actor: Membership, target: Post | Reply, resolution: str) -> None:
    column = Flag.reply_id if isinstance(target, Reply) else Flag.post_id
    db.session.execute(
        update(Flag)
        .where(Flag.cohort_id == actor.cohort_id, column == target.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.user_id, resolution=resolution)
    )


def hide(actor: Membership, target: Post | Reply) -> None:
    """A facilitator hides a post or reply from members; the flags on it are resolved."""
    post = _post_of(target)
    policy.require_visible(policy.can_see_post(actor, post))
    if target.author_id == actor.user_id:
        # Hiding says "a facilitator stepped in"; for one's own words, editing or deleting is honest.
        raise policy.Refused("You can edit or delete what you wrote; another facilitator can hide it.")
    policy.require(target.hidden_at is None, "This is already hidden.")
    policy.require_permission(policy.can_hide(actor, target, post), "Only a facilitator can hide this.")
    set_hidden(target, actor.user_id)
    _resolve_flags(actor, target, "hidden")
    audit.record(actor, "hidden", target, actor.cohort_id, f"Hid {_what(target, post)}")


def restore(actor: Membership, target: Post | Reply) -> None:
    post = _post_of(target)
    policy.require_visible(policy.can_open_post(actor, post))
    policy.require_permission(policy.can_restore(actor, target, post), "Only a facilitator can restore this.")
    set_hidden(target, None)
    audit.record(actor, "restored", target, actor.cohort_id, f"Restored {_what(target, post)}")


def dismiss(actor: Membership, flag: Flag) -> None:
    """Close a flag and leave the content as it is."""
    policy.require_visible(policy.can_review_flags(actor) and flag.cohort_id == actor.cohort_id)
    policy.require(flag.resolved_at is None, "This flag has already been dealt with.")
    flag.resolved_at = utcnow()
    flag.resolved_by_id = actor.user_id
    flag.resolution = "dismissed"
    audit.record(actor, "flag_dismissed", flag, actor.cohort_id, "Dismissed a flag; the content stays")

"""Any member flags a post or reply; facilitators review flags, hide, restore and dismiss."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..access import get_in_cohort_or_404, get_post_or_404, get_reply_or_404, require_role
from ..extensions import db
from ..models import Flag, Post, Reply, Role, utcnow
from ..posts import ops

bp = Blueprint("moderation", __name__)

MAX_REASON = 2000


def _raise_flag(post: Post, reply: Reply | None):
    reason = (request.form.get("reason") or "").strip()
    anchor = f"reply-{reply.id}" if reply else None
    if not reason:
        flash("Say briefly what concerns you, so the facilitators can act on it.", "error")
    else:
        db.session.add(
            Flag(
                cohort_id=g.cohort.id,
                post_id=None if reply else post.id,
                reply_id=reply.id if reply else None,
                reporter_id=current_user.id,
                reason=reason[:MAX_REASON],
            )
        )
        db.session.commit()
        flash("Thank you. The facilitators will look at this; only they see that you raised it.", "success")
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=anchor))


@bp.post("/posts/<int:post_id>/flag")
def flag_post(post_id: int):
    return _raise_flag(get_post_or_404(post_id), None)


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/flag")
def flag_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    return _raise_flag(post, get_reply_or_404(post, reply_id))


@bp.get("/flags")
@require_role(Role.FACILITATOR)
def flags():
    """Open flags, oldest first, with what was flagged."""
    open_flags = db.session.execute(
        select(Flag)
        .where(Flag.cohort_id == g.cohort.id, Flag.resolved_at.is_(None))
        .options(
            selectinload(Flag.post),
            selectinload(Flag.reply).joinedload(Reply.post),
            selectinload(Flag.reporter),
        )
        .order_by(Flag.created_at)
    ).scalars()
    # Deleted content needs no review, and its flags must not show it again.
    live = [flag for flag in open_flags if (flag.reply.post if flag.reply else flag.post).deleted_at is None]
    live = [flag for flag in live if flag.reply is None or flag.reply.deleted_at is None]
    return render_template("moderation/flags.html", flags=live)


def _resolve_flags(target_column, target_id: int, resolution: str) -> None:
    db.session.execute(
        update(Flag)
        .where(Flag.cohort_id == g.cohort.id, target_column == target_id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=current_user.id, resolution=resolution)
    )


@bp.post("/flags/<int:flag_id>/dismiss")
@require_role(Role.FACILITATOR)
def dismiss(flag_id: int):
    flag = get_in_cohort_or_404(Flag, flag_id)
    flag.resolved_at = utcnow()
    flag.resolved_by_id = current_user.id
    flag.resolution = "dismissed"
    db.session.commit()
    flash("Flag dismissed; the content stays as it is.", "success")
    return redirect(url_for(".flags"))


def _set_hidden(post: Post, reply: Reply | None, hidden: bool):
    target = reply or post
    try:
        if hidden:
            ops.hide(target, current_user)
            _resolve_flags(Flag.reply_id if reply else Flag.post_id, target.id, "hidden")
            message = "Hidden. Members now see that the facilitator hid it."
        else:
            ops.restore(target)
            message = "Restored. Members can see it again."
    except ops.PostError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    next_page = request.form.get("next")
    if next_page == "flags":
        return redirect(url_for(".flags"))
    anchor = f"reply-{reply.id}" if reply else None
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=anchor))


@bp.post("/posts/<int:post_id>/hide")
@require_role(Role.FACILITATOR)
def hide_post(post_id: int):
    return _set_hidden(get_post_or_404(post_id), None, True)


@bp.post("/posts/<int:post_id>/restore")
@require_role(Role.FACILITATOR)
def restore_post(post_id: int):
    return _set_hidden(get_post_or_404(post_id), None, False)


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/hide")
@require_role(Role.FACILITATOR)
def hide_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    return _set_hidden(post, get_reply_or_404(post, reply_id), True)


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/restore")
@require_role(Role.FACILITATOR)
def restore_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    return _set_hidden(post, get_reply_or_404(post, reply_id), False)

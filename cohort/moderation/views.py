"""Any member flags a post or reply; facilitators review flags, hide, restore and dismiss."""

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from .. import policy
from ..access import get_in_cohort_or_404, get_post_or_404, get_reply_or_404, requires
from ..extensions import db
from ..models import Flag, NotificationKind, Post, Reply
from ..notifications import ops as notification_ops
from ..policy import Permission
from ..posts import queries as post_queries
from ..web import commit_or_explain
from . import ops, queries

bp = Blueprint("moderation", __name__)


def _to_thread(post: Post, reply: Reply | None):
    anchor = f"reply-{reply.id}" if reply else None
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=anchor))


def _raise_flag(post: Post, reply: Reply | None):
    commit_or_explain(
        lambda: ops.raise_flag(g.membership, reply or post, request.form.get("reason") or ""),
        "Thank you. The facilitators will look at this; only they see that you raised it.",
    )
    return _to_thread(post, reply)


@bp.post("/posts/<int:post_id>/flag")
@requires(Permission.TAKE_PART)
def flag_post(post_id: int):
    return _raise_flag(get_post_or_404(post_id), None)


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/flag")
@requires(Permission.TAKE_PART)
def flag_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    return _raise_flag(post, get_reply_or_404(post, reply_id))


@bp.get("/posts/<int:post_id>/replies/<int:reply_id>/report")
@requires(Permission.TAKE_PART)
def flag_reply_page(post_id: int, reply_id: int):
    """The form to flag one reply: where the thread's "Flag" leads (it has no form of its own per reply)."""
    post = get_post_or_404(post_id)
    reply = get_reply_or_404(post, reply_id)
    if not policy.can_flag(g.membership, reply, post):
        abort(403)
    author_name = post_queries.author_label(post, reply.author, g.membership)
    return render_template("moderation/flag_reply.html", post=post, reply=reply, author_name=author_name)


@bp.get("/flags")
@requires(Permission.MODERATE)
def flags():
    """Open flags, oldest first, with what was flagged."""
    notification_ops.mark_seen(g.membership.user_id, kind=NotificationKind.NEW_FLAG, cohort_id=g.cohort.id)
    page = render_template("moderation/flags.html", flags=queries.open_flags(g.membership))
    db.session.commit()
    return page


@bp.post("/flags/<int:flag_id>/dismiss")
@requires(Permission.MODERATE)
def dismiss(flag_id: int):
    flag = get_in_cohort_or_404(Flag, flag_id)
    commit_or_explain(lambda: ops.dismiss(g.membership, flag), "Flag dismissed; the content stays as it is.")
    return redirect(url_for(".flags"))


def _set_hidden(post: Post, reply: Reply | None, hidden: bool):
    target = reply or post
    if hidden:
        commit_or_explain(
            lambda: ops.hide(g.membership, target), "Hidden. Members now see that the facilitator hid it."
        )
    else:
        commit_or_explain(lambda: ops.restore(g.membership, target), "Restored. Members can see it again.")
    if request.form.get("next") == "flags":
        return redirect(url_for(".flags"))
    return _to_thread(post, reply)


@bp.post("/posts/<int:post_id>/hide")
@requires(Permission.MODERATE)
def hide_post(post_id: int):
    return _set_hidden(get_post_or_404(post_id), None, True)


@bp.post("/posts/<int:post_id>/restore")
@requires(Permission.MODERATE)
def restore_post(post_id: int):
    return _set_hidden(get_post_or_404(post_id), None, False)


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/hide")
@requires(Permission.MODERATE)
def hide_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    return _set_hidden(post, get_reply_or_404(post, reply_id), True)


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/restore")
@requires(Permission.MODERATE)
def restore_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    return _set_hidden(post, get_reply_or_404(post, reply_id), False)

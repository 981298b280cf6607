"""Threaded replies: writing, editing, deleting. Replies are reached only through their post."""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import get_post_or_404, get_reply_or_404, require_author
from ..extensions import db
from ..models import Reply
from . import ops, queries
from .forms import ReplyForm, TextOnlyForm
from .views import render_thread

bp = Blueprint("replies", __name__, url_prefix="/posts/<int:post_id>/replies")


def _open_post(post_id: int):
    """The post, if it takes replies now; a hidden post takes none, and members may not touch it."""
    post = get_post_or_404(post_id, *queries.THREAD_LOAD_OPTIONS)
    if post.hidden_at is not None and not g.membership.is_facilitator:
        abort(404)
    return post


def _parent(post, parent_id: int | None):
    """The reply being answered, if it is still there for this member to see."""
    if parent_id is None:
        return None
    parent = db.session.execute(
        select(Reply).where(Reply.id == parent_id, Reply.post_id == post.id, Reply.deleted_at.is_(None))
    ).scalar_one_or_none()
    if parent is None or (parent.hidden_at is not None and not g.membership.is_facilitator):
        return None
    return parent


@bp.post("")
def create(post_id: int):
    """Reply to the post, or to any reply in it. Whatever goes wrong, the text typed is kept."""
    post = _open_post(post_id)
    form = ReplyForm()
    valid = form.validate_on_submit()
    requested = form.parent_id.data or (form.parent_id.raw_data or [None])[0]
    parent = _parent(post, form.parent_id.data) if not form.parent_id.errors else None
    failed_parent_id = form.parent_id.data
    if requested and parent is None:
        form.body.errors.append(
            "The reply you were answering is no longer there. Your text is kept here: send it as a reply to the post."
        )
        failed_parent_id = None
        valid = False
    if not valid:
        return render_thread(post, reply_form=form, failed_parent_id=failed_parent_id, status=422)
    reply = ops.add_reply(post, current_user, form.body.data, parent)
    db.session.commit()
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))


@bp.route("/<int:reply_id>/edit", methods=["GET", "POST"])
def edit(post_id: int, reply_id: int):
    post = _open_post(post_id)
    reply = get_reply_or_404(post, reply_id)
    require_author(reply)
    form = TextOnlyForm(obj=reply)
    if form.validate_on_submit():
        ops.edit_reply(reply, form.body.data)
        db.session.commit()
        return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))
    return (
        render_template("posts/reply_edit.html", form=form, post=post, reply=reply, viewer=g.membership),
        422 if form.errors else 200,
    )


@bp.post("/<int:reply_id>/delete")
def delete(post_id: int, reply_id: int):
    post = _open_post(post_id)
    reply = get_reply_or_404(post, reply_id)
    require_author(reply)
    ops.delete_reply(reply)
    db.session.commit()
    flash("Your reply has been deleted.", "success")
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))

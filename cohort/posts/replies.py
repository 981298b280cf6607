"""Threaded replies: writing, editing, deleting. Replies are reached only through their post."""

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import current_user

from ..access import get_post_or_404, get_reply_or_404, require_author
from ..extensions import db
from . import ops, queries
from .forms import ReplyForm, TextOnlyForm
from .views import render_thread

bp = Blueprint("replies", __name__, url_prefix="/posts/<int:post_id>/replies")


def _open_post(post_id: int):
    post = get_post_or_404(post_id, *queries.THREAD_LOAD_OPTIONS)
    if post.hidden_at is not None:
        flash("This post was hidden by the facilitator, so it takes no replies for now.", "error")
        return post, False
    return post, True


@bp.post("")
def create(post_id: int):
    """Reply to the post, or to any reply in it."""
    post, open_for_replies = _open_post(post_id)
    if not open_for_replies:
        return redirect(url_for("cohort.posts.thread", post_id=post.id))
    form = ReplyForm()
    parent = get_reply_or_404(post, form.parent_id.data) if form.parent_id.data else None
    if not form.validate_on_submit():
        # Show the thread again with the reply form open and everything typed still in it.
        return render_thread(post, reply_form=form, failed_parent_id=form.parent_id.data, status=422)
    reply = ops.add_reply(post, current_user, form.body.data, parent)
    db.session.commit()
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))


@bp.route("/<int:reply_id>/edit", methods=["GET", "POST"])
def edit(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
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
    post = get_post_or_404(post_id)
    reply = get_reply_or_404(post, reply_id)
    require_author(reply)
    ops.delete_reply(reply)
    db.session.commit()
    flash("Your reply has been deleted.", "success")
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))

"""Threaded replies: writing, editing, deleting. Replies are reached only through their post."""

from flask import Blueprint, abort, g, redirect, render_template, url_for

from .. import policy
from ..access import get_post_or_404, get_reply_or_404, requires
from ..policy import Permission
from ..web import commit_or_explain
from . import ops, queries
from .forms import ReplyForm, TextOnlyForm
from .views import render_thread

bp = Blueprint("replies", __name__, url_prefix="/posts/<int:post_id>/replies")


def _thread_post(post_id: int):
    """The post, if this member can read it; a hidden one is not there for members to reply to."""
    post = get_post_or_404(post_id, *queries.THREAD_LOAD_OPTIONS)
    if not policy.can_see_post(g.membership, post):
        abort(404)
    return post


def _to_reply(post, reply):
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))


@bp.post("")
@requires(Permission.TAKE_PART)
def create(post_id: int):
    """Reply to the post, or to any reply in it. Whatever goes wrong, the text typed is kept."""
    post = _thread_post(post_id)
    form = ReplyForm()
    valid = form.validate_on_submit()
    requested = form.parent_id.data or (form.parent_id.raw_data or [None])[0]
    parent = (
        queries.reply_in_thread(post, form.parent_id.data)
        if form.parent_id.data and not form.parent_id.errors
        else None
    )
    failed_parent_id = form.parent_id.data
    if requested and (parent is None or not policy.can_reply(g.membership, post, parent)):
        form.body.errors.append(ops.PARENT_GONE)
        failed_parent_id = None
        valid = False
    if valid:
        outcome = commit_or_explain(
            lambda: ops.add_reply(g.membership, post, form.body.data, parent), flash_refusal=False
        )
        if outcome.ok:
            return _to_reply(post, outcome.value)
        form.body.errors.append(outcome.message)
    return render_thread(post, reply_form=form, failed_parent_id=failed_parent_id, status=422)


@bp.route("/<int:reply_id>/edit", methods=["GET", "POST"])
@requires(Permission.TAKE_PART)
def edit(post_id: int, reply_id: int):
    post = _thread_post(post_id)
    reply = get_reply_or_404(post, reply_id)
    if not policy.can_edit_reply(g.membership, reply, post):
        abort(403)
    form = TextOnlyForm(obj=reply)
    if form.validate_on_submit():
        commit_or_explain(lambda: ops.edit_reply(g.membership, reply, form.body.data))
        return _to_reply(post, reply)
    return (
        render_template("posts/reply_edit.html", form=form, post=post, reply=reply, viewer=g.membership),
        422 if form.errors else 200,
    )


@bp.post("/<int:reply_id>/delete")
@requires(Permission.TAKE_PART)
def delete(post_id: int, reply_id: int):
    post = _thread_post(post_id)
    reply = get_reply_or_404(post, reply_id)
    if not policy.can_delete_reply(g.membership, reply, post):
        abort(403)
    commit_or_explain(lambda: ops.delete_reply(g.membership, reply), "Your reply has been deleted.")
    return _to_reply(post, reply)

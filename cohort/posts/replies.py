"""Threaded replies: writing, editing, deleting. Replies are reached only through their post."""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import inspect

from .. import drafts, policy
from ..access import get_post_or_404, get_reply_or_404, requires
from ..drafts import keeps_draft
from ..policy import Permission
from ..security import accepts_uploads
from ..uploads import attachments
from ..web import commit_or_explain
from . import ops, queries
from .forms import ReplyForm, TextOnlyForm
from .views import render_thread, render_thread_with_draft

REPLY_EDIT_KEPT = "Your session had expired, so your reply was not saved. It is below: save it again."

bp = Blueprint("replies", __name__, url_prefix="/posts/<int:post_id>/replies")


def _thread_post(post_id: int):
    """The post, if this member can read it; a hidden one is not there for members to reply to."""
    post = get_post_or_404(post_id, *queries.THREAD_LOAD_OPTIONS)
    if not policy.can_see_post(g.membership, post):
        abort(404)
    return post


def _to_reply(post, reply):
    # The ids the session holds for them: after the commit, reading ``post.id`` would load the post again.
    (post_id,), (reply_id,) = inspect(post).identity, inspect(reply).identity
    return redirect(url_for("cohort.posts.thread", post_id=post_id, _anchor=f"reply-{reply_id}"))


def _reply_again(draft, post_id: int):
    return render_thread_with_draft(_thread_post(post_id), draft, status=400)


def _reply_box(draft) -> str:
    """Where on the thread the box for this draft is: under the reply it answers, or the post."""
    parent_id = draft.get("parent_id", "")
    return f"reply-{parent_id}" if parent_id.isascii() and parent_id.isdecimal() else "reply-heading"


@bp.post("")
@accepts_uploads(attachments.request_cap, fields=("files",))
@requires(Permission.TAKE_PART)
@keeps_draft("cohort.posts.thread", _reply_again, text={"body": "Your reply"}, anchor=_reply_box)
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
            lambda: ops.add_reply(g.membership, post, form.body.data, parent, form.uploads()), flash_refusal=False
        )
        if outcome.ok:
            return _to_reply(post, outcome.value)
        form.body.errors.append(outcome.message)
    return render_thread(post, reply_form=form, failed_parent_id=failed_parent_id, status=422)


@bp.get("/<int:reply_id>/reply")
@requires(Permission.TAKE_PART)
def answer(post_id: int, reply_id: int):
    """The reply form under one reply, quoted, as a page of its own: where the thread's "Reply" leads
    without JavaScript. It sends to ``create``, as the form on the thread does."""
    post = _thread_post(post_id)
    parent = get_reply_or_404(post, reply_id)
    if not policy.can_reply(g.membership, post, parent):
        abort(403)
    return render_template(
        "posts/reply_to.html",
        post=post,
        parent=parent,
        parent_name=queries.author_label(post, parent.author, g.membership),
        reply_form=ReplyForm(formdata=None),
    )


def _editable_reply(post_id: int, reply_id: int):
    post = _thread_post(post_id)
    reply = get_reply_or_404(post, reply_id)
    if not policy.can_edit_reply(g.membership, reply, post):
        abort(403)
    return post, reply


def _edit_page(post, reply, form: TextOnlyForm, status: int):
    return render_template("posts/reply_edit.html", form=form, post=post, reply=reply, viewer=g.membership), status


def _edit_again(draft, post_id: int, reply_id: int, status: int = 400):
    post, reply = _editable_reply(post_id, reply_id)
    flash(REPLY_EDIT_KEPT, "error")
    return _edit_page(post, reply, TextOnlyForm(formdata=draft), status)


@bp.route("/<int:reply_id>/edit", methods=["GET", "POST"])
@requires(Permission.TAKE_PART)
@keeps_draft("cohort.replies.edit", _edit_again, text={"body": "Your reply"})
def edit(post_id: int, reply_id: int):
    kept = drafts.take()
    if kept is not None:
        return _edit_again(kept, post_id, reply_id, status=200)
    post, reply = _editable_reply(post_id, reply_id)
    form = TextOnlyForm(obj=reply)
    if form.validate_on_submit():
        outcome = commit_or_explain(lambda: ops.edit_reply(g.membership, reply, form.body.data), flash_refusal=False)
        if outcome.ok:
            return _to_reply(post, reply)
        form.body.errors.append(outcome.message)
    return _edit_page(post, reply, form, 422 if form.errors else 200)


@bp.post("/<int:reply_id>/delete")
@requires(Permission.TAKE_PART)
def delete(post_id: int, reply_id: int):
    post = _thread_post(post_id)
    reply = get_reply_or_404(post, reply_id)
    if not policy.can_delete_reply(g.membership, reply, post):
        abort(403)
    commit_or_explain(lambda: ops.delete_reply(g.membership, reply), "Your reply has been deleted.")
    return _to_reply(post, reply)

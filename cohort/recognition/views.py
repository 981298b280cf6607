"""Thanks on posts and replies; the cohort's values."""

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from .. import policy
from ..access import get_in_cohort_or_404, get_post_or_404, get_reply_or_404, requires
from ..forms import Length, int_arg
from ..models import CohortValue, Post, Reply
from ..policy import Permission
from ..posts import queries
from ..web import commit_or_explain
from . import ops

bp = Blueprint("recognition", __name__)


class ValueForm(FlaskForm):
    name = StringField(
        "A value to celebrate", validators=[DataRequired("Name the value."), Length(max=ops.MAX_VALUE_NAME)]
    )


def _thank(target: Post | Reply) -> None:
    """Give thanks (with an optional value), or take it back (``set`` is "1" or "0")."""
    wanted = request.form.get("set")
    if wanted not in ("0", "1"):
        abort(400)
    if wanted == "0":
        commit_or_explain(lambda: ops.take_back_thanks(g.membership, target))
    else:
        value_id = int_arg(request.form.get("value_id"))
        commit_or_explain(lambda: ops.thank(g.membership, target, value_id))


@bp.post("/posts/<int:post_id>/thanks")
@requires(Permission.TAKE_PART)
def thank_post(post_id: int):
    post = get_post_or_404(post_id)
    _thank(post)
    return redirect(url_for("cohort.posts.thread", post_id=post.id))


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/thanks")
@requires(Permission.TAKE_PART)
def thank_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    reply = get_reply_or_404(post, reply_id)
    _thank(reply)
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))


@bp.get("/posts/<int:post_id>/replies/<int:reply_id>/thank")
@requires(Permission.TAKE_PART)
def thank_reply_page(post_id: int, reply_id: int):
    """Thanks for one reply, and the form to give or take back one's own: where the thread's
    "Thanks" leads without JavaScript."""
    post = get_post_or_404(post_id)
    reply = get_reply_or_404(post, reply_id)
    thanks = queries.thanks_given(post, g.membership, reply)
    thanked = any(given["user_id"] == g.membership.user_id for given in thanks)
    may_thank = policy.can_thank(g.membership, reply, post)
    if not (thanked or may_thank):
        abort(403)
    return render_template(
        "recognition/thank_reply.html",
        post=post,
        reply=reply,
        author_name=queries.author_label(post, reply.author, g.membership),
        thanks=thanks,
        may_thank=may_thank,
        values=queries.cohort_values(g.cohort.id),
    )


@bp.route("/values", methods=["GET", "POST"])
@requires(Permission.MANAGE)
def values():
    """The short list of values members can name when they thank someone."""
    form = ValueForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        outcome = commit_or_explain(lambda: ops.add_value(g.membership, name), f"Added “{name}”.", flash_refusal=False)
        if outcome.ok:
            return redirect(url_for(".values"))
        form.name.errors.append(outcome.message)
    status = 422 if form.errors else 200
    return render_template("recognition/values.html", form=form, values=queries.cohort_values(g.cohort.id)), status


@bp.post("/values/<int:value_id>/delete")
@requires(Permission.MANAGE)
def delete_value(value_id: int):
    value = get_in_cohort_or_404(CohortValue, value_id)
    name = value.name
    message = f"Removed “{name}”. Thanks that named it are kept, without the value."
    commit_or_explain(lambda: ops.remove_value(g.membership, value), message)
    return redirect(url_for(".values"))

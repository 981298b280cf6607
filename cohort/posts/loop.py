"""The challenge loop: status, "what I'll try", helpful advice, the outcome; and adopting stories."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import get_post_or_404, get_reply_or_404, require_author
from ..extensions import db
from ..models import ChallengeStatus
from . import ops
from .forms import CommitmentForm, OutcomeForm, StatusForm

bp = Blueprint("loop", __name__, url_prefix="/posts/<int:post_id>")


def _wanted() -> bool:
    """The state a one-button form asks for: "1" to set, "0" to take back (so a double click is harmless)."""
    wanted = request.form.get("set")
    if wanted not in ("0", "1"):
        abort(400)
    return wanted == "1"


def _back_to(post, anchor=None):
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=anchor))


@bp.post("/status")
def status(post_id: int):
    """Propose for a session, park, resolve or reopen a challenge (its author or a facilitator)."""
    post = get_post_or_404(post_id)
    require_author(post, or_facilitator=True)
    form = StatusForm()
    if not form.validate_on_submit() or form.status.data not in set(ChallengeStatus):
        abort(400)
    try:
        ops.set_status(post, ChallengeStatus(form.status.data))
    except ops.PostError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"The challenge is now: {post.status.label.lower()}.", "success")
    return _back_to(post)


@bp.route("/try", methods=["GET", "POST"])
def commitment(post_id: int):
    """The author records what they will try, for the cohort to see."""
    post = get_post_or_404(post_id)
    require_author(post)
    if not post.is_challenge:
        abort(404)
    form = CommitmentForm(obj=post)
    if form.validate_on_submit():
        ops.record_commitment(post, form.commitment.data)
        db.session.commit()
        flash("Your commitment is shared with the cohort.", "success")
        return _back_to(post, "commitment")
    return render_template("posts/commitment.html", form=form, post=post), 422 if form.errors else 200


@bp.route("/outcome", methods=["GET", "POST"])
def outcome(post_id: int):
    """The author records what happened next, with measured results."""
    post = get_post_or_404(post_id)
    require_author(post)
    form = OutcomeForm(obj=post)
    if not form.is_submitted():
        form.fill_results(post.results)
    if form.validate_on_submit():
        ops.record_outcome(post, form.outcome.data, form.result_rows())
        db.session.commit()
        flash("Thank you for telling the cohort what happened.", "success")
        return _back_to(post, "outcome")
    return render_template("posts/outcome.html", form=form, post=post), 422 if form.errors else 200


@bp.post("/replies/<int:reply_id>/helpful")
def helpful(post_id: int, reply_id: int):
    """The post's author marks advice as helpful, or takes the mark back."""
    post = get_post_or_404(post_id)
    require_author(post)
    reply = get_reply_or_404(post, reply_id)
    wanted = _wanted()
    if wanted and reply.author_id == current_user.id:
        abort(403)  # helpful marks credit advice from others; an old mark can still be taken back
    ops.set_helpful(reply, wanted)
    db.session.commit()
    return _back_to(post, f"reply-{reply.id}")


@bp.post("/adopt")
def adopt(post_id: int):
    """Say "I'm adopting this" on a story, or take it back."""
    post = get_post_or_404(post_id)
    adopting = _wanted()
    try:
        ops.set_adoption(post, current_user, adopting)
    except ops.PostError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if adopting:
            flash("You are adopting this practice. Tell the cohort how it goes.", "success")
    return _back_to(post, "adoptions")

"""The challenge loop: status, "what I'll try", helpful advice, the outcome; and adopting stories."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from .. import drafts, policy
from ..access import get_post_or_404, get_reply_or_404, requires
from ..drafts import keeps_draft
from ..meetings import ops as meeting_ops
from ..meetings.queries import coming_sessions
from ..models import AgendaStatus, ChallengeStatus
from ..policy import Permission
from ..web import commit_or_explain
from . import ops
from .forms import CommitmentForm, OutcomeForm, ProposeForm, StatusForm

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
@requires(Permission.TAKE_PART)
def status(post_id: int):
    """Park, resolve or reopen a challenge (its author or a facilitator)."""
    post = get_post_or_404(post_id)
    form = StatusForm()
    if not form.validate_on_submit() or form.status.data not in set(ChallengeStatus):
        abort(400)
    status = ChallengeStatus(form.status.data)
    commit_or_explain(
        lambda: ops.set_status(g.membership, post, status), f"The challenge is now: {status.label.lower()}."
    )
    return _back_to(post)


@bp.route("/propose", methods=["GET", "POST"])
@requires(Permission.SEE_SESSIONS)
def propose(post_id: int):
    """Bring a challenge to a coming session (the next one offered first): a real agenda proposal,
    which the facilitator accepts or declines. Until accepted the challenge stays open."""
    post = get_post_or_404(post_id)
    if not policy.can_bring_to_session(g.membership, post):
        abort(403)
    sessions = coming_sessions(g.membership)
    form = ProposeForm()
    form.meeting_id.choices = [(meeting.id, meeting.title) for meeting in sessions]
    if request.method == "GET":
        form.title.data = post.title
        if sessions:
            form.meeting_id.data = sessions[0].id
    if sessions and form.validate_on_submit():
        meeting = next(meeting for meeting in sessions if meeting.id == form.meeting_id.data)
        outcome = commit_or_explain(
            lambda: meeting_ops.propose_item(g.membership, meeting, form.title.data.strip(), post)
        )
        if outcome.ok:
            accepted = outcome.value.status == AgendaStatus.ACCEPTED
            flash(
                f"On the agenda of {meeting.title}."
                if accepted
                else f"Proposed for {meeting.title}. The facilitator will confirm the agenda.",
                "success",
            )
            return _back_to(post, "session-plans")
    # A form sent back unsaved (no session left, or an error beside a field) is a 422.
    status = 422 if request.method == "POST" else 200
    return render_template("posts/propose.html", form=form, post=post, sessions=sessions), status


PROGRESS_KEPT = "Your session had expired, so this was not saved. It is below: save it again."


def _progress_post(post_id: int):
    post = get_post_or_404(post_id)
    if not policy.can_record_progress(g.membership, post):
        abort(403)
    return post


def _progress_again(form_class, template: str):
    """Show the author's form again with a draft in it (cohort/drafts.py)."""

    def again(draft, post_id: int, status: int = 400):
        post = _progress_post(post_id)
        flash(PROGRESS_KEPT, "error")
        return render_template(template, form=form_class(formdata=draft), post=post), status

    return again


def _progress_page(post_id: int, form_class, template: str, record, success: str, anchor: str, fill=None):
    """The author's form for "what I'll try" or "what happened next"; the text typed is kept on errors."""
    kept = drafts.take()
    if kept is not None:
        return _progress_again(form_class, template)(kept, post_id, status=200)
    post = _progress_post(post_id)
    form = form_class(obj=post)
    if fill and not form.is_submitted():
        fill(form, post)
    if form.validate_on_submit():
        outcome = commit_or_explain(lambda: record(post, form), success)
        if outcome.ok:
            return _back_to(post, anchor)
        return render_template(template, form=form, post=post), 422
    return render_template(template, form=form, post=post), 422 if form.errors else 200


@bp.route("/try", methods=["GET", "POST"])
@requires(Permission.TAKE_PART)
@keeps_draft(
    "cohort.loop.commitment",
    _progress_again(CommitmentForm, "posts/commitment.html"),
    text={"commitment": "What I’ll try"},
)
def commitment(post_id: int):
    """The author records what they will try, for the cohort to see."""
    if not get_post_or_404(post_id).is_challenge:
        abort(404)
    return _progress_page(
        post_id,
        CommitmentForm,
        "posts/commitment.html",
        lambda post, form: ops.record_commitment(g.membership, post, form.commitment.data),
        "Your commitment is shared with the cohort.",
        "commitment",
    )


@bp.route("/outcome", methods=["GET", "POST"])
@requires(Permission.TAKE_PART)
@keeps_draft(
    "cohort.loop.outcome",
    _progress_again(OutcomeForm, "posts/outcome.html"),
    text={"outcome": "What happened next"},
)
def outcome(post_id: int):
    """The author records what happened next, with measured results."""
    return _progress_page(
        post_id,
        OutcomeForm,
        "posts/outcome.html",
        lambda post, form: ops.record_outcome(g.membership, post, form.outcome.data, form.result_rows()),
        "Thank you for telling the cohort what happened.",
        "outcome",
        fill=lambda form, post: form.fill_results(post.results),
    )


@bp.post("/replies/<int:reply_id>/helpful")
@requires(Permission.TAKE_PART)
def helpful(post_id: int, reply_id: int):
    """The post's author marks advice as helpful, or takes the mark back."""
    post = get_post_or_404(post_id)
    reply = get_reply_or_404(post, reply_id)
    wanted = _wanted()
    if not policy.can_mark_helpful(g.membership, post, reply, wanted):
        abort(403)
    commit_or_explain(lambda: ops.set_helpful(g.membership, reply, wanted))
    return _back_to(post, f"reply-{reply.id}")


@bp.post("/adopt")
@requires(Permission.TAKE_PART)
def adopt(post_id: int):
    """Say "I'm adopting this" on a story, or take it back."""
    post = get_post_or_404(post_id)
    adopting = _wanted()
    commit_or_explain(
        lambda: ops.set_adoption(g.membership, post, adopting),
        "You are adopting this practice. Tell the cohort how it goes." if adopting else None,
    )
    return _back_to(post, "adoptions")

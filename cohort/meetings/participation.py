"""Taking part in a session: answering, attendance, the agenda, notes and feedback."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import joinedload

from ..access import get_agenda_item_or_404, get_meeting_or_404, get_post_or_404, requires
from ..forms import ConfirmForm, Length, int_arg
from ..markdown import MAX_MARKDOWN_CHARS
from ..models import AgendaStatus, Meeting, RsvpResponse
from ..notifications import ops as notification_ops
from ..policy import Permission
from ..security import accepts_uploads
from ..uploads import attachments
from ..web import commit_or_explain
from . import ops, queries
from .forms import AgendaItemForm, FeedbackForm, RsvpForm

bp = Blueprint("participation", __name__, url_prefix="/sessions/<int:meeting_id>")


def _back(meeting: Meeting, anchor: str | None = None):
    return redirect(url_for("cohort.meetings.detail", meeting_id=meeting.id, _anchor=anchor))


@bp.post("/rsvp")
@requires(Permission.SEE_SESSIONS)
def rsvp(meeting_id: int):
    """Answer yes, maybe or no for this one session."""
    meeting = get_meeting_or_404(meeting_id)
    form = RsvpForm()
    if not form.validate_on_submit():
        abort(400)
    response = RsvpResponse(form.response.data)
    commit_or_explain(lambda: ops.answer(g.membership, meeting, response), f"Your answer: {response.label.lower()}.")
    if request.form.get("back") == "dashboard":  # a fixed choice, never a URL, so it cannot redirect elsewhere
        return redirect(url_for("home.dashboard", _anchor=f"session-{meeting.id}"))
    return _back(meeting, "answers")


@bp.post("/follow")
@requires(Permission.SEE_SESSIONS)
def follow(meeting_id: int):
    """Follow the session (news of its agenda and notes reaches me) or stop following it."""
    meeting = get_meeting_or_404(meeting_id)
    following = request.form.get("following") == "1"
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: notification_ops.set_following_session(g.membership, meeting, following),
            "You follow this session." if following else "You no longer follow this session.",
        )
    return _back(meeting)


@bp.post("/attendance")
@requires(Permission.RUN_SESSIONS)
def attendance(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    chosen = {int_arg(value) for value in request.form.getlist("attended")} - {None}
    commit_or_explain(lambda: ops.record_attendance(g.membership, meeting, chosen), "Attendance saved.")
    return _back(meeting, "attendance")


@bp.post("/agenda")
@requires(Permission.SEE_SESSIONS)
def propose(meeting_id: int):
    """A member proposes an agenda item (a facilitator's is accepted at once)."""
    meeting = get_meeting_or_404(meeting_id)
    form = AgendaItemForm()
    challenges = ops.bringable_challenges(g.membership)
    form.post_id.choices = [(0, "No challenge")] + [(post.id, post.title) for post in challenges]
    if not form.validate_on_submit():
        page = queries.session_page(meeting, g.membership)
        return render_template("meetings/detail.html", agenda_form=form, **page), 422
    post = get_post_or_404(form.post_id.data) if form.post_id.data else None
    outcome = commit_or_explain(lambda: ops.propose_item(g.membership, meeting, form.title.data.strip(), post))
    if outcome.ok:
        accepted = outcome.value.status == AgendaStatus.ACCEPTED
        flash("Added to the agenda." if accepted else "Proposed. The facilitator will confirm the agenda.", "success")
    return _back(meeting, "agenda")


@bp.post("/agenda/<int:item_id>/<any(accept, decline, up, down):action>")
@requires(Permission.RUN_SESSIONS)
def decide(meeting_id: int, item_id: int, action: str):
    """Accept or decline a proposed item; move an accepted one up or down."""
    meeting = get_meeting_or_404(meeting_id)
    item = get_agenda_item_or_404(meeting, item_id)
    if action in ("accept", "decline"):
        commit_or_explain(lambda: ops.decide_item(g.membership, item, accept=action == "accept"))
    else:
        commit_or_explain(lambda: ops.move_item(g.membership, item, -1 if action == "up" else 1))
    return _back(meeting, "agenda")


@bp.route("/notes", methods=["GET", "POST"])
@accepts_uploads(attachments.request_cap, fields=("files",))
@requires(Permission.RUN_SESSIONS)
def notes(meeting_id: int):
    """Publish the session's notes, and notes per agenda item, with files; every version is kept."""
    meeting = get_meeting_or_404(meeting_id, joinedload(Meeting.files))
    items, history = queries.notes_page(meeting)
    if request.method == "POST":
        general = request.form.get("notes", "")
        per_item = {item.id: request.form.get(f"item-{item.id}", "") for item in items}
        files = attachments.uploads_from(request.files.getlist("files"))
        outcome = commit_or_explain(lambda: ops.save_notes(g.membership, meeting, general, per_item, files))
        if outcome.ok:
            flash("Notes published." if outcome.value else "No changes to save.", "success")
            return _back(meeting, "notes")
        texts = {None: general, **per_item}  # what was typed comes back, to shorten and save
        kept = Length.KEPT * MAX_MARKDOWN_CHARS
        if any(len(text) > kept for text in texts.values()):
            # As every form does (cohort.forms.Length): a pasted megabyte is not sent back whole.
            texts = {key: text[:kept] for key, text in texts.items()}
            flash(
                f"A note far over the limit is cut: only its first {kept:,} characters are kept in the form.", "error"
            )
        return render_template("meetings/notes.html", meeting=meeting, items=items, texts=texts, history=history), 422
    texts = {key: note.body for key, note in ops.current_notes(meeting).items()}
    return render_template("meetings/notes.html", meeting=meeting, items=items, texts=texts, history=history)


@bp.post("/feedback")
@requires(Permission.SEE_SESSIONS)
def feedback(meeting_id: int):
    """An attendee's anonymous rating and comment."""
    meeting = get_meeting_or_404(meeting_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        page = queries.session_page(meeting, g.membership)
        return render_template("meetings/detail.html", feedback_form=form, **page), 422
    commit_or_explain(
        lambda: ops.give_feedback(g.membership, meeting, int(form.rating.data), form.comment.data or ""),
        "Thank you. Your feedback reaches the facilitator without your name.",
    )
    return _back(meeting)

"""Taking part in a session: answering, attendance, the agenda, notes and feedback."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import get_in_cohort_or_404, get_post_or_404, require_role
from ..extensions import db
from ..forms import int_arg
from ..markdown import MAX_MARKDOWN_CHARS
from ..models import AgendaItem, AgendaStatus, Meeting, MeetingNote, Membership, Role, RsvpResponse
from . import ops, queries
from .forms import AgendaItemForm, FeedbackForm, RsvpForm

bp = Blueprint("participation", __name__, url_prefix="/sessions/<int:meeting_id>")


def _back(meeting: Meeting, anchor: str | None = None):
    return redirect(url_for("cohort.meetings.detail", meeting_id=meeting.id, _anchor=anchor))


def _attempt(action, success: str) -> None:
    try:
        action()
    except ops.MeetingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success, "success")


@bp.post("/rsvp")
def rsvp(meeting_id: int):
    """Answer yes, maybe or no for this one session."""
    meeting = get_in_cohort_or_404(Meeting, meeting_id)
    form = RsvpForm()
    if not form.validate_on_submit():
        abort(400)
    response = RsvpResponse(form.response.data)
    _attempt(lambda: ops.answer(meeting, current_user, response), f"Your answer: {response.label.lower()}.")
    if request.form.get("back") == "dashboard":  # a fixed choice, never a URL, so it cannot redirect elsewhere
        return redirect(url_for("home.dashboard", _anchor=f"session-{meeting.id}"))
    return _back(meeting, "answers")


@bp.post("/attendance")
@require_role(Role.FACILITATOR)
def attendance(meeting_id: int):
    meeting = get_in_cohort_or_404(Meeting, meeting_id)
    member_ids = set(
        db.session.execute(select(Membership.user_id).where(Membership.cohort_id == g.cohort.id)).scalars()
    )
    chosen = {int_arg(value) for value in request.form.getlist("attended")} - {None}
    _attempt(lambda: ops.record_attendance(meeting, chosen, member_ids), "Attendance saved.")
    return _back(meeting, "attendance")


@bp.post("/agenda")
def propose(meeting_id: int):
    """A member proposes an agenda item (a facilitator's is accepted at once)."""
    meeting = get_in_cohort_or_404(Meeting, meeting_id)
    # After the session only a facilitator adds items, e.g. to hang notes on them.
    if meeting.cancelled_at or (meeting.has_ended() and not g.membership.is_facilitator):
        flash("This session’s agenda is closed.", "error")
        return _back(meeting, "agenda")
    form = AgendaItemForm()
    challenges = queries.open_challenges(g.membership)
    form.post_id.choices = [(0, "No challenge")] + [(post.id, post.title) for post in challenges]
    if not form.validate_on_submit():
        page = queries.session_page(meeting, g.membership)
        return render_template("meetings/detail.html", agenda_form=form, **page), 422
    post = None
    if form.post_id.data:
        post = get_post_or_404(form.post_id.data)
        if post not in challenges:
            abort(404)
    facilitator = g.membership.is_facilitator
    ops.propose_item(meeting, current_user, form.title.data.strip(), post, accepted=facilitator)
    db.session.commit()
    flash("Added to the agenda." if facilitator else "Proposed. The facilitator will confirm the agenda.", "success")
    return _back(meeting, "agenda")


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.session.execute(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id)
    ).scalar_one_or_none()
    if item is None:
        abort(404)
    return item


@bp.post("/agenda/<int:item_id>/<any(accept, decline, up, down):action>")
@require_role(Role.FACILITATOR)
def decide(meeting_id: int, item_id: int, action: str):
    """Accept or decline a proposed item; move an accepted one up or down."""
    meeting = get_in_cohort_or_404(Meeting, meeting_id)
    item = _item(meeting, item_id)
    if action in ("accept", "decline"):
        ops.decide_item(item, accept=action == "accept")
    elif item.status == AgendaStatus.ACCEPTED:
        ops.move_item(item, -1 if action == "up" else 1)
    db.session.commit()
    return _back(meeting, "agenda")


@bp.route("/notes", methods=["GET", "POST"])
@require_role(Role.FACILITATOR)
def notes(meeting_id: int):
    """Publish the session's notes, and notes per agenda item; every version is kept."""
    meeting = get_in_cohort_or_404(Meeting, meeting_id)
    items = list(
        db.session.execute(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id, AgendaItem.status == AgendaStatus.ACCEPTED)
            .order_by(AgendaItem.position)
        ).scalars()
    )
    current = ops.current_notes(meeting)
    if request.method == "POST":
        general = request.form.get("notes", "")
        per_item = {item.id: request.form.get(f"item-{item.id}", "") for item in items}
        too_long = [text for text in [general, *per_item.values()] if len(text) > MAX_MARKDOWN_CHARS]
        if too_long:
            limit = f"{MAX_MARKDOWN_CHARS:,}"
            flash(f"Each note must stay under {limit} characters. Your text is below: shorten it and save.", "error")
            return render_template(
                "meetings/notes.html",
                meeting=meeting,
                items=items,
                texts={None: general, **per_item},
                history=_history(meeting),
            ), 422
        changed = ops.save_notes(meeting, current_user, general, per_item)
        db.session.commit()
        flash("Notes published." if changed else "No changes to save.", "success")
        return _back(meeting, "notes")
    texts = {key: note.body for key, note in current.items()}
    return render_template("meetings/notes.html", meeting=meeting, items=items, texts=texts, history=_history(meeting))


def _history(meeting: Meeting) -> list[MeetingNote]:
    return list(
        db.session.execute(
            select(MeetingNote).where(MeetingNote.meeting_id == meeting.id).order_by(MeetingNote.id.desc())
        ).scalars()
    )


@bp.post("/feedback")
def feedback(meeting_id: int):
    """An attendee's anonymous rating and comment."""
    meeting = get_in_cohort_or_404(Meeting, meeting_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        page = queries.session_page(meeting, g.membership)
        return render_template("meetings/detail.html", feedback_form=form, **page), 422
    if not queries.session_page(meeting, g.membership)["can_give_feedback"]:
        flash("Feedback is for those who attended, once the session has ended.", "error")
        return _back(meeting)
    _attempt(
        lambda: ops.give_feedback(meeting, current_user, int(form.rating.data), form.comment.data or ""),
        "Thank you. Your feedback reaches the facilitator without your name.",
    )
    return _back(meeting)

"""Sessions: the list, one session's page, scheduling, editing, cancelling and calendar files."""

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import joinedload

from ..access import get_meeting_attachment_or_404, get_meeting_or_404, requires
from ..extensions import db
from ..mail import external_url
from ..markdown import TooIntricate
from ..models import Meeting
from ..notifications import ops as notification_ops
from ..policy import Permission
from ..templating import viewer_timezone
from ..uploads import attachments
from ..web import commit_or_explain
from . import ops, queries
from .calendar import build_calendar
from .display import when
from .forms import CancelForm, EditSessionForm, ScheduleForm
from .schedule import ScheduleError, plan_sessions

bp = Blueprint("meetings", __name__, url_prefix="/sessions")


@bp.app_template_filter("session_when")
def session_when(meeting: Meeting) -> str:
    return when(meeting, viewer_timezone())


@bp.get("/")
@requires(Permission.SEE_SESSIONS)
def index():
    """Upcoming sessions, soonest first, then past ones, latest first."""
    upcoming, past, mine = queries.sessions_of(g.membership)
    return render_template("meetings/index.html", upcoming=upcoming, past=past, my_rsvps=mine)


def _details(form) -> ops.SessionDetails:
    return ops.SessionDetails(
        title=form.title.data.strip(),
        duration_minutes=form.duration_minutes.data,
        location=(form.location.data or "").strip(),
        video_url=(form.video_url.data or "").strip(),
        agenda=form.agenda.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.RUN_SESSIONS)
def new():
    """Schedule one session or a monthly series; "Preview" shows the dates in words first."""
    form = ScheduleForm()
    if request.method == "GET":
        form.timezone.data = g.cohort.timezone
    plan = None
    status = 200
    if form.validate_on_submit():
        try:
            plan = plan_sessions(
                form.start_date.data,
                form.start_time.data,
                form.timezone.data,
                repeat=form.repeat.data,
                monthly_on=form.monthly_on.data,
                occurrences=form.occurrences.data or 1,
            )
        except ScheduleError as error:
            form.start_date.errors.append(str(error))
            status = 422
        else:
            if request.form.get("action") != "preview":
                outcome = commit_or_explain(
                    lambda: ops.schedule(g.membership, plan, form.timezone.data, _details(form)),
                    f"Scheduled: {plan.description}.",
                )
                if outcome.ok:
                    return redirect(url_for(".detail", meeting_id=outcome.value[0].id))
                status = 422
    elif form.errors:
        status = 422
    return render_template("meetings/new.html", form=form, plan=plan), status


@bp.get("/<int:meeting_id>")
@requires(Permission.SEE_SESSIONS)
def detail(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, joinedload(Meeting.files))
    # Marked read before the page is drawn, so the bell already counts it.
    notification_ops.mark_seen(g.membership.user_id, meeting=meeting, cohort_id=meeting.cohort_id)
    page = render_template("meetings/detail.html", **queries.session_page(meeting, g.membership))
    db.session.commit()
    return page


@bp.get("/<int:meeting_id>/files/<token>")
@requires(Permission.SEE_SESSIONS)
def attachment(meeting_id: int, token: str):
    """A file published with the session's notes, to those who may see the session; 404 otherwise."""
    meeting = get_meeting_or_404(meeting_id)
    return attachments.file_response(get_meeting_attachment_or_404(meeting, token))


@bp.post("/<int:meeting_id>/files/<token>/remove")
@requires(Permission.RUN_SESSIONS)
def remove_attachment(meeting_id: int, token: str):
    """Withdraw a file published with the notes; back to the notes page."""
    meeting = get_meeting_or_404(meeting_id)
    attachment = get_meeting_attachment_or_404(meeting, token)
    name = attachment.name
    if commit_or_explain(lambda: ops.remove_attachment(g.membership, attachment, meeting)).ok:
        flash(f"“{name}” was removed.", "success")
    return redirect(url_for("cohort.participation.notes", meeting_id=meeting_id))


@bp.get("/<int:meeting_id>/pre-read")
@requires(Permission.SEE_SESSIONS)
def pre_read(meeting_id: int):
    """What to read before the session, on one printable page: the same pre-read the reminder mail carries."""
    meeting = get_meeting_or_404(meeting_id)
    notification_ops.mark_seen(g.membership.user_id, meeting=meeting, cohort_id=meeting.cohort_id)
    page = render_template("meetings/pre_read.html", pre_read=queries.pre_read(g.membership, meeting))
    db.session.commit()
    return page


@bp.get("/<int:meeting_id>.ics")
@requires(Permission.SEE_SESSIONS)
def ics(meeting_id: int):
    """One session as a calendar file, with its accepted agenda items."""
    meeting = get_meeting_or_404(meeting_id)
    url = external_url("cohort.meetings.detail", slug=g.cohort.slug, meeting_id=meeting.id)
    titles = queries.agenda_titles([meeting.id]).get(meeting.id, [])
    body = build_calendar([(meeting, g.cohort.name, url, titles)], g.cohort.name)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="session-{meeting.id}.ics"'},
    )


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires(Permission.RUN_SESSIONS)
def edit(meeting_id: int):
    """Change one session, or it and all that follow in its series; each keeps its identity."""
    meeting = get_meeting_or_404(meeting_id)
    form = EditSessionForm(obj=meeting)
    if request.method == "GET":
        local = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))
        form.start_date.data = local.date()
        form.start_time.data = local.time()
    if form.validate_on_submit():
        outcome = commit_or_explain(
            lambda: ops.edit(
                g.membership,
                meeting,
                _details(form),
                new_date=form.start_date.data,
                new_time=form.start_time.data,
                timezone=form.timezone.data,
                this_and_following=form.scope.data == "following",
            ),
            flash_refusal=False,
        )
        if outcome.ok:
            count = len(outcome.value)
            flash(f"Saved {count} session{'s' if count != 1 else ''}. Calendars will update.", "success")
            return redirect(url_for(".detail", meeting_id=meeting.id))
        field = form.agenda if isinstance(outcome.refusal, TooIntricate) else form.start_time
        field.errors.append(outcome.message)
    return render_template("meetings/edit.html", form=form, meeting=meeting), 422 if form.errors else 200


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
@requires(Permission.RUN_SESSIONS)
def cancel(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if meeting.has_ended():
        flash("This session has already taken place, so it can no longer be cancelled.", "info")
        return redirect(url_for(".detail", meeting_id=meeting.id))
    form = CancelForm()
    if form.validate_on_submit():
        outcome = commit_or_explain(
            lambda: ops.cancel(g.membership, meeting, this_and_following=form.scope.data == "following")
        )
        if outcome.ok:
            count = len(outcome.value)
            flash(f"Cancelled {count} session{'s' if count != 1 else ''}.", "success")
        return redirect(url_for(".detail", meeting_id=meeting.id))
    return render_template("meetings/cancel.html", form=form, meeting=meeting), 422 if form.errors else 200

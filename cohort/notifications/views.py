"""The notifications page, the bell, following a thread, and unsubscribing from a mail."""

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..access import get_post_or_404, requires
from ..extensions import csrf, db
from ..forms import ConfirmForm
from ..models import Delivery, User
from ..policy import Permission
from ..web import bookkeeping, commit_or_explain
from . import ops, queries
from .forms import DeliveryForm
from .tokens import read_unsubscribe_token, topic_label

bp = Blueprint("notifications", __name__)
# Following a thread is a cohort page's action: it hangs off the cohort blueprint, like the thread.
follow_bp = Blueprint("follow", __name__, url_prefix="/posts")


@bp.get("/notifications")
@login_required
def index():
    """What concerns me, newest first, grouped by kind and place."""
    return render_template("notifications/index.html", groups=queries.grouped(current_user), form=ConfirmForm())


@bp.get("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Go to the exact place a notification is about, marking its line read."""
    found = queries.own_notification(current_user, notification_id)
    if found is None:
        abort(404)
    notification, slug = found
    bookkeeping(lambda: ops.mark_read(current_user, queries.same_group_ids(notification)))
    db.session.commit()
    endpoint, values, anchor = queries.place_of(notification, slug)
    return redirect(url_for(endpoint, **values, _anchor=anchor or None))


@bp.post("/notifications/read")
@login_required
def mark_read():
    """Mark one line (its notifications), or all of them, read."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if request.form.get("all"):
            commit_or_explain(lambda: ops.mark_all_read(current_user), "Everything is marked read.")
        else:
            ids = [int(value) for value in request.form.getlist("id") if value.isdecimal()]
            commit_or_explain(lambda: ops.mark_read(current_user, ids))
    return redirect(url_for("notifications.index"))


@bp.post("/account/notifications")
@login_required
def save_deliveries():
    """How each kind of notification reaches me by mail."""
    form = DeliveryForm()
    if form.validate_on_submit():
        commit_or_explain(
            lambda: ops.set_delivery(current_user, form.choices()), "Your choices for notifications are saved."
        )
    else:
        flash("Choose one of the offered ways for each kind of notification.", "error")
    return redirect(url_for("auth.account", _anchor="notifications"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client's one-click POST carries no cookie and no token; the link is signed
def unsubscribe(token: str):
    """Stop one kind of mail, without signing in: a page with a button, or the one-click POST."""
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        abort(404)
    topic = found[1]
    if request.method == "POST":
        if isinstance(topic, Delivery):  # a digest: every kind it gathers stops
            kinds = [kind for kind, delivery in queries.deliveries(user).items() if delivery == topic]
        else:
            kinds = [topic]
        ops.set_delivery(user, dict.fromkeys(kinds, Delivery.OFF))
        db.session.commit()
        return render_template("notifications/unsubscribed.html", label=topic_label(topic))
    return render_template("notifications/unsubscribe.html", label=topic_label(topic), token=token)


@follow_bp.post("/<int:post_id>/follow")
@requires(Permission.TAKE_PART)
def follow(post_id: int):
    """Follow the thread (news from it reaches me) or mute it (nothing from it does)."""
    post = get_post_or_404(post_id)
    following = request.form.get("following") == "1"
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: ops.set_following(g.membership, post, following),
            "You follow this thread." if following else "This thread is muted: nothing from it will reach you.",
        )
    return redirect(url_for("cohort.posts.thread", post_id=post.id))


def init_app(app: Flask) -> None:
    @app.context_processor
    def _bell():
        # A function, so the count is asked for (one query) only where the header shows it.
        return {"unread_notifications": lambda: queries.unread_count(current_user.id)}

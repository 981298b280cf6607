"""Thanks on posts and replies; the cohort's values."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..access import get_in_cohort_or_404, get_post_or_404, get_reply_or_404, require_role
from ..extensions import db
from ..forms import int_arg
from ..models import CohortValue, Role, Thanks
from ..upsert import upsert

bp = Blueprint("recognition", __name__)


class ValueForm(FlaskForm):
    name = StringField("A value to celebrate", validators=[DataRequired("Name the value."), Length(max=60)])


def _thank(target_column: str, target, post):
    """Give thanks (with an optional value), or take it back; never to oneself."""
    if target.author_id == current_user.id:
        flash("You cannot thank yourself.", "error")
        return
    wanted = request.form.get("set")
    if wanted not in ("0", "1"):
        abort(400)
    if wanted == "0":
        db.session.execute(
            delete(Thanks).where(Thanks.user_id == current_user.id, getattr(Thanks, target_column) == target.id)
        )
    else:
        value_id = int_arg(request.form.get("value_id"))
        if value_id is not None:
            value_id = get_in_cohort_or_404(CohortValue, value_id).id
        upsert(
            Thanks,
            {"user_id": current_user.id, target_column: target.id, "value_id": value_id},
            ["user_id", target_column],
            {"value_id": value_id},
        )
    db.session.commit()


@bp.post("/posts/<int:post_id>/thanks")
def thank_post(post_id: int):
    post = get_post_or_404(post_id)
    _thank("post_id", post, post)
    return redirect(url_for("cohort.posts.thread", post_id=post.id))


@bp.post("/posts/<int:post_id>/replies/<int:reply_id>/thanks")
def thank_reply(post_id: int, reply_id: int):
    post = get_post_or_404(post_id)
    reply = get_reply_or_404(post, reply_id)
    _thank("reply_id", reply, post)
    return redirect(url_for("cohort.posts.thread", post_id=post.id, _anchor=f"reply-{reply.id}"))


@bp.route("/values", methods=["GET", "POST"])
@require_role(Role.FACILITATOR)
def values():
    """The short list of values members can name when they thank someone."""
    form = ValueForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        exists = db.session.execute(
            select(CohortValue.id).where(
                CohortValue.cohort_id == g.cohort.id, func.lower(CohortValue.name) == name.lower()
            )
        ).first()
        if exists:
            form.name.errors.append("The cohort already has this value.")
        else:
            position = db.session.execute(
                select(func.coalesce(func.max(CohortValue.position), 0)).where(CohortValue.cohort_id == g.cohort.id)
            ).scalar_one()
            db.session.add(CohortValue(cohort_id=g.cohort.id, name=name, position=position + 1))
            db.session.commit()
            flash(f"Added “{name}”.", "success")
            return redirect(url_for(".values"))
    listed = db.session.execute(
        select(CohortValue).where(CohortValue.cohort_id == g.cohort.id).order_by(CohortValue.position)
    ).scalars()
    return render_template("recognition/values.html", form=form, values=list(listed)), 422 if form.errors else 200


@bp.post("/values/<int:value_id>/delete")
@require_role(Role.FACILITATOR)
def delete_value(value_id: int):
    value = get_in_cohort_or_404(CohortValue, value_id)
    db.session.delete(value)
    db.session.commit()
    flash(f"Removed “{value.name}”. Thanks that named it are kept, without the value.", "success")
    return redirect(url_for(".values"))

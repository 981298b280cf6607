"""The account page's own data: downloading all of it, and deleting the account."""

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from .. import drafts
from ..models import utcnow
from ..web import commit_or_explain
from . import limits, ops
from .export import personal_data
from .forms import DeleteAccountForm
from .views import bp


@bp.get("/account/my-data.json")
@login_required
def download_data():
    """Everything stored about the signed-in person, and everything they wrote, as a JSON file."""
    now = utcnow()
    body = json.dumps(personal_data(current_user, now), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="cohort-my-data-{now:%Y-%m-%d}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the account, given the password and the word typed out; the choice stays on a refusal.
    The password is limited as at sign-in, so a borrowed session cannot guess it here."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        limits.Attempt(user.email)  # a deletion forgets the account's attempts with everything else
        outcome = commit_or_explain(
            lambda: ops.delete_account(user, form.password.data, keep_words=form.words.data == "keep"),
            flash_refusal=False,
        )
        if outcome.ok:
            logout_user()
            drafts.forget()
            flash("Your account has been deleted. Thank you for taking part.", "info")
            return redirect(url_for("auth.login"))
        field = form.password if isinstance(outcome.refusal, ops.WrongPassword) else form.words
        field.errors.append(outcome.message)
    status = 422 if form.errors else 200
    return render_template("auth/delete_account.html", form=form), status

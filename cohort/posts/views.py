"""Posts: the list and search, writing, the thread page, editing and deleting."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from .. import drafts, policy
from ..access import get_attachment_or_404, get_post_or_404, requires
from ..drafts import keeps_draft
from ..extensions import db
from ..forms import int_arg
from ..models import ChallengeStatus, PostKind, Visibility
from ..policy import Permission
from ..security import accepts_uploads
from ..uploads import attachments
from ..web import bookkeeping, commit_or_explain
from . import ops, queries
from .forms import PostForm, ReplyForm
from .search import CANDIDATES, RESULTS_PER_PAGE

bp = Blueprint("posts", __name__, url_prefix="/posts")


@bp.app_template_filter("figure")
def format_figure(value: float) -> str:
    """60.0 → "60", 12.5 → "12.5", 1200000 → "1,200,000"."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@bp.app_template_filter("change")
def describe_change(result) -> str:
    """How a measured result moved: "+60 points" for a percentage, else "+12 (+40%)"."""
    sign = "+" if result.change > 0 else ("−" if result.change < 0 else "±")
    amount = f"{sign}{format_figure(abs(result.change))}"
    if result.unit.strip() == "%":
        return f"{amount} percentage points"
    unit = f" {result.unit}" if result.unit else ""
    if result.relative_change is None:
        return f"{amount}{unit}"
    return f"{amount}{unit} ({sign}{abs(result.relative_change) * 100:.0f}%)"


def _enum_arg(name: str, enum_class):
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        return enum_class(value)
    except ValueError:
        abort(400)


def _cursor_arg(name: str):
    """A place in the list from an "Older" or "Newer" link; 400 for anything else."""
    token = request.args.get(name)
    if token is None:
        return None
    cursor = queries.ListCursor.parse(token)
    if cursor is None:
        abort(400)
    return cursor


@bp.get("/")
@requires(Permission.TAKE_PART)
def index():
    """Newest activity first, with filters; or search results when ``q`` is given, among the posts the
    same filters select. The query and the filters stay in the address, to share, page and bookmark."""
    filters = queries.Filters(
        kind=_enum_arg("kind", PostKind),
        status=_enum_arg("status", ChallengeStatus),
        tag=(request.args.get("tag") or "").strip().lower() or None,
        author_id=int_arg(request.args.get("author")),
    )
    choices = {
        "filters": filters,
        "tags": queries.cohort_tags(g.membership),
        "members": queries.author_choices(g.membership),
        "statuses": list(ChallengeStatus),
        "kinds": list(PostKind),
    }
    query = (request.args.get("q") or "").strip()
    if query:
        # Pages go as far as the ranked candidates do, and no further.
        last_page = CANDIDATES // RESULTS_PER_PAGE
        page = int_arg(request.args.get("page"), 1, maximum=last_page)
        results, more = queries.search(g.membership, query, page, filters)
        more = more and page < last_page
        first = (page - 1) * RESULTS_PER_PAGE + 1
        return render_template(
            "posts/search.html", query=query, results=results, page=page, first=first, more=more, **choices
        )
    if "page" in request.args:
        # Numbered pages are gone (a deep one cost more the deeper it was): start from the newest.
        kept = {name: value for name, value in request.args.items(multi=True) if name != "page"}
        return redirect(url_for(".index", **kept), 301)
    before, after = _cursor_arg("before"), _cursor_arg("after")
    if before and after:
        abort(400)
    page = queries.list_posts(g.membership, filters, before=before, after=after)
    return render_template("posts/index.html", page=page, **choices)


# What a page says when it gives back a form that could not be sent (cohort/drafts.py).
SHARE_KEPT = "Your session had expired, so your post was not shared. It is below: share it again."
EDIT_KEPT = "Your session had expired, so your changes were not saved. They are below: save them again."
REPLY_KEPT = "Your session had expired, so your reply was not sent. It is below: send it again."
POST_TEXT = {"title": "Title", "body": "Your post"}


def _share_page(form: PostForm, status: int):
    form.keep_key()
    kinds = policy.post_kinds(g.membership)
    return render_template("posts/edit.html", form=form, post=None, kinds=[kind.value for kind in kinds]), status


def _share_again(draft, status: int = 400):
    flash(SHARE_KEPT, "error")
    return _share_page(PostForm(formdata=draft), status)


@bp.route("/new", methods=["GET", "POST"])
@accepts_uploads(attachments.request_cap, fields=("files",))
@requires(Permission.TAKE_PART)
@keeps_draft("cohort.posts.new", _share_again, text=POST_TEXT)
def new():
    kept = drafts.take()
    if kept is not None:
        return _share_again(kept, status=200)
    form = PostForm()
    if request.method == "GET":
        asked = request.args.get("kind")
        offered = {kind.value for kind in policy.post_kinds(g.membership)}
        form.kind.data = asked if asked in offered else None
    if form.validate_on_submit():
        kind = PostKind(form.kind.data)
        visibility = Visibility(form.visibility.data)
        outcome = commit_or_explain(
            lambda: ops.create_post(
                g.membership,
                kind=kind,
                title=form.title.data.strip(),
                body=form.body.data,
                tags=form.tag_list(),
                visibility=visibility,
                results=form.result_rows(),
                form_key=form.sent_key(),
                files=form.uploads(),
            )
        )
        if outcome.ok:
            shared = outcome.value
            if shared.already_shared:
                flash("This was already shared.", "info")
            elif kind == PostKind.ANNOUNCEMENT:
                flash("Announced to the cohort, and pinned on the cohort home.", "success")
            else:
                audience = "the facilitators" if visibility == Visibility.FACILITATORS else "the cohort"
                flash(f"Shared with {audience}.", "success")
            return redirect(url_for(".thread", post_id=shared.post.id))
        return _share_page(form, 422)
    return _share_page(form, 422 if form.errors else 200)


@bp.get("/<int:post_id>")
@requires(Permission.TAKE_PART)
def thread(post_id: int):
    """The post and its whole thread of replies, loaded in a fixed number of queries."""
    post = get_post_or_404(post_id, *queries.THREAD_LOAD_OPTIONS)
    reader = queries.reader_state(g.membership, post)
    # Marked read before the page is drawn, so the bell already counts it; a failed render rolls it back.
    if reader.notified or reader.last_read is None or post.last_activity_at > reader.last_read:
        bookkeeping(lambda: ops.mark_read(g.membership, post, notified=reader.notified))
    kept = drafts.take()
    page = (
        render_thread_with_draft(post, kept, reader=reader, status=200)
        if kept is not None
        else render_thread(post, reader=reader)
    )
    db.session.commit()
    return page


@bp.get("/<int:post_id>/files/<token>")
@requires(Permission.TAKE_PART)
def attachment(post_id: int, token: str):
    """A file on the post or one of its replies, to those who may see what carries it; 404 otherwise."""
    post = get_post_or_404(post_id)
    attachment, _reply = get_attachment_or_404(post, token)
    return attachments.file_response(attachment)


@bp.post("/<int:post_id>/files/<token>/remove")
@requires(Permission.TAKE_PART)
def remove_attachment(post_id: int, token: str):
    """Take back a file one attached; back to where it was shown."""
    post = get_post_or_404(post_id)
    attachment, reply = get_attachment_or_404(post, token)
    name = attachment.name
    outcome = commit_or_explain(lambda: ops.remove_attachment(g.membership, attachment, post, reply))
    if outcome.ok:
        flash(f"“{name}” was removed.", "success")
    anchor = f"reply-{reply.id}" if reply else "post-title"
    return redirect(url_for(".thread", post_id=post_id, _anchor=anchor))


def render_thread(post, *, reader=None, reply_form=None, failed_parent_id=None, status=200):
    return (
        render_template(
            "posts/thread.html",
            thread=queries.load_thread(post, g.membership, reader),
            reply_form=reply_form or ReplyForm(formdata=None),
            failed_parent_id=failed_parent_id,
            values=queries.cohort_values(g.cohort.id),
            allowed_statuses=lambda post: {status.value for status in ops.ALLOWED_STATUS_CHANGES.get(post.status, ())},
        ),
        status,
    )


def render_thread_with_draft(post, draft, *, reader=None, status: int):
    """The thread with a reply that could not be sent back in its box: under the reply it answered,
    if that can still be answered, else under the post."""
    form = ReplyForm(formdata=draft)
    parent_id = form.parent_id.data if form.parent_id.validate(form) else None
    parent = queries.reply_in_thread(post, parent_id) if parent_id else None
    if parent is None or not policy.can_reply(g.membership, post, parent):
        parent_id = None
    form.body.errors = [REPLY_KEPT]
    return render_thread(post, reader=reader, reply_form=form, failed_parent_id=parent_id, status=status)


def _editable_post(post_id: int):
    post = get_post_or_404(post_id)
    if not policy.can_edit_post(g.membership, post):
        abort(403)
    return post


def _edit_page(post, form: PostForm, status: int):
    return render_template("posts/edit.html", form=form, post=post), status


def _edit_again(draft, post_id: int, status: int = 400):
    post = _editable_post(post_id)
    form = PostForm(formdata=draft)
    form.kind.data = post.kind.value
    flash(EDIT_KEPT, "error")
    return _edit_page(post, form, status)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@accepts_uploads(attachments.request_cap, fields=("files",))
@requires(Permission.TAKE_PART)
@keeps_draft("cohort.posts.edit", _edit_again, text=POST_TEXT)
def edit(post_id: int):
    """The author edits; an edit from a stale page is refused with the text kept."""
    kept = drafts.take()
    if kept is not None:
        return _edit_again(kept, post_id, status=200)
    post = _editable_post(post_id)
    form = PostForm(obj=post if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = post.kind.value
        form.visibility.data = post.visibility.value
        form.tags.data = ops.tag_names(post)
        form.version.data = post.version
        form.fill_results(post.results)
    form.kind.data = post.kind.value  # the kind is fixed once posted
    status = 200
    if form.validate_on_submit():
        outcome = commit_or_explain(
            lambda: ops.edit_post(
                g.membership,
                post,
                seen_version=form.version.data or 0,
                title=form.title.data.strip(),
                body=form.body.data,
                tags=form.tag_list(),
                visibility=Visibility(form.visibility.data),
                results=form.result_rows(),
                files=form.uploads(),
            ),
            "Your changes are saved.",
        )
        if outcome.ok:
            return redirect(url_for(".thread", post_id=post.id))
        db.session.refresh(post)
        # Offer the current version, so saving again (after a check) goes through.
        form.version.data, form.version.raw_data = post.version, None
        status = 409 if isinstance(outcome.refusal, ops.EditConflict) else 422
    elif form.errors:
        status = 422
    return _edit_page(post, form, status)


@bp.post("/<int:post_id>/pin")
@requires(Permission.ANNOUNCE)
def pin(post_id: int):
    """Pin an announcement on the cohort home again."""
    post = get_post_or_404(post_id)
    commit_or_explain(lambda: ops.pin_post(g.membership, post), "Pinned on the cohort home.")
    return redirect(url_for(".thread", post_id=post.id))


@bp.post("/<int:post_id>/unpin")
@requires(Permission.ANNOUNCE)
def unpin(post_id: int):
    """Take an announcement off the cohort home; it stays among the posts."""
    post = get_post_or_404(post_id)
    commit_or_explain(lambda: ops.unpin_post(g.membership, post), "Unpinned: it is no longer on the cohort home.")
    return redirect(url_for(".thread", post_id=post.id))


@bp.post("/<int:post_id>/delete")
@requires(Permission.TAKE_PART)
def delete(post_id: int):
    post = get_post_or_404(post_id)
    if commit_or_explain(lambda: ops.delete_post(g.membership, post), "The post has been deleted.").ok:
        return redirect(url_for(".index"))
    return redirect(url_for(".thread", post_id=post.id))

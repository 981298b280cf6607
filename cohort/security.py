"""Response headers, cookie flags, request limits and redirect checks that protect every page."""

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

# Nothing here uses the camera, microphone, location, payment or USB, nor should anything embedded.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site, so ``?next=`` can never send anyone elsewhere."""
    if not target:
        return False
    # Browsers, proxies and servers decode and fold URLs differently: whatever could be read as
    # another host, once decoded or not, is refused (``/%2F%2Fevil``, ``/\\evil``, CR LF, tabs).
    for form in (target, unquote(target)):
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return False
        if any(ord(char) < 32 or ord(char) == 127 for char in form):
            return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _secure_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Invitation and reset links carry tokens: never hand them to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.is_secure or _https_base(current_app.config):
        headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if request.endpoint != "static":
        # What a cohort says must not linger in shared or proxy caches.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _https_base(config) -> bool:
    return config["COHORT_BASE_URL"].startswith("https://")


def accepts_uploads(most_bytes: int | Callable[[], int], *, fields: tuple[str, ...]):
    """Let a view's form carry files, in the form fields named, up to ``most_bytes`` in all (past the
    text forms' cap), and no more: the body is still refused with 413 before it is read. A callable is
    asked at each request, for a cap that comes from the configuration."""

    def decorator(view):
        view.upload_bytes, view.upload_fields = most_bytes, fields
        return view

    return decorator


def _upload_cap():
    view = current_app.view_functions.get(request.endpoint)
    most = getattr(view, "upload_bytes", None)
    if callable(most):
        most = most()
    # Only a multipart body carries files: any other is read whole into memory, so keeps the text cap.
    # And only someone signed in may send one: a stranger's body is refused before it is read.
    if most is not None and request.mimetype == "multipart/form-data" and current_user.is_authenticated:
        # The files and the form's text fields beside them.
        request.max_content_length = most + current_app.config["COHORT_MAX_FORM_BYTES"]


def _refuse_misplaced_files():
    """A file only where a form takes one: sent in a text field, a form would read it as text."""
    view = current_app.view_functions.get(request.endpoint)
    if set(request.files) - set(getattr(view, "upload_fields", ())):
        abort(400)


def _refuse_nul_bytes():
    """No text anyone types contains a NUL byte, and PostgreSQL cannot store one: refuse it early.

    Reading the form here also applies the size cap (413) before any view or form sees the body.
    """
    values = [request.path]
    for pairs in (request.args, request.form, request.cookies):
        values.extend(text for pair in pairs.items(multi=True) for text in pair)
    values.extend(text for name, upload in request.files.items(multi=True) for text in (name, upload.filename or ""))
    values.extend(text for pair in request.headers.items() for text in pair)
    if any("\x00" in value for value in values):
        abort(400)


def _limit_requests(app: Flask) -> None:
    """Cookie flags and the body cap, decided once the configuration layers are all read."""
    secure = app.config["COHORT_SECURE_COOKIES"]
    if secure is None:
        secure = _https_base(app.config)
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    if secure:
        # The __Host- prefix makes browsers refuse these cookies unless Secure, for this host alone and
        # the whole site: no subdomain and no plain-HTTP page can set or plant one.
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["REMEMBER_COOKIE_NAME"] = "__Host-remember_token"
    # The whole body, and (for multipart forms) any one text field in it.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_FORM_MEMORY_SIZE"] = app.config["COHORT_MAX_FORM_BYTES"]


def init_app(app: Flask) -> None:
    _limit_requests(app)
    # First of all the request's checks: CSRF protection reads the body before any view.
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_cap)
    app.before_request(_refuse_nul_bytes)
    app.before_request(_refuse_misplaced_files)
    app.after_request(_secure_headers)

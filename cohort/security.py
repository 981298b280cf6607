"""Response headers and redirect checks that protect every page."""

from urllib.parse import urlsplit

from flask import Flask, abort, request

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


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site, so ``?next=`` can never send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 for char in target):
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
    if request.endpoint != "static":
        # What a cohort says must not linger in shared or proxy caches.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse_nul_bytes():
    """No text anyone types contains a NUL byte, and PostgreSQL cannot store one: refuse it early."""
    values = [request.path, *request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_bytes)
    app.after_request(_secure_headers)

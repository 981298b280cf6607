"""Configuration defaults, read from ``COHORT_*`` environment variables.

No secret lives here: the secret key comes from ``COHORT_SECRET_KEY`` or is
generated once into the instance folder (see ``cohort.create_app``).
"""

import os
from ipaddress import IPv4Network, IPv6Network, ip_network

from sqlalchemy.engine import make_url

# How long a new PostgreSQL connection may take before the request gives up with a 503: without it a
# server that never answers holds a worker until gunicorn kills it.
CONNECT_TIMEOUT_SECONDS = 5
# How long a PostgreSQL statement waits for a lock another transaction holds before the request gives
# up with a 503: without it a write queued behind a stuck transaction waits until gunicorn kills the
# worker (30 s) and the person gets an empty 500.
DEFAULT_LOCK_TIMEOUT_SECONDS = 10


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _forced_flag(name: str) -> bool | None:
    """A flag that forces a choice either way, or ``None`` when unset (decided from other settings)."""
    value = os.environ.get(name, "").strip()
    return _flag(name) if value else None


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, str(default)).strip()
    if not value.isdecimal():
        raise ValueError(f"{name} must be a whole number of 0 or more, not {value!r}")
    return int(value)


def _at_least_one(name: str, default: int) -> int:
    value = _whole_number(name, default)
    if value < 1:
        raise ValueError(f"{name} must be 1 or more")
    return value


def _networks(name: str) -> list[IPv4Network | IPv6Network]:
    entries = [entry.strip() for entry in os.environ.get(name, "").split(",") if entry.strip()]
    try:
        return [ip_network(entry, strict=False) for entry in entries]
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, choices[0]).strip().lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def from_environment(instance_path: str) -> dict:
    """Return the default configuration, with environment overrides applied."""
    mail_tls, mail_ssl = _flag("COHORT_MAIL_USE_TLS"), _flag("COHORT_MAIL_USE_SSL")
    if mail_tls and mail_ssl:
        raise ValueError("Set COHORT_MAIL_USE_TLS (STARTTLS) or COHORT_MAIL_USE_SSL (implicit TLS), not both")
    database_url = os.environ.get(
        "COHORT_DATABASE_URL",
        "sqlite:///" + os.path.join(instance_path, "cohort.sqlite"),
    )
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # 0: no lock timeout of the app's own (behind PgBouncer, which refuses startup options).
        "COHORT_DB_LOCK_TIMEOUT_SECONDS": _whole_number("COHORT_DB_LOCK_TIMEOUT_SECONDS", DEFAULT_LOCK_TIMEOUT_SECONDS),
        "SECRET_KEY": os.environ.get("COHORT_SECRET_KEY"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Unset: cookies are Secure exactly when COHORT_BASE_URL is https (see security.init_app).
        "COHORT_SECURE_COOKIES": _forced_flag("COHORT_SECURE_COOKIES"),
        # Bodies past this are refused with 413 before they are read (see security.init_app): text
        # forms need far less. Uploads will need their own cap, set per request before the form is read.
        "COHORT_MAX_FORM_BYTES": _whole_number("COHORT_MAX_FORM_BYTES", 1024 * 1024),
        # Each Markdown render is bounded (cohort/markdown.py); the renders of one request share this
        # many seconds, well below gunicorn's 30-second worker timeout.
        "COHORT_MARKDOWN_SECONDS_PER_REQUEST": _at_least_one("COHORT_MARKDOWN_SECONDS_PER_REQUEST", 10),
        # A sign-in ends after this long without a request, and this long after it began, whatever
        # happens; the session and remember-me cookies last no longer (cohort/auth/sign_ins.py).
        "COHORT_IDLE_TIMEOUT_HOURS": _at_least_one("COHORT_IDLE_TIMEOUT_HOURS", 12),
        "COHORT_ABSOLUTE_TIMEOUT_DAYS": _at_least_one("COHORT_ABSOLUTE_TIMEOUT_DAYS", 30),
        # Tokens last as long as the session, so a reply written slowly is not
        # refused for an expired form.
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("COHORT_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Requests for a reset link per address (Flask-Limiter, in RATELIMIT_STORAGE_URI).
        "COHORT_LOGIN_LIMIT": os.environ.get("COHORT_LOGIN_LIMIT", "10 per minute"),
        # Failed passwords allowed in a window of so many minutes, counted in the database (shared by every
        # worker and server): for one account from one address, for one account from anywhere, and (higher,
        # for an office behind one address) from one address to any account (cohort/auth/limits.py).
        "COHORT_SIGN_IN_PAIR_LIMIT": _at_least_one("COHORT_SIGN_IN_PAIR_LIMIT", 5),
        "COHORT_SIGN_IN_PAIR_MINUTES": _at_least_one("COHORT_SIGN_IN_PAIR_MINUTES", 15),
        "COHORT_SIGN_IN_ACCOUNT_LIMIT": _at_least_one("COHORT_SIGN_IN_ACCOUNT_LIMIT", 20),
        "COHORT_SIGN_IN_ACCOUNT_MINUTES": _at_least_one("COHORT_SIGN_IN_ACCOUNT_MINUTES", 60),
        "COHORT_SIGN_IN_ADDRESS_LIMIT": _at_least_one("COHORT_SIGN_IN_ADDRESS_LIMIT", 100),
        "COHORT_SIGN_IN_ADDRESS_MINUTES": _at_least_one("COHORT_SIGN_IN_ADDRESS_MINUTES", 60),
        # Who must turn on two-factor sign-in before using the site: facilitators, admins, both, or none
        # (the default: they are only asked). A comma list, checked by cohort.auth.init_app.
        "COHORT_REQUIRE_2FA_FOR": os.environ.get("COHORT_REQUIRE_2FA_FOR", ""),
        "COHORT_PROXY_HOPS": _whole_number("COHORT_PROXY_HOPS", 0),
        # Only these hosts are answered (a page for another host would link there).
        "TRUSTED_HOSTS": [
            host.strip() for host in os.environ.get("COHORT_TRUSTED_HOSTS", "").split(",") if host.strip()
        ]
        or None,
        # Links in mail are built from this address, never from a request's Host header.
        "COHORT_BASE_URL": os.environ.get("COHORT_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "COHORT_MAIL_FROM": os.environ.get("COHORT_MAIL_FROM", "Cohort <cohort@localhost>"),
        # No server (the default): mail waits in the outbox, where `flask --app cohort show-mail` reads it.
        "COHORT_MAIL_SERVER": os.environ.get("COHORT_MAIL_SERVER", "").strip(),
        "COHORT_MAIL_PORT": _whole_number("COHORT_MAIL_PORT", 465 if mail_ssl else 587 if mail_tls else 25),
        "COHORT_MAIL_USERNAME": os.environ.get("COHORT_MAIL_USERNAME", ""),
        "COHORT_MAIL_PASSWORD": os.environ.get("COHORT_MAIL_PASSWORD", ""),
        "COHORT_MAIL_USE_TLS": mail_tls,
        "COHORT_MAIL_USE_SSL": mail_ssl,
        "COHORT_PASSWORD_RESET_MAX_AGE": 60 * 60,
        "COHORT_CONFIRMATION_MAX_AGE": 7 * 24 * 60 * 60,
        "COHORT_INVITATION_DAYS": 14,
        # /metrics answers a scraper with this bearer token, or from these networks (comma-separated
        # addresses or CIDR ranges); anyone else gets 404 (cohort/monitoring/).
        "COHORT_METRICS_TOKEN": os.environ.get("COHORT_METRICS_TOKEN", ""),
        "COHORT_METRICS_NETWORKS": _networks("COHORT_METRICS_NETWORKS"),
        # Where uploaded files are kept: empty for instance/uploads, file:/path, or s3://bucket/prefix
        # (?endpoint=…&region=… for an S3-compatible service other than AWS): cohort/uploads/storage.py.
        "COHORT_STORAGE_URL": os.environ.get("COHORT_STORAGE_URL", "").strip(),
        # Each file attached to a post or reply may be this large; a deleted post's files are kept
        # this many days before `flask --app cohort purge-uploads` removes them.
        "COHORT_UPLOAD_MAX_MB": _at_least_one("COHORT_UPLOAD_MAX_MB", 20),
        "COHORT_UPLOAD_KEEP_DAYS": _whole_number("COHORT_UPLOAD_KEEP_DAYS", 30),
        # One line per request: "text" (key=value) or "json".
        "COHORT_LOG_FORMAT": _choice("COHORT_LOG_FORMAT", ("text", "json")),
    }


def bound_connection_attempts(settings: dict) -> None:
    """Give PostgreSQL connections a connect timeout and a lock timeout, unless the URL, the engine
    options (or ``PGOPTIONS``, for the lock timeout) set them."""
    url = make_url(settings["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return
    # Copied, not changed in place: the options may be a dict the caller shares.
    options = dict(settings.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args", {}))
    if "connect_timeout" not in url.query:
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    lock_timeout = settings.get("COHORT_DB_LOCK_TIMEOUT_SECONDS", DEFAULT_LOCK_TIMEOUT_SECONDS)
    # The server options a connection gets: the engine's replace the URL's, and either replaces PGOPTIONS.
    server_options = connect_args.get("options", url.query.get("options", os.environ.get("PGOPTIONS", "")))
    if isinstance(server_options, tuple):  # the option given more than once in the URL
        server_options = " ".join(server_options)
    if lock_timeout and "lock_timeout" not in server_options:
        connect_args["options"] = f"{server_options} -c lock_timeout={round(lock_timeout * 1000)}".lstrip()
    options["connect_args"] = connect_args
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = options

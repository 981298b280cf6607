"""Cohort: a private platform for facilitated peer cohorts of chief executives."""

import logging
import os
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, config, errors, monitoring, security, templating
from .access import check_declarations, cohort_bp
from .admin import bp as admin_bp
from .audit import bp as audit_bp
from .auth import bp as auth_bp
from .auth import init_app as init_sign_ins
from .cohorts import bp as cohorts_bp
from .extensions import csrf, db, limiter, login_manager, migrate
from .forms import DatabaseIdConverter
from .home import bp as home_bp
from .meetings import bp as meetings_bp
from .meetings import feed_bp, participation_bp
from .moderation import bp as moderation_bp
from .notifications import bp as notifications_bp
from .notifications import follow_bp
from .notifications import init_app as init_notifications
from .posts import bp as posts_bp
from .posts import loop_bp, replies_bp
from .recognition import bp as recognition_bp
from .uploads import storage

# Cohort features hang off the cohort blueprint, so its access checks run before
# every one of their views. Done once, at import, as a blueprint is registered once.
for feature_bp in (
    cohorts_bp,
    posts_bp,
    replies_bp,
    loop_bp,
    recognition_bp,
    moderation_bp,
    meetings_bp,
    participation_bp,
    follow_bp,
    audit_bp,
):
    cohort_bp.register_blueprint(feature_bp)

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults from the environment, then ``instance/config.py``, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseIdConverter
    os.makedirs(app.instance_path, exist_ok=True)

    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    config.bound_connection_attempts(app.config)

    if not app.logger.level:
        # What the mail and the worker do is logged at INFO (ids and kinds only): keep it visible.
        app.logger.setLevel(logging.INFO)

    if app.config["COHORT_PROXY_HOPS"]:
        hops = app.config["COHORT_PROXY_HOPS"]
        # The forwarded host is not trusted: mailed links must not follow a forged header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    login_manager.init_app(app)
    init_sign_ins(app)
    csrf.init_app(app)
    limiter.init_app(app)

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(feed_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(cohort_bp)
    check_declarations(app)

    monitoring.init_app(app)
    security.init_app(app)
    storage.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    init_notifications(app)
    cli.init_app(app)
    return app


def _instance_secret_key(instance_path: str) -> str:
    """Read the secret key generated on first start, creating it if this is the first start."""
    path = os.path.join(instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as existing:
            return existing.read().strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as created:
        created.write(key)
    return key

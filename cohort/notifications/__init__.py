"""Notifications: the bell, /notifications, following threads, how each kind arrives, and its mail."""

from . import letters  # noqa: F401 (registers the composer of each kind of notification mail)
from .views import bp, follow_bp, init_app

__all__ = ["bp", "follow_bp", "init_app"]

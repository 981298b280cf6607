"""Notifications: the bell, /notifications, following threads, how each kind arrives, and its mail."""

from . import due, letters  # noqa: F401 (they register what is due by time and the composer of each kind)
from .views import bp, follow_bp, init_app

__all__ = ["bp", "follow_bp", "init_app"]

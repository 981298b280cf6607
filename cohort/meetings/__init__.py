"""Monthly sessions: scheduling, answering, agenda, notes, feedback and calendars."""

from . import letters  # noqa: F401 (session mail carries its calendar)
from .feed import bp as feed_bp
from .participation import bp as participation_bp
from .views import bp

__all__ = ["bp", "feed_bp", "participation_bp"]

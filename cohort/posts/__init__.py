"""Stories, challenges and threaded advice."""

from .loop import bp as loop_bp
from .replies import bp as replies_bp
from .views import bp

__all__ = ["bp", "loop_bp", "replies_bp"]

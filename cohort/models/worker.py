"""When each background worker last finished a run: read by /metrics, so a stalled worker is seen."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class WorkerHeartbeat(db.Model):
    # One row per kind of worker (``mail``): several workers of a kind share it, and any of them
    # finishing a run shows the kind is alive.
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)

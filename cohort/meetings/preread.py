"""The session pre-read's shape: plain values copied out of the rows (``queries.pre_read`` reads
them), so a page renders them and so can a mail sent once the transaction that read them has
closed. Names are as the policy shows them to the one reader; HTML is the stored, sanitised text."""

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup


@dataclass(frozen=True)
class Figure:
    """A measured result: before → after."""

    measure: str
    unit: str
    baseline: float
    result: float
    period: str

    @property
    def change(self) -> float:
        return self.result - self.baseline

    @property
    def relative_change(self) -> float | None:
        return None if self.baseline == 0 else self.change / abs(self.baseline)


@dataclass(frozen=True)
class Advice:
    """A reply the challenge's author marked helpful."""

    author: str
    body_html: Markup


@dataclass(frozen=True)
class BroughtChallenge:
    """What was asked, the advice marked helpful so far, and what its author will try (if said)."""

    title: str
    body_html: Markup
    author: str
    status: str
    url: str
    helpful: tuple[Advice, ...]
    commitment_html: Markup


@dataclass(frozen=True)
class PreReadItem:
    """An accepted agenda item; ``challenge`` only when it brings one this reader may read (else its
    title stands in for it and nobody is named)."""

    title: str
    brought_by: str | None
    challenge: BroughtChallenge | None


@dataclass(frozen=True)
class Outcome:
    """What happened next on a challenge, with its measured results."""

    title: str
    author: str
    url: str
    outcome_html: Markup
    recorded_at: datetime
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class PreRead:
    """What one reader should read before a session (``pre_read``)."""

    cohort_name: str
    meeting_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    video_url: str
    agenda_html: Markup
    cancelled: bool
    url: str
    items: tuple[PreReadItem, ...]
    # Outcomes recorded after ``outcomes_since`` (the previous session's start, or the cohort's own,
    # when ``previous_session`` is None) and before this session began.
    outcomes_since: datetime
    previous_session: str | None
    outcomes: tuple[Outcome, ...]

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

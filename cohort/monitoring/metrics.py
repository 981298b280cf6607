"""The figures Cohort keeps about itself, and the ones read from the database when scraped."""

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from ..extensions import db
from ..models import MessageStatus, OutboxMessage, WorkerHeartbeat, utcnow

REQUESTS = Counter(
    "cohort_http_requests", "Requests answered, by endpoint, method and status.", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "cohort_http_request_duration_seconds",
    "Time to answer a request, by endpoint and status (a fast 404 is not a fast page).",
    ["endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
STATEMENTS = Histogram(
    "cohort_sql_statements_per_request",
    "SQL statements run to answer a request, by endpoint.",
    ["endpoint"],
    buckets=(1, 2, 5, 10, 15, 20, 30, 50, 100, 250),
)

UNSENT = (MessageStatus.QUEUED, MessageStatus.SENDING)


class DatabaseFigures:
    """Outbox depth, the age of its oldest unsent message and each worker's last run, read at scrape time
    (so every app server reports the same, shared state)."""

    def collect(self):
        now = utcnow()
        depth, oldest = db.session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(UNSENT))
        ).one()
        yield GaugeMetricFamily("cohort_outbox_unsent_messages", "Messages waiting in the outbox.", value=depth)
        age = GaugeMetricFamily(
            "cohort_outbox_oldest_unsent_age_seconds", "How long the oldest unsent message has waited (0 when none)."
        )
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0)
        yield age
        beats = GaugeMetricFamily(
            "cohort_worker_last_run_timestamp_seconds",
            "When each kind of worker last finished a run.",
            labels=["worker"],
        )
        for name, beat_at in db.session.execute(select(WorkerHeartbeat.name, WorkerHeartbeat.beat_at)):
            beats.add_metric([name], beat_at.timestamp())
        yield beats
        db.session.rollback()


def exposition() -> bytes:
    """Every figure in Prometheus' text format: this process's, or every worker's under gunicorn."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (REQUESTS, LATENCY, STATEMENTS):
            registry.register(metric)
    registry.register(DatabaseFigures())
    return generate_latest(registry)

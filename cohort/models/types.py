"""Column types shared by the models."""

from datetime import UTC, datetime

from markupsafe import Markup
from sqlalchemy import DateTime, Enum
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always gives back an aware UTC datetime, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store times in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def string_enum(enum_class, name: str) -> Enum:
    """An enum stored as its lower-case value in a VARCHAR, the same on every database."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class sql_utcnow(FunctionElement):  # noqa: N801 (reads as the SQL function it compiles to)
    """The database's current UTC time, comparable with ``UTCDateTime`` columns on both databases."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(sql_utcnow, "postgresql")
def _now_postgresql(_element, _compiler, **_kw):
    return "now()"


@compiles(sql_utcnow, "sqlite")
def _now_sqlite(_element, _compiler, **_kw):
    # The same text form UTCDateTime stores on SQLite (naive UTC, microseconds), so it compares as a time.
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


def stored_html(html: str) -> Markup:
    """HTML a model stores from ``render_markdown``: sanitised by nh3 when it was saved, so safe to print."""
    return Markup(html)  # noqa: S704 (sanitised on save; the one place stored HTML is trusted)

"""INSERT … ON CONFLICT for SQLite and PostgreSQL alike: writes that stay correct when two
requests make the same row at the same moment."""

from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_or_ignore(model, values: dict, conflict: list[str]) -> bool:
    """Insert a row unless one with the same ``conflict`` columns exists; True if inserted."""
    statement = (
        _insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(*model.__table__.primary_key.columns)
    )
    # RETURNING gives a row only when one was inserted (rowcount is not reliable for ORM inserts).
    return db.session.execute(statement).first() is not None


def upsert(model, values: dict, conflict: list[str], update: dict) -> None:
    """Insert a row, or update ``update`` on the existing row with the same ``conflict`` columns."""
    statement = _insert(model).values(**values).on_conflict_do_update(index_elements=conflict, set_=update)
    db.session.execute(statement)

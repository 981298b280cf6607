"""INSERT … ON CONFLICT for SQLite and PostgreSQL alike: writes that stay correct when two
requests make the same row at the same moment."""

from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _insert_new_row(model, values: dict, conflict: list[str]):
    """The primary key of the row inserted, or None if one with the same ``conflict`` columns existed.

    On PostgreSQL, a transaction inserting the same row at the same moment is waited for: if it
    commits, this inserts nothing; so two requests racing make one row."""
    statement = (
        _insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(*model.__table__.primary_key.columns)
    )
    # RETURNING gives a row only when one was inserted (rowcount is not reliable for ORM inserts).
    return db.session.execute(statement).first()


def insert_or_ignore(model, values: dict, conflict: list[str]) -> bool:
    """Insert a row unless one with the same ``conflict`` columns exists; True if inserted."""
    return _insert_new_row(model, values, conflict) is not None


def insert_returning_id(model, values: dict, conflict: list[str]) -> int | None:
    """Insert a row unless one with the same ``conflict`` columns exists: the new row's ``id``, or None."""
    inserted = _insert_new_row(model, values, conflict)
    return None if inserted is None else inserted.id


def upsert(model, values: dict, conflict: list[str], update: dict, where=None) -> bool:
    """Insert a row, or update ``update`` on the existing row with the same ``conflict`` columns (only
    if it meets ``where``, when given). True if a row was inserted or updated."""
    statement = (
        _insert(model)
        .values(**values)
        .on_conflict_do_update(index_elements=conflict, set_=update, where=where)
        .returning(*model.__table__.primary_key.columns)
    )
    return db.session.execute(statement).first() is not None

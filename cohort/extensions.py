"""Every Flask extension, created once and initialised in ``create_app``."""

import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from . import sqlite_writers

# Stable constraint names, so migrations can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, record):
    """WAL lets readers work beside a writer; foreign keys are off by default in SQLite. The busy
    timeout is the driver's (5 s unless ``connect_args={"timeout": …}`` says otherwise). Writers
    queue for their turn (``sqlite_writers``)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        sqlite_writers.attach(dbapi_connection, record)


@event.listens_for(Engine, "handle_error")
def _drop_read_only_connections(context):
    """A SQLite connection opened while the file was read-only stays read-only: treat the error as a
    disconnect, so the pool is refreshed and the app recovers once the file is writable again."""
    original = context.original_exception
    if isinstance(original, sqlite3.Error) and getattr(original, "sqlite_errorname", "") == "SQLITE_READONLY":
        context.is_disconnect = True

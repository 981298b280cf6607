"""The committed migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cohort.extensions import db
from cohort.posts import ops as post_ops

from . import factories


def _not_search_index(name, type_, parent_names):
    # Built by hand per database in migration 0002; not described by the models.
    return not (type_ == "table" and name and name.startswith("post_search"))


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": _not_search_index})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_form_key_migration_keeps_every_reply_both_ways_on_sqlite(make_app, tmp_path):
    """SQLite alters a table by rebuilding it, and dropping the old post table with foreign keys on
    deletes every reply, tag and result: migration 0005 alters the table in place instead."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    with app.app_context():
        upgrade()
        cohort = factories.make_cohort()
        author = factories.make_member(cohort)
        post = factories.make_post(cohort, author.user, tags=["outpatients"])
        post_ops.add_reply(author, post, "What we tried next.")
        db.session.commit()
        replies_and_tags = "SELECT (SELECT count(*) FROM reply), (SELECT count(*) FROM post_tag)"
        for step in (downgrade, upgrade):
            step()
            assert tuple(db.session.execute(text(replies_and_tags)).one()) == (1, 1), step.__name__
        db.engine.dispose()


def test_the_handles_migration_gives_every_existing_account_its_own_handle(make_app, tmp_path):
    """Accounts made before handles existed get one from their name (the oldest keeps the plain one),
    their memberships survive, and the column is then required and unique."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'handles.sqlite'}")
    with app.app_context():
        upgrade(revision="12fd6d8e223d")
        names = ["Sarah O'Neill", "Sarah O’Neill", "Zoë Ødegård", "李小龙", "Владимир", "Sarah O'Neill"]
        for number, name in enumerate(names):
            db.session.execute(
                text(
                    "INSERT INTO user (email, name, organisation, job_title, bio, timezone, password_hash, is_admin,"
                    " login_token, calendar_token, created_at) VALUES (:email, :name, '', '', '', 'UTC', 'x', 0,"
                    " :login, :calendar, '2026-01-01 00:00:00')"
                ),
                {"email": f"p{number}@x.example", "name": name, "login": f"l{number}", "calendar": f"c{number}"},
            )
        db.session.execute(
            text(
                "INSERT INTO cohort (slug, name, description, charter, charter_html, timezone,"
                " created_at) VALUES ('c', 'C', '', '', '', 'UTC', '2026-01-01 00:00:00')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO membership (cohort_id, user_id, role, joined_at) SELECT 1, id, 'member',"
                " '2026-01-01 00:00:00' FROM user"
            )
        )
        db.session.commit()
        upgrade()
        handles = db.session.execute(text("SELECT handle FROM user ORDER BY id")).scalars().all()
        assert handles == ["sarah-oneill", "sarah-oneill-2", "zoe-odegard", "member", "member-2", "sarah-oneill-3"]
        assert db.session.execute(text("SELECT count(*) FROM membership")).scalar() == len(names)
        for duplicate in ("NULL", "'zoe-odegard'"):
            with pytest.raises(IntegrityError):
                db.session.execute(text(f"UPDATE user SET handle = {duplicate} WHERE handle = 'member'"))
            db.session.rollback()
        downgrade(revision="12fd6d8e223d")
        assert db.session.execute(text("SELECT count(*) FROM membership")).scalar() == len(names)
        db.engine.dispose()

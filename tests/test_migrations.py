"""The committed migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

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

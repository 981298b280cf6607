"""The committed migrations build exactly the schema the models describe."""

import pyotp
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from cohort.auth import ops as auth_ops
from cohort.auth import two_factor
from cohort.extensions import db
from cohort.models import User
from cohort.policy import Refused
from cohort.posts import ops as post_ops
from cohort.posts import queries as post_queries
from cohort.uploads.attachments import Upload

from . import factories

BEFORE_POST_MIGRATIONS = "0004_status_follows_agenda"  # before 0005, 0008 and 0009 alter the post table
BEFORE_ANNOUNCEMENTS = "0008_challenge_loop_times"  # the revision 0009 follows


def _not_search_index(name, type_, parent_names):
    # Built by hand per database in migration 0002; not described by the models.
    return not (type_ == "table" and name and name.startswith("post_search"))


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": _not_search_index})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_post_migrations_keep_every_reply_both_ways_on_sqlite(make_app, tmp_path):
    """SQLite alters a table by rebuilding it, and dropping the old post table with foreign keys on
    deletes every reply, tag and result: migrations 0005 (form keys), 0008 (loop times) and 0009 (pinned
    announcements) alter the table in place instead."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    with app.app_context():
        upgrade()
        cohort = factories.make_cohort()
        author = factories.make_member(cohort)
        post = factories.make_post(cohort, author.user, tags=["outpatients"])
        post_ops.add_reply(author, post, "What we tried next.")
        db.session.commit()
        replies_and_tags = "SELECT (SELECT count(*) FROM reply), (SELECT count(*) FROM post_tag)"
        for step in (lambda: downgrade(revision=BEFORE_POST_MIGRATIONS), upgrade):
            step()
            assert tuple(db.session.execute(text(replies_and_tags)).one()) == (1, 1), step
        db.engine.dispose()


def test_the_loop_times_migration_backfills_from_the_last_activity_and_keeps_replies(make_app, tmp_path):
    """Challenges committed to or resolved before migration 0008 take their last activity as the
    time: the latest either could have happened."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    with app.app_context():
        upgrade()
        cohort = factories.make_cohort()
        author = factories.make_member(cohort)
        trying, resolved, untouched = (
            factories.make_post(cohort, author.user, kind=factories.PostKind.CHALLENGE) for _ in range(3)
        )
        post_ops.record_commitment(author, trying, "Weekly reviews.")
        post_ops.record_outcome(author, resolved, "It worked.", [])
        post_ops.add_reply(author, untouched, "Still thinking.")
        db.session.commit()
        db.session.execute(text("UPDATE post SET last_activity_at = '2026-03-01 09:30:00.000000'"))
        db.session.commit()
        downgrade(revision="0007_notifications")
        upgrade()
        rows = dict(
            (post_id, (committed, outcome))
            for post_id, committed, outcome in db.session.execute(
                text("SELECT id, committed_at, outcome_at FROM post")
            ).all()
        )
        assert rows == {
            trying.id: ("2026-03-01 09:30:00.000000", None),
            resolved.id: (None, "2026-03-01 09:30:00.000000"),
            untouched.id: (None, None),
        }
        assert db.session.execute(text("SELECT count(*) FROM reply")).scalar_one() == 1
        db.engine.dispose()


def test_announcements_become_stories_for_the_code_before_them(make_app, tmp_path):
    """Code that knows no announcements could not read one: going down, each becomes a story, and
    nothing else changes."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    with app.app_context():
        upgrade()
        cohort = factories.make_cohort()
        facilitator = factories.make_member(cohort, role=factories.Role.FACILITATOR)
        announcement = factories.make_post(cohort, facilitator.user, kind=factories.PostKind.ANNOUNCEMENT)
        challenge = factories.make_post(cohort, facilitator.user, kind=factories.PostKind.CHALLENGE)
        post_ops.add_reply(facilitator, announcement, "A question.")
        db.session.commit()
        ids = announcement.id, challenge.id
        db.session.close()  # the models now describe a column the downgrade takes away
        downgrade(revision=BEFORE_ANNOUNCEMENTS)
        kinds = dict(db.session.execute(text("SELECT id, kind FROM post")).all())
        assert kinds == {ids[0]: "story", ids[1]: "challenge"}
        assert db.session.execute(text("SELECT count(*) FROM reply")).scalar_one() == 1
        upgrade()
        db.engine.dispose()


def test_the_handles_migration_gives_every_existing_account_its_own_handle(make_app, tmp_path):
    """Accounts made before handles existed get one from their name (the oldest keeps the plain one),
    their memberships survive, and the column is then required and unique."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'handles.sqlite'}")
    with app.app_context():
        upgrade(revision="0009_announcements")
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
        downgrade(revision="0009_announcements")
        assert db.session.execute(text("SELECT count(*) FROM membership")).scalar() == len(names)
        db.engine.dispose()


def test_the_former_handles_migration_keeps_every_account_and_holds_handles_left_from_then_on(make_app, tmp_path):
    """Accounts made before it keep their handles and memberships; a handle left after it stays its
    holder's, once only; going down drops only the record of left handles."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'former.sqlite'}")
    with app.app_context():
        upgrade(revision="0012_session_follows")
        cohort_id = factories.make_cohort().id
        # Written in SQL, with handles given: today's models know columns of later migrations, and
        # making a handle looks at the table this migration adds.
        ids = []
        for name in ("Alice", "Bob"):
            ids.append(
                db.session.execute(
                    text(
                        "INSERT INTO user (email, name, handle, organisation, job_title, bio, timezone,"
                        " password_hash, is_admin, login_token, calendar_token, created_at, email_confirmed_at)"
                        " VALUES (:email, :name, :handle, '', '', '', 'UTC', 'x', false, :login, :calendar,"
                        " '2026-01-01 00:00:00', '2026-01-01 00:00:00') RETURNING id"
                    ),
                    {
                        "email": f"{name}@x.example",
                        "name": name,
                        "handle": name.lower(),
                        "login": f"l{name}",
                        "calendar": f"c{name}",
                    },
                ).scalar_one()
            )
        db.session.execute(
            text(
                "INSERT INTO membership (cohort_id, user_id, role, joined_at)"
                " SELECT :cohort, id, 'member', '2026-01-01 00:00:00' FROM user"
            ),
            {"cohort": cohort_id},
        )
        db.session.commit()
        alice_id, bob_id = ids
        db.session.close()
        upgrade()
        accounts = "SELECT id, handle FROM user ORDER BY id"
        assert db.session.execute(text(accounts)).all() == [(alice_id, "alice"), (bob_id, "bob")]
        assert db.session.execute(text("SELECT count(*) FROM former_handle")).scalar_one() == 0
        auth_ops.change_handle(db.session.get(User, alice_id), "ally")
        db.session.commit()
        with pytest.raises(Refused):
            auth_ops.change_handle(db.session.get(User, bob_id), "alice")
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("INSERT INTO former_handle (handle, user_id, released_at) VALUES ('alice', :bob, '2026-01-01')"),
                {"bob": bob_id},
            )
        db.session.rollback()
        db.session.close()
        downgrade(revision="0012_session_follows")
        assert db.session.execute(text(accounts)).all() == [(alice_id, "ally"), (bob_id, "bob")]
        assert db.session.execute(text("SELECT count(*) FROM membership")).scalar_one() == 2
        upgrade()
        db.engine.dispose()


def test_the_two_factor_migration_adds_two_tables_and_goes_down_keeping_every_account(app):
    """Run on the suite's own database, SQLite or PostgreSQL: 0019 alters no table, so going down
    drops only its two (whoever had it on signs in with the password alone) and keeps every account
    and membership; coming up again, both tables are back, empty, and take a new secret."""
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        secret = two_factor.begin(member.user)
        two_factor.confirm(member.user, factories.TEST_PASSWORD, pyotp.TOTP(secret).now(), keep="")
        db.session.commit()
        user_id = member.user_id
        rows = "SELECT (SELECT count(*) FROM membership), (SELECT count(*) FROM recovery_code)"
        assert tuple(db.session.execute(text(rows)).one()) == (1, 10)
        db.session.close()
        downgrade(revision="0018_suspended_accounts")
        assert {"two_factor", "recovery_code"} & set(inspect(db.engine).get_table_names()) == set()
        assert db.session.execute(text("SELECT count(*) FROM membership")).scalar_one() == 1
        db.session.close()
        upgrade()
        assert tuple(db.session.execute(text(rows)).one()) == (1, 0)
        user = db.session.get(User, user_id)
        assert not two_factor.is_on(user)
        two_factor.begin(user)
        db.session.commit()
        db.engine.dispose()


def test_the_lists_migration_counts_the_advice_already_given_and_keeps_the_search_index(app):
    """Run on the suite's own database, SQLite or PostgreSQL: going down to 0020 and up again keeps
    every post, reply and search row, counts each post's advice from its replies (others', not
    deleted; shown and hidden apart), and search still finds the posts, in their own cohort only."""
    with app.app_context():
        cohort, elsewhere = factories.make_cohort(), factories.make_cohort()
        author, advisor = factories.make_member(cohort), factories.make_member(cohort)
        post = factories.make_post(cohort, author.user, title="Quillwort clinic")
        factories.make_post(elsewhere, factories.make_member(elsewhere).user, title="Quillwort elsewhere")
        post_ops.add_reply(author, post, "Our own note")
        for text_ in ("Shown advice", "Hidden advice", "Deleted advice"):
            post_ops.add_reply(advisor, post, text_)
        db.session.commit()
        post_id, author_id, cohort_id = post.id, author.user_id, cohort.id
        db.session.execute(text("UPDATE reply SET hidden_at = created_at WHERE body = 'Hidden advice'"))
        db.session.execute(text("UPDATE reply SET deleted_at = created_at WHERE body = 'Deleted advice'"))
        db.session.commit()
        rows = "SELECT (SELECT count(*) FROM post), (SELECT count(*) FROM reply), (SELECT count(*) FROM post_search)"
        assert tuple(db.session.execute(text(rows)).one()) == (2, 4, 2)
        db.session.close()
        downgrade(revision="0020_worker_heartbeat")
        assert tuple(db.session.execute(text(rows)).one()) == (2, 4, 2)
        db.session.close()
        upgrade()
        assert tuple(db.session.execute(text(rows)).one()) == (2, 4, 2)
        counts = "SELECT advice_count, hidden_advice_count FROM post WHERE id = :id"
        assert tuple(db.session.execute(text(counts), {"id": post_id}).one()) == (1, 1)
        found, _more = post_queries.search(factories.member_of(db.session.get(User, author_id), cohort_id), "quillwort")
        assert [post.title for post, _snippet, _name in found] == ["Quillwort clinic"]
        db.session.close()  # gives its connection back before the pool is emptied
        db.engine.dispose()


def test_the_search_advice_migration_splits_each_post_from_its_advice_both_ways(app):
    """Run on the suite's own database: going down to 0022 joins the post's text and its shown advice
    in one column, as before; going up again parts them, hidden and deleted advice left out, and
    search finds a post by its title, its text and its advice, in its own cohort only."""
    with app.app_context():
        cohort, elsewhere = factories.make_cohort(), factories.make_cohort()
        author, advisor = factories.make_member(cohort), factories.make_member(cohort)
        post = factories.make_post(cohort, author.user, title="Quillwort clinic", body="Fewer *missed* appointments.")
        factories.make_post(elsewhere, factories.make_member(elsewhere).user, title="Quillwort elsewhere")
        for text_ in ("Try text reminders", "Hidden advice", "Deleted advice"):
            post_ops.add_reply(advisor, post, text_)
        db.session.commit()
        post_id, author_id, cohort_id = post.id, author.user_id, cohort.id
        db.session.execute(text("UPDATE reply SET hidden_at = created_at WHERE body = 'Hidden advice'"))
        db.session.execute(text("UPDATE reply SET deleted_at = created_at WHERE body = 'Deleted advice'"))
        db.session.commit()
        key = "post_id" if db.engine.dialect.name == "postgresql" else "rowid"
        db.session.close()
        downgrade(revision="0022_recovery_code_hashes")
        one_column = text(f"SELECT content FROM post_search WHERE {key} = :id")  # noqa: S608 (a constant key)
        assert db.session.scalar(one_column, {"id": post_id}) == "Fewer missed appointments.\nTry text reminders"
        db.session.close()
        upgrade()
        two_columns = text(f"SELECT content, advice FROM post_search WHERE {key} = :id")  # noqa: S608
        row = db.session.execute(two_columns, {"id": post_id}).one()
        assert tuple(row) == ("Fewer missed appointments.", "Try text reminders")
        viewer = factories.member_of(db.session.get(User, author_id), cohort_id)
        for word in ("quillwort", "missed", "reminders"):
            found, _more = post_queries.search(viewer, word)
            assert [post.title for post, _snippet, _name in found] == ["Quillwort clinic"], word
        for word in ("hidden", "deleted"):
            assert post_queries.search(viewer, word) == ([], False), word
        db.session.close()  # gives its connection back before the pool is emptied
        db.engine.dispose()


def test_the_profiles_migration_adds_the_country_in_place_and_goes_down_keeping_every_membership(app):
    """Going down drops only the country and photo columns, in place: rebuilding the user table on SQLite with foreign
    keys on would take every membership with it."""
    with app.app_context():
        member = factories.make_member(factories.make_cohort(), factories.make_user(country="NO"))
        db.session.commit()
        user_id = member.user_id
        db.session.close()
        downgrade(revision="0023_search_advice_column")
        columns = {column["name"] for column in inspect(db.engine).get_columns("user")}
        assert not columns & {"country", "photo_token"}
        assert db.session.execute(text("SELECT count(*) FROM membership")).scalar_one() == 1
        db.session.close()
        upgrade()
        assert db.session.get(User, user_id).country == ""
        assert db.session.execute(text("SELECT count(*) FROM membership")).scalar_one() == 1
        db.session.close()  # gives its connection back before the pool is emptied
        db.engine.dispose()


def test_the_attachments_migration_adds_one_table_and_goes_down_keeping_every_reply(app):
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, member.user)
        post_ops.add_reply(member, post, "With a file.", files=[Upload("a.pdf", factories.PDF)])
        db.session.commit()
        db.session.close()
        downgrade(revision="0024_profiles")
        assert "attachment" not in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT count(*) FROM reply")).scalar_one() == 1
        db.session.close()
        upgrade()
        assert db.session.execute(text("SELECT count(*) FROM attachment")).scalar_one() == 0
        assert db.session.execute(text("SELECT count(*) FROM reply")).scalar_one() == 1
        db.session.close()  # gives its connection back before the pool is emptied
        db.engine.dispose()

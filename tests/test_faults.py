"""The database locked past its busy timeout: 503 with Retry-After and the site's page, nothing
written; a thread still reads; the same write succeeds once the lock is released."""

import sqlite3

import pytest
from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import Post, PostKind, Visibility

from . import factories

pytestmark = pytest.mark.sqlite


def test_locked_database_answers_503_and_thread_still_reads(make_app, migrated_database):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"timeout": 0.2}})
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, member.user)
        db.session.commit()
        slug, email, post_id = cohort.slug, member.user.email, post.id if post else None
    client = app.test_client()
    client.login(email)
    token = client.csrf_token()
    holder = sqlite3.connect(migrated_database.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        healthz = client.get("/healthz")
        assert healthz.status_code == 503
        form = {
            "kind": PostKind.STORY.value,
            "title": "Locked out",
            "body": "Words",
            "visibility": list(Visibility)[0].value,
            "csrf_token": token,
        }
        response = client.post(f"/c/{slug}/posts/new", data=form)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "Cohort is unavailable" in response.text
        if post_id:
            assert client.get(f"/c/{slug}/posts/{post_id}").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post).where(Post.title == "Locked out")) == 0
    assert client.get("/healthz").status_code == 200

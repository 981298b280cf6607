"""The app factory, configuration layers, security headers, health check and error pages."""

import inspect
import re
from xml.etree import ElementTree

import pytest
from flask import abort

from cohort import config, create_app
from cohort.extensions import db

from . import factories
from .live import ROOT


def test_instance_config_overrides_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COHORT_SECRET_KEY", "from the environment")
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == "from the environment"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COHORT_SECRET_KEY", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    first = create_app({"TESTING": True}).config["SECRET_KEY"]
    second = create_app({"TESTING": True}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COHORT_DATABASE_URL", f"sqlite:///{tmp_path}/other.sqlite")
    assert create_app({"TESTING": True}).config["SQLALCHEMY_DATABASE_URI"].endswith("other.sqlite")


def test_a_malformed_proxy_count_is_named_at_start(monkeypatch):
    monkeypatch.setenv("COHORT_PROXY_HOPS", "one")
    with pytest.raises(ValueError, match="COHORT_PROXY_HOPS must be a whole number"):
        create_app({"TESTING": True})


def test_the_readme_documents_every_setting():
    settings = set(re.findall(r"COHORT_[A-Z0-9_]+", inspect.getsource(config)))
    readme = (ROOT / "README.md").read_text()
    assert settings and {name for name in settings if f"`{name}`" not in readme} == set()


def test_every_page_carries_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_and_no_outside_assets(client):
    html = client.get("/login").text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"""(?:src|href)=["']https?://""", html)
    assert re.search(r'<a class="skip-link" href="#main">', html)
    assert '<main id="main"' in html


def test_static_assets_are_served(client):
    for asset in ("/static/cohort.css", "/static/cohort.js"):
        with client.get(asset) as response:
            assert response.status_code == 200
            assert "no-store" not in response.headers.get("Cache-Control", "")


def test_every_page_names_an_icon_and_favicon_ico_leads_to_it(client):
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', client.get("/login").text)
    assert icon
    with client.get(icon.group(1)) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert ElementTree.fromstring(response.data).tag == "{http://www.w3.org/2000/svg}svg"
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302
    assert answer.location.endswith(icon.group(1))


def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(make_app, tmp_path):
    unreachable = f"sqlite:///{tmp_path}/missing-folder/none.sqlite"
    response = make_app(SQLALCHEMY_DATABASE_URI=unreachable).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_not_found_page_is_in_the_site_style(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text and 'class="site-header"' in response.text


def test_unexpected_error_shows_a_calm_page_without_traceback(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("code, title", [(403, "Not permitted"), (503, "Cohort is unavailable"), (400, "not right")])
def test_each_error_page_has_its_message(make_app, code, title):
    app = make_app()

    @app.get("/fail")
    def fail():
        abort(code)

    response = app.test_client().get("/fail")
    assert response.status_code == code
    assert title in response.text


def test_dashboard_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_only_trusted_hosts_are_answered(make_app):
    client = make_app(TRUSTED_HOSTS=["cohort.test"]).test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400


def test_a_forwarded_host_never_reaches_mailed_links(make_app, mailbox):
    app = make_app(COHORT_PROXY_HOPS=1)
    with app.app_context():
        factories.make_user(email="victim@trust.example.org")
        db.session.commit()
    client = app.test_client()
    client.post(
        "/forgot-password",
        data={"email": "victim@trust.example.org", "csrf_token": client.csrf_token()},
        headers={"X-Forwarded-Host": "evil.example"},
    )
    assert mailbox.links() and all("evil.example" not in link for link in mailbox.links())


def test_nul_bytes_are_refused(people, client):
    client.login(people.member)
    assert client.get(f"/c/{people.slug}%00/").status_code == 400
    response = client.post_form(
        "/account", {"name": "A\x00B", "organisation": "", "job_title": "", "bio": "", "timezone": "UTC"}
    )
    assert response.status_code == 400


def test_navigation_marks_where_you_are(people, client):
    client.login(people.facilitator)
    members = client.get(f"/c/{people.slug}/members").text
    assert re.search(r'href="/c/[^"]+/members" aria-current="page">Members<', members)
    assert members.count("aria-current") == 1
    new_post = client.get(f"/c/{people.slug}/posts/new").text
    assert re.search(r'href="/c/[^"]+/posts/" aria-current="true">Stories &amp; challenges<', new_post)
    assert 'aria-current="page">My cohorts<' in client.get("/").text

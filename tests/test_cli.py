"""The ``flask --app cohort`` commands: each says what it did, or fails clearly with exit 1."""

from cohort.cohorts import ops
from cohort.extensions import db
from cohort.models import Cohort, Membership


def test_create_user_then_sign_in(app, runner, client):
    result = runner.invoke(
        args=["create-user", "Ada@Example.org", "--name", "Ada Lovelace", "--password", "twelve chars long", "--admin"]
    )
    assert result.exit_code == 0, result.output
    assert "Created site admin Ada Lovelace <ada@example.org>, mentioned as @ada-lovelace." in result.output
    assert client.login("ada@example.org", "twelve chars long").status_code == 302
    assert client.get("/admin/cohorts").status_code == 200


def test_create_user_refuses_bad_input(runner):
    assert runner.invoke(args=["create-user", "x@example.org", "--name", "X", "--password", "short"]).exit_code == 1
    ok = runner.invoke(args=["create-user", "x@example.org", "--name", "X", "--password", "long enough pass"])
    assert ok.exit_code == 0
    again = runner.invoke(args=["create-user", "X@example.org", "--name", "X", "--password", "long enough pass"])
    assert again.exit_code == 1
    assert "Error: An account already uses X@example.org." in again.output
    bad_zone = runner.invoke(
        args=["create-user", "y@example.org", "--name", "Y", "--password", "long enough pass", "--timezone", "Nowhere"]
    )
    assert bad_zone.exit_code != 0 and "not an IANA time zone" in bad_zone.output


def test_create_cohort_and_add_member(app, runner):
    runner.invoke(args=["create-user", "fac@example.org", "--name", "Fac", "--password", "long enough pass"])
    runner.invoke(args=["create-user", "ceo@example.org", "--name", "Ceo", "--password", "long enough pass"])
    result = runner.invoke(
        args=["create-cohort", "ceo-circle", "--name", "CEO Circle", "--facilitator", "fac@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert "Created cohort CEO Circle at /c/ceo-circle/, facilitated by fac@example.org." in result.output
    result = runner.invoke(args=["add-member", "ceo-circle", "CEO@example.org"])
    assert result.exit_code == 0
    assert "ceo@example.org is a member of CEO Circle." in result.output
    with app.app_context():
        roles = {m.user.email: m.role.value for m in db.session.execute(db.select(Membership)).scalars()}
    assert roles == {"fac@example.org": "facilitator", "ceo@example.org": "member"}


def test_cohort_commands_fail_clearly(runner):
    runner.invoke(args=["create-user", "fac@example.org", "--name", "Fac", "--password", "long enough pass"])
    unknown = runner.invoke(args=["create-cohort", "circle", "--name", "C", "--facilitator", "who@example.org"])
    assert unknown.exit_code == 1 and "No account uses who@example.org" in unknown.output
    runner.invoke(args=["create-cohort", "circle", "--name", "C", "--facilitator", "fac@example.org"])
    duplicate = runner.invoke(args=["create-cohort", "circle", "--name", "C", "--facilitator", "fac@example.org"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad_slug = runner.invoke(args=["create-cohort", "Bad Slug!", "--name", "C", "--facilitator", "fac@example.org"])
    assert bad_slug.exit_code == 1 and "not a usable address" in bad_slug.output
    no_cohort = runner.invoke(args=["add-member", "nowhere", "fac@example.org"])
    assert no_cohort.exit_code == 1 and "No cohort has the address 'nowhere'" in no_cohort.output
    bad_role = runner.invoke(args=["add-member", "circle", "fac@example.org", "--role", "owner"])
    assert bad_role.exit_code != 0


def test_seed_demo_loads_once_and_prints_logins(app, runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Loaded the demo data" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already loaded" in second.output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Cohort)).scalar() == 1
        cohort = ops.find_cohort("international-ceo-cohort")
        zones = {m.user.timezone for m in cohort.memberships}
    assert {"Europe/London", "America/New_York", "Australia/Sydney", "America/Los_Angeles"} <= zones
    facilitator_line = next(line for line in first.output.splitlines() if "facilitator" in line)
    email, password = facilitator_line.split()[1:3]
    assert client.login(email, password).status_code == 302
    members = client.get("/c/international-ceo-cohort/members").text
    assert "Sarah Whitfield" in members and "Priya Raman" in members
    home = client.get("/c/international-ceo-cohort/").text
    assert "Next session: making room to lead differently" in home.split('id="announcements-heading"', 1)[1]


def test_cli_checks_lengths_and_addresses(runner):
    assert runner.invoke(args=["create-user", "@", "--name", "X", "--password", "long enough pass"]).exit_code == 1
    runner.invoke(args=["create-user", "fac@example.org", "--name", "Fac", "--password", "long enough pass"])
    long_slug = runner.invoke(args=["create-cohort", "a" * 65, "--name", "C", "--facilitator", "fac@example.org"])
    assert long_slug.exit_code == 1 and "not a usable address" in long_slug.output
    long_name = runner.invoke(args=["create-cohort", "ok", "--name", "N" * 500, "--facilitator", "fac@example.org"])
    assert long_name.exit_code == 1 and "at most 120 characters" in long_name.output

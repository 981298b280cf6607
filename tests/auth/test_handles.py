"""Every account has a handle made from its name, unique on the site, whichever way the account is made."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cohort import handles
from cohort.cohorts import letters as cohort_letters
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.models import Cohort, User

from .. import factories
from ..cohorts.test_invitations import NEW_PERSON, _link_invitation


@pytest.mark.parametrize(
    "name, handle",
    [
        ("Sarah O'Neill", "sarah-oneill"),
        ("Sarah O’Neill", "sarah-oneill"),
        ("  Dr  Miriam   Okafor ", "dr-miriam-okafor"),
        ("José Álvarez-Núñez", "jose-alvarez-nunez"),
        ("Zoë Ødegård", "zoe-odegard"),
        ("Łukasz Żółć", "lukasz-zolc"),
        ("Søren Kierkegaard-Æbelø", "soren-kierkegaard-aebelo"),
        ("Straße", "strasse"),
        ("Ngozi Okonjo-Iweala (CEO)", "ngozi-okonjo-iweala-ceo"),
        ("42 Douglas Adams", "douglas-adams"),
        ("Jean-Luc  Picard!!", "jean-luc-picard"),
        ("An extraordinarily long name for anyone at all", "an-extraordinarily-long-name"),
        ("Bartholomew Featherstonehaugh-Cholmondeley", "bartholomew-featherstonehaugh"),
        ("Wolfeschlegelsteinhausenbergerdorff Senior", "wolfeschlegelsteinhausenberger"),
        ("李小龙", "member"),
        ("Владимир", "member"),
        ("A", "member"),
        ("", "member"),
        ("!!!", "member"),
    ],
)
def test_a_handle_is_made_from_the_name(name, handle):
    made = handles.handle_from_name(name)
    assert made == handle
    assert handles.is_valid_handle(made)


def test_numbered_handles_stay_within_the_length():
    base = handles.handle_from_name("An extraordinarily long name for anyone at all")
    assert handles.numbered(base, 1) == base
    assert handles.numbered(base, 2) == "an-extraordinarily-long-name-2"
    assert handles.numbered(base, 123) == "an-extraordinarily-long-na-123"
    assert all(len(handles.numbered(base, number)) <= handles.MAX_LENGTH for number in range(1, 2000))
    assert handles.numbered("an-x", 2) == "an-x-2"


def test_namesakes_are_numbered_in_the_order_they_join(app):
    with app.app_context():
        made = [factories.make_user(name="Sarah O'Neill").handle for _ in range(3)]
        made.append(factories.make_user(name="Sarah  O'NEILL").handle)
        assert made == ["sarah-oneill", "sarah-oneill-2", "sarah-oneill-3", "sarah-oneill-4"]
        assert [factories.make_user(name="李小龙").handle for _ in range(2)] == ["member", "member-2"]


def test_a_free_handle_among_taken_ones_is_found(app):
    with app.app_context():
        factories.make_user(name="Priya Raman")
        factories.make_user(name="Someone", handle="priya-raman-2")
        factories.make_user(name="Someone else", handle="priya-raman-3")
        assert factories.make_user(name="Priya Raman").handle == "priya-raman-4"


def test_a_handle_taken_a_moment_ago_is_tried_again_with_the_next_number(app, monkeypatch):
    """Someone who joins at the same moment takes the handle between the look-up and the insert:
    the unique index refuses the second, which tries again without losing anything else."""
    with app.app_context():
        factories.make_user(name="Tom Lindqvist")
        looked_up = handles._taken
        calls = []

        def blind_first_time(wanted, *args):
            calls.append(wanted)
            return set() if len(calls) == 1 else looked_up(wanted, *args)

        monkeypatch.setattr(handles, "_taken", blind_first_time)
        user = factories.make_user(name="Tom Lindqvist", organisation="Cascade Regional", email="tom2@cascade.example")
        db.session.commit()
        assert user.handle == "tom-lindqvist-2"
        saved = db.session.execute(select(User).filter_by(email="tom2@cascade.example")).scalar_one()
        assert (saved.handle, saved.organisation) == ("tom-lindqvist-2", "Cascade Regional")
        assert len(calls) >= 3  # the blind look-up, the check after the clash, the look-up again


def test_a_clash_on_another_column_is_not_taken_for_a_handle_clash(app):
    with app.app_context():
        factories.make_user(email="daniel@hudson.example")
        with pytest.raises(IntegrityError):
            factories.make_user(email="daniel@hudson.example")


def test_the_database_refuses_two_accounts_with_one_handle(app):
    with app.app_context():
        factories.make_user(name="Priya Raman")
        db.session.commit()
        with pytest.raises(IntegrityError):
            factories.make_user(name="Someone", handle="priya-raman")
        db.session.rollback()


def test_joining_by_invitation_makes_the_handle(app, people, client):
    with app.app_context():
        factories.make_user(name="Grace Adeyemi")
        db.session.commit()
    link = _link_invitation(app, people)
    response = client.post_form(link, {**NEW_PERSON, "email": "grace@lakeside.example.org"})
    assert response.status_code == 200, response.text
    with app.app_context():
        assert cohort_ops.find_user("grace@lakeside.example.org").handle == "grace-adeyemi-2"


def test_an_unconfirmed_account_taken_over_gets_the_handle_of_its_real_owner(app, people, client):
    """Someone signed up through a link with another person's address and never confirmed it; the
    address's owner joins by an emailed invitation and the account, with a handle of their own name."""
    with app.app_context():
        factories.make_user(email="grace@lakeside.example.org", name="Not Grace", email_confirmed_at=None)
        cohort = db.session.get(Cohort, people.cohort_id)
        facilitator = factories.member_of(cohort_ops.find_user(people.facilitator), cohort)
        (invitation,) = cohort_ops.invite_by_email(facilitator, ["grace@lakeside.example.org"])
        db.session.commit()
        link = cohort_letters.invitation_url(invitation).split("cohort.test", 1)[1]
    response = client.post_form(link, NEW_PERSON)
    assert response.status_code == 302, response.text
    with app.app_context():
        user = cohort_ops.find_user("grace@lakeside.example.org")
        assert (user.name, user.handle) == ("Grace Adeyemi", "grace-adeyemi")


def test_an_account_keeping_its_name_keeps_its_handle(app):
    with app.app_context():
        user = factories.make_user(name="Priya Raman")
        handles.save_with_handle(user)
        assert user.handle == "priya-raman"


def test_the_command_line_makes_the_handle(app, runner):
    with app.app_context():
        factories.make_user(name="Ada Lovelace")
        db.session.commit()
    result = runner.invoke(
        args=["create-user", "ada@example.org", "--name", "Ada Lovelace", "--password", "twelve chars long"]
    )
    assert result.exit_code == 0, result.output
    assert "mentioned as @ada-lovelace-2" in result.output


def test_the_demo_people_have_handles(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        found = dict(db.session.execute(select(User.name, User.handle)).all())
    assert found["Sarah Whitfield"] == "sarah-whitfield"
    assert found["Dr Miriam Okafor"] == "dr-miriam-okafor"
    assert len(set(found.values())) == len(found)

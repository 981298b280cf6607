"""The account page shows how peers mention the person, and lets them choose another handle."""

from types import SimpleNamespace

import pytest

from cohort import handles
from cohort.auth import ops
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.policy import Refused

from .. import factories

RULE = "starting with a letter and ending with a letter or digit"


@pytest.fixture
def li(app):
    with app.app_context():
        user = factories.make_user(email="li.wei@harbourside.example.org", name="Li Wei")
        factories.make_user(name="Priya Raman")
        db.session.commit()
        return user.email


def _handle(app, email: str) -> str:
    with app.app_context():
        return cohort_ops.find_user(email).handle


def test_the_account_page_says_how_peers_mention_you(client, li):
    client.login(li)
    page = client.get("/account").text
    assert "Peers mention you as <strong>@li-wei</strong>" in page
    assert 'name="handle"' in page and 'value="li-wei"' in page


@pytest.mark.parametrize("typed, saved", [("li_wei", "li_wei"), ("@Li-Harbourside", "li-harbourside"), ("lw", "lw")])
def test_a_new_handle_is_saved_case_folded(app, client, li, typed, saved):
    client.login(li)
    response = client.post_form("/account/handle", {"handle": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account#mentions"
    page = client.get("/account").text
    assert f"Peers now mention you as @{saved}." in page
    assert f"Peers mention you as <strong>@{saved}</strong>" in page
    assert _handle(app, li) == saved


@pytest.mark.parametrize("typed", ["l", "1wei", "li wei", "li.wei", "li-", "-li", "wéi", "x" * 31, "li/wei", "@"])
def test_a_handle_of_the_wrong_form_is_refused_and_kept_in_the_form(app, client, li, typed):
    client.login(li)
    response = client.post_form("/account/handle", {"handle": typed})
    assert response.status_code == 422
    assert RULE in response.text
    assert 'aria-invalid="true"' in response.text
    assert _handle(app, li) == "li-wei"


def test_a_handle_of_the_wrong_form_is_kept_as_typed(client, li):
    client.login(li)
    response = client.post_form("/account/handle", {"handle": "Li Wei!"})
    assert 'value="Li Wei!"' in response.text


def test_a_taken_handle_is_refused_with_a_clear_message(app, client, li):
    client.login(li)
    response = client.post_form("/account/handle", {"handle": "Priya-Raman"})
    assert response.status_code == 422
    assert "Someone else is already mentioned as @priya-raman. Choose another handle." in response.text
    assert 'value="Priya-Raman"' in response.text
    assert "Peers mention you as <strong>@li-wei</strong>" in response.text
    assert _handle(app, li) == "li-wei"


def test_an_empty_handle_is_refused(client, li):
    client.login(li)
    response = client.post_form("/account/handle", {"handle": "  "})
    assert response.status_code == 422
    assert "Enter a handle." in response.text


def test_keeping_ones_own_handle_is_fine(app, client, li):
    client.login(li)
    assert client.post_form("/account/handle", {"handle": "LI-WEI"}).status_code == 302
    assert _handle(app, li) == "li-wei"


def test_the_handle_form_needs_sign_in(client):
    response = client.post_form("/account/handle", {"handle": "someone"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_handle_taken_a_moment_ago_is_refused_by_the_operation(app, li, monkeypatch):
    """Between the look-up and the save someone else takes it: the unique index refuses it, and the
    person is told it is taken rather than shown an error page."""
    with app.app_context():
        user = cohort_ops.find_user(li)
        looked_up, calls = handles._taken, []

        def blind_first_time(wanted, *args):
            calls.append(wanted)
            return set() if len(calls) == 1 else looked_up(wanted, *args)

        monkeypatch.setattr(handles, "_taken", blind_first_time)
        with pytest.raises(Refused, match="already mentioned as @priya-raman"):
            ops.change_handle(user, "priya-raman")
        db.session.rollback()
        assert cohort_ops.find_user(li).handle == "li-wei"


@pytest.fixture
def alice_and_bob(app):
    """Alice has changed @alice to @ally; Bob has had @bob all along."""
    with app.app_context():
        alice = factories.make_user(name="Alice")
        bob = factories.make_user(name="Bob")
        ops.change_handle(alice, "ally")
        db.session.commit()
        return SimpleNamespace(alice=alice.email, bob=bob.email)


def test_nobody_else_may_take_a_handle_someone_has_left(app, client, alice_and_bob):
    client.login(alice_and_bob.bob)
    response = client.post_form("/account/handle", {"handle": "@Alice"})
    assert response.status_code == 422
    assert "Someone else is already mentioned as @alice. Choose another handle." in response.text
    assert 'value="@Alice"' in response.text
    assert "Peers mention you as <strong>@bob</strong>" in response.text
    assert _handle(app, alice_and_bob.bob) == "bob"


def test_one_may_take_back_a_handle_one_has_left(app, client, alice_and_bob):
    client.login(alice_and_bob.alice)
    assert client.post_form("/account/handle", {"handle": "alice"}).status_code == 302
    assert "Peers now mention you as @alice." in client.get("/account").text
    assert _handle(app, alice_and_bob.alice) == "alice"
    # @ally is now the one she left: hers to take back again, and no one else's to take.
    bob = app.test_client()
    bob.login(alice_and_bob.bob)
    assert bob.post_form("/account/handle", {"handle": "ally"}).status_code == 422
    assert client.post_form("/account/handle", {"handle": "ally"}).status_code == 302
    assert _handle(app, alice_and_bob.alice) == "ally"
    assert bob.post_form("/account/handle", {"handle": "alice"}).status_code == 422
    assert _handle(app, alice_and_bob.bob) == "bob"


def test_a_new_account_is_not_given_a_handle_someone_has_left(app, alice_and_bob):
    with app.app_context():
        assert factories.make_user(name="Alice").handle == "alice-2"
        assert factories.make_user(name="Ally").handle == "ally-2"


def test_a_handle_left_a_moment_ago_is_refused_by_the_operation(app, alice_and_bob, monkeypatch):
    """The look-up misses that the handle was left (as when Alice leaves it while Bob asks for it):
    the look taken after saving it, inside the same savepoint, refuses it and undoes the save."""
    with app.app_context():
        bob = cohort_ops.find_user(alice_and_bob.bob)
        looked_up, calls = handles._taken, []

        def blind_first_time(wanted, *args):
            calls.append(wanted)
            return set() if len(calls) == 1 else looked_up(wanted, *args)

        monkeypatch.setattr(handles, "_taken", blind_first_time)
        with pytest.raises(Refused, match="already mentioned as @alice"):
            ops.change_handle(bob, "alice")
        db.session.rollback()
        assert cohort_ops.find_user(alice_and_bob.bob).handle == "bob"
        assert cohort_ops.find_user(alice_and_bob.alice).handle == "ally"

"""Reading accounts: who a cookie or a link names."""

from ..extensions import db
from ..models import Invitation, User


def user_by_login_token(login_token: str) -> User | None:
    """The account a session or remember-me cookie names (a password change replaces the token)."""
    return db.session.execute(db.select(User).where(User.login_token == login_token)).scalar_one_or_none()


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def invitation_by_id(invitation_id: int) -> Invitation | None:
    return db.session.get(Invitation, invitation_id)

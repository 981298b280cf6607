"""Limits on giving a password: failures are counted in the database, so every worker and server
holds the same count (the embedded default as well as PostgreSQL).

Three limits, each over a window of its own: one account from one address (low), one account from
anywhere, and one address to any account (high, as a whole office may share one). The attempt is
counted before its password is checked, and a limited attempt is refused whatever the password, so
the limit never tells which guess was right. A code of two-factor sign-in is an attempt like a
password, counted for the same account."""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, g, request
from werkzeug.exceptions import TooManyRequests

from ..models import normalise_email, utcnow
from ..web import commit_or_explain
from . import ops, queries


def _limits() -> list[tuple[str, int, int]]:
    config = current_app.config
    return [
        (scope, config[f"COHORT_SIGN_IN_{scope.upper()}_LIMIT"], config[f"COHORT_SIGN_IN_{scope.upper()}_MINUTES"])
        for scope in ("pair", "account", "address")
    ]


class Attempt:
    """One attempt to give ``email``'s password from this request's address, counted as it begins."""

    def __init__(self, email: str):
        self.account = normalise_email(email)
        self.address = request.remote_addr or ""
        # The request's log line tells how the attempt ended (cohort/monitoring/requests.py): failed
        # unless it is told otherwise below.
        self.outcome = "failed"
        g.sign_in_attempt = self
        now = utcnow()
        limits = _limits()
        forget_before = now - timedelta(minutes=max(minutes for _scope, _most, minutes in limits))
        self.id = commit_or_explain(lambda: ops.reserve_attempt(self.account, self.address, now, forget_before)).value
        wait = queries.seconds_to_wait(self.account, self.address, now, limits)
        if wait is not None:
            commit_or_explain(lambda: ops.withdraw_attempt(self.id))
            self.outcome = "limited"
            raise TooManyRequests(retry_after=wait)

    def withdraw(self) -> None:
        """The password was right but a code is still to come: this attempt is no failure, yet the
        failures before it keep counting until the code is right (``succeeded``), so that knowing the
        password never clears the count of wrong codes."""
        commit_or_explain(lambda: ops.withdraw_attempt(self.id))
        self.outcome = "code_asked"

    def succeeded(self) -> None:
        """The password was right: forget this account's failures from this address."""
        commit_or_explain(lambda: ops.attempt_succeeded(self.id, self.account, self.address))
        self.outcome = "succeeded"

    @property
    def account_key(self) -> str:
        """A short keyed hash of the address given: the log can tell attempts on one account apart from
        attempts on many without holding anyone's email address."""
        key = current_app.secret_key
        key = key.encode() if isinstance(key, str) else key
        return hmac.new(key, self.account.encode(), hashlib.sha256).hexdigest()[:12]

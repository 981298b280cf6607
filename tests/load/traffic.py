"""Members of a cohort at work over real HTTP, for the load tests and ``bench/load.py``: each signed
in with a cookie jar of their own, sending forms with the token their pages carry, as a browser does.

It imports no part of the app, so the writer processes the tests start are quick to spawn."""

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

from ..live import CSRF, Visitor

REPLY_ANCHOR = re.compile(r"#reply-(\d+)$")


class Member(Visitor):
    """A signed-in member of one site: ``token`` is the CSRF token of their sign-in, which each form
    carries (the token lasts as long as the sign-in, so one page gives it)."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base
        self.token = ""

    def sign_in(self, email: str, password: str) -> int:
        """Sign in through the login form; a new sign-in gets a new token, read from the dashboard."""
        status, page = self.get(f"{self.base}/login")
        body = {"email": email, "password": password, "csrf_token": CSRF.search(page).group(1)}
        status, _ = self.send("/login", body, with_token=False)
        if status == 302:
            _, page = self.get(f"{self.base}/")
            self.token = CSRF.search(page).group(1)
        return status

    def open(self, path: str) -> int:
        """GET a page of the site; its status (0 when no answer came at all)."""
        try:
            return self.get(f"{self.base}{path}")[0]
        except (urllib.error.URLError, OSError):
            return 0

    def send(self, path: str, data: dict, *, with_token: bool = True) -> tuple[int, str]:
        """POST a form; its status and page (0 when no answer came at all)."""
        fields = {**data, "csrf_token": self.token} if with_token else data
        request = urllib.request.Request(
            f"{self.base}{path}", data=urllib.parse.urlencode(fields).encode(), method="POST"
        )
        try:
            return self._open(request)
        except (urllib.error.URLError, OSError):
            return 0, ""

    def reply(self, slug: str, post_id: int, body: str, parent_id: int | None = None) -> tuple[int, int | None]:
        """Reply to a post, or to a reply in it: the status and the new reply's id (from the redirect)."""
        data = {"body": body, "parent_id": str(parent_id) if parent_id else ""}
        status, _ = self.send(f"/c/{slug}/posts/{post_id}/replies", data)
        found = REPLY_ANCHOR.search(self.headers.get("Location", "")) if status == 302 else None
        return status, int(found.group(1)) if found else None


def write_replies(job: dict, barrier, results) -> None:
    """One writer (run in a process of its own): sign in, wait for the others, then send
    ``job["replies"]`` replies across the posts, every other one answering a reply: by turns the
    thread's first reply (someone else's) and the writer's own latest there. Puts a summary on
    ``results``: statuses counted, replies made to the post and to replies."""
    member = Member(job["base"])
    statuses = Counter({member.sign_in(job["email"], job["password"]): 1})
    barrier.wait(timeout=120)
    started = time.monotonic()
    latest: dict[int, int] = {}
    made = {"to_post": 0, "to_reply": 0}
    for number in range(job["replies"]):
        post_id = job["posts"][(job["offset"] + number) % len(job["posts"])]
        parent_id = None
        if number % 2:
            use_own = number % 4 == 3 and post_id in latest
            parent_id = latest[post_id] if use_own else job["first_replies"][post_id]
        status, reply_id = member.reply(job["slug"], post_id, f"{job['marker']}-{number} says: try it.", parent_id)
        statuses[status] += 1
        if reply_id is not None:
            latest[post_id] = reply_id
            made["to_reply" if parent_id else "to_post"] += 1
    results.put({"email": job["email"], "statuses": dict(statuses), "seconds": time.monotonic() - started, **made})

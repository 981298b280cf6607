"""A deterministic dataset at scale, written straight into a fresh, migrated database.

    .venv/bin/python bench/dataset.py [--scale 1] [--database-url URL]

By default 20 cohorts, 1,000 people, 20,000 posts, 200,000 replies (most threads short, a few up to
500 replies and 8 levels deep), 2,000 sessions with their RSVPs and agendas, 50,000 notifications,
with thanks, adoptions, tags, read marks and follows. ``--scale N`` multiplies everything but the
cohorts: above 1 the same 20 cohorts grow with the years, and the people past each cohort's 50
current members are former members whose words stay, so every page the benchmark opens holds N
times the history. Below 1 (the smoke run) the cohorts shrink too.

Rows go in with bulk inserts (SQLAlchemy Core, lists of dicts, in big batches), in one transaction.
Text is made of paragraphs rendered once each and reused, one password is hashed once, and the
search index gets the rows ``index_post`` would write. The same seed gives the same data."""

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cohort import create_app, hashing  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.markdown import plain_text, render_markdown  # noqa: E402
from cohort.models import (  # noqa: E402
    Adoption,
    AgendaItem,
    AgendaStatus,
    ChallengeStatus,
    Cohort,
    CohortValue,
    Meeting,
    Membership,
    Notification,
    NotificationKind,
    Post,
    PostKind,
    PostRead,
    PostTag,
    Reply,
    Role,
    Rsvp,
    RsvpResponse,
    Tag,
    Thanks,
    ThreadFollow,
    User,
    Visibility,
)
from cohort.posts.search import index_row, insert_row_statement  # noqa: E402

BASE = {"users": 1000, "posts": 20_000, "replies": 200_000, "sessions": 2000, "notifications": 50_000}
COHORTS = 20
MEMBERS_PER_COHORT = 50
FACILITATORS_PER_COHORT = 2
MAX_REPLIES = 500
MAX_DEPTH = 8
# The threads the benchmark opens, in the first cohort: their reply counts are fixed, whatever the scale.
LONG_THREAD, SHORT_THREAD, WRITE_THREAD = 500, 20, 10
COMING_SESSIONS = 6
HISTORY = timedelta(days=6 * 365)
BATCH = 5000
PASSWORD = "bench password 2026"  # noqa: S105 (the benchmark's own throwaway accounts)
# Search words: one in most posts, one in about one post in a thousand (and always one of the first cohort's).
COMMON_WORD, RARE_WORD = "clinic", "ophthalmology"

SENTENCES = [
    "The fracture clinic moved routine follow-ups to virtual care plans, and waits fell within a quarter.",
    "More than 60 per cent of emergency department referrals to the clinic now become virtual care plans.",
    "Patients were satisfied, wait times went down and quality did not suffer a bit.",
    "Our board asked for weekly figures on the clinic backlog, which kept everyone honest.",
    "We started small: one clinic, one pathway, one consultant willing to try it.",
    "Staff burnout and shortages feed each other, and the clinic rota showed it first.",
    "Words on a poster are not enough; values come alive when we talk about them every day.",
    "I excused myself from two standing meetings and spent the time on the wards instead.",
    "The outpatient clinic now sends a text the day before, and missed appointments halved.",
    "Psychological safety started with the executive team admitting what we did not know.",
    "We gathered monthly with other chief executives to share stories, challenges and advice.",
    "The virtual ward took pressure off the front door during the winter peak.",
    "Discharge before noon became a habit once the clinic teams owned the number.",
    "Our waits for diagnostics are still too long, and I would value ideas from this group.",
    "A daily huddle of ten minutes replaced three long meetings a week.",
    "We measured the time from referral to first clinic appointment, not just the list size.",
    "The quality management system only stuck when leaders went to see the work themselves.",
    "Consultants led the redesign of the clinic, and managers cleared the obstacles.",
    "We publish the clinic waiting list by specialty every Monday on the staff intranet.",
    "Small improvements, made now, taught us more than the big programme we had planned.",
    "The community teams joined the clinic huddle, and handoffs stopped falling through gaps.",
    "Our elective recovery plan depends on theatre time we do not yet have.",
    "We asked patients what a good clinic visit looks like, and the answers surprised us.",
    "Virtual care is not a fit for everyone, so we kept a face-to-face route open.",
]
RARE_SENTENCE = "Our ophthalmology service borrowed the fracture clinic's virtual model for cataract follow-ups."
TITLE_TOPICS = [
    "Fracture clinic follow-ups",
    "Virtual care plans",
    "Outpatient waits",
    "Diagnostics backlog",
    "Discharge before noon",
    "Winter pressures",
    "Daily huddles",
    "Staff burnout",
    "Elective recovery",
    "Psychological safety",
    "Missed appointments",
    "Community handoffs",
]
TITLE_ANGLES = [
    "what worked for us",
    "how do we start?",
    "a year on",
    "the figures after six months",
    "advice wanted",
    "small steps first",
    "what the board asked",
    "lessons from the wards",
]
FIRST = ["Sarah", "James", "Amira", "David", "Helen", "Rajesh", "Claire", "Tom", "Priya", "Mark", "Fiona", "Kwame"]
LAST = ["Hughes", "Patel", "O'Neill", "Okafor", "Campbell", "Singh", "Morgan", "Evans", "Shah", "Reid", "Byrne"]
PLACES = ["Coventry", "Surrey", "Leeds", "Bristol", "Norfolk", "Cumbria", "Kent", "Derby", "Oxford", "Hull"]
VALUES = ["Candour", "Curiosity", "Generosity", "Courage"]
TAGS = ["virtual care", "waits", "fracture clinic", "workforce", "culture", "diagnostics", "discharge", "finance"]
AGENDA = "1. Check-in\n2. Challenges brought by members\n3. Stories of the month\n\n*Pre-read attached.*"
CHARTER = "We keep what is said here **in the room**, we speak candidly, and we help each other act."


@dataclass
class Plan:
    """How many of each thing a scale makes."""

    scale: float
    cohorts: int
    users: int
    members_per_cohort: int
    posts: int
    replies: int
    sessions: int
    notifications: int

    @classmethod
    def for_scale(cls, scale: float) -> "Plan":
        cohorts = COHORTS if scale >= 1 else max(2, round(COHORTS * scale))
        users = max(round(BASE["users"] * scale), cohorts * (FACILITATORS_PER_COHORT + 2) + 1)
        # One person belongs to no cohort: the benchmark's "empty" signed-in page.
        members = min(MEMBERS_PER_COHORT, (users - 1) // cohorts)
        return cls(
            scale=scale,
            cohorts=cohorts,
            users=users,
            members_per_cohort=members,
            posts=max(round(BASE["posts"] * scale), cohorts * 4),
            replies=max(round(BASE["replies"] * scale), LONG_THREAD + SHORT_THREAD + WRITE_THREAD),
            sessions=max(round(BASE["sessions"] * scale), cohorts * 2),
            notifications=round(BASE["notifications"] * scale),
        )


@dataclass
class Dataset:
    """What the benchmark needs to know of the data it was given."""

    url: str
    slug: str
    member_email: str
    empty_email: str
    password: str
    long_thread: int
    short_thread: int
    write_thread: int
    session_id: int
    calendar_token: str
    common_word: str = COMMON_WORD
    rare_word: str = RARE_WORD
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)


class Text:
    """Paragraph variants rendered once each: a body is a few of them, joined as Markdown would be."""

    def __init__(self, rng: random.Random, variants: int = 240):
        self.rng = rng
        self.paragraphs = [self._paragraph(rng.randint(1, 4)) for _ in range(variants)]
        self.rare = self._rendered(f"{RARE_SENTENCE} {rng.choice(SENTENCES)}")

    def _paragraph(self, sentences: int) -> tuple[str, str, str]:
        chosen = self.rng.sample(SENTENCES, sentences)
        if self.rng.random() < 0.2:
            chosen[0] = f"**{chosen[0]}**"
        return self._rendered(" ".join(chosen))

    @staticmethod
    def _rendered(source: str) -> tuple[str, str, str]:
        html = render_markdown(source)
        return source, html, plain_text(html)

    def body(self, low: int, high: int, rare: bool = False) -> tuple[str, str, str]:
        """(Markdown, HTML, plain text) of ``low`` to ``high`` paragraphs."""
        parts = [self.rng.choice(self.paragraphs) for _ in range(self.rng.randint(low, high))]
        if rare:
            parts[-1] = self.rare
        return (
            "\n\n".join(part[0] for part in parts),
            "\n".join(part[1] for part in parts),
            "\n".join(part[2] for part in parts),
        )


def _token(rng: random.Random) -> str:
    # Seeded, not secret: the data is a throwaway benchmark's, made the same every time.
    return f"{rng.getrandbits(192):048x}"


def reply_counts(rng: random.Random, posts: int, total: int, fixed: list[int]) -> list[int]:
    """Replies per post: the first posts get ``fixed``; the rest share what is left, a few long
    threads and many short ones (log-normal), none over MAX_REPLIES."""
    left = total - sum(fixed)
    weights = [rng.lognormvariate(0, 1.4) for _ in range(posts - len(fixed))]
    scale = left / sum(weights)
    counts = [min(MAX_REPLIES, int(weight * scale)) for weight in weights]
    short = left - sum(counts)
    while short > 0:  # rounding down and the cap leave a few over: hand them to threads with room
        index = rng.randrange(len(counts))
        if counts[index] < MAX_REPLIES:
            counts[index] += 1
            short -= 1
    return fixed + counts


class Writer:
    """Bulk inserts in batches on one connection, counting the rows of each table."""

    def __init__(self, connection):
        self.connection = connection
        self.counts: dict[str, int] = {}
        self.pending: dict = {}

    def add(self, model, row: dict) -> None:
        rows = self.pending.setdefault(model, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Insert everything pending, tables in the order they were first given rows: callers give
        a row its parents' rows first, so foreign keys always find their row."""
        for model, rows in self.pending.items():
            if rows:
                self.connection.execute(insert(model.__table__), rows)
                name = model.__table__.name
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                rows.clear()

    def search_rows(self, rows: list[dict]) -> None:
        """The search index's rows, as ``index_post`` writes them."""
        statement = insert_row_statement(self.connection.dialect.name)
        for start in range(0, len(rows), BATCH // 5):
            self.connection.execute(statement, rows[start : start + BATCH // 5])
        self.counts["post_search"] = self.counts.get("post_search", 0) + len(rows)


def build(writer: Writer, plan: Plan, rng: random.Random, now: datetime) -> dict:
    """Every row; returns the facts the benchmark needs (ids, emails, the calendar token)."""
    words = Text(rng)
    password_hash = hashing.hash_secret(PASSWORD)
    start = now - HISTORY

    # People: the current members of each cohort first, then former members, then one in no cohort.
    people_of = {cohort: [] for cohort in range(1, plan.cohorts + 1)}
    facts = {}
    for index in range(plan.users):
        user_id = index + 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        token = _token(rng)
        writer.add(
            User,
            {
                "id": user_id,
                "email": f"person{user_id}@trust{user_id}.example.org",
                "name": f"{first} {last}",
                "handle": f"person{user_id}",
                "organisation": f"{rng.choice(PLACES)} NHS Foundation Trust",
                "job_title": "Chief Executive",
                "bio": "",
                "timezone": "Europe/London",
                "password_hash": password_hash,
                "is_admin": False,
                "login_token": _token(rng),
                "email_confirmed_at": start,
                "calendar_token": token,
                "created_at": start,
            },
        )
        if index < plan.users - 1:
            people_of[index // plan.members_per_cohort % plan.cohorts + 1].append(user_id)
        if index == FACILITATORS_PER_COHORT:
            facts["member_email"], facts["calendar_token"] = f"person{user_id}@trust{user_id}.example.org", token
    facts["empty_email"] = f"person{plan.users}@trust{plan.users}.example.org"

    membership_id = 0
    members_of, facilitators_of = {}, {}
    charter = render_markdown(CHARTER)
    for cohort_id in range(1, plan.cohorts + 1):
        writer.add(
            Cohort,
            {
                "id": cohort_id,
                "slug": f"cohort-{cohort_id:02d}",
                "name": f"{PLACES[cohort_id % len(PLACES)]} chief executives {cohort_id}",
                "description": "Chief executives of acute and community trusts, meeting monthly.",
                "charter": CHARTER,
                "charter_html": charter,
                "timezone": "Europe/London",
                "created_at": start,
            },
        )
        members = people_of[cohort_id][: plan.members_per_cohort]
        # Every tenth member of the next cohort belongs to this one too, so dashboards list more than one.
        guests = [user for user in people_of[cohort_id % plan.cohorts + 1][: plan.members_per_cohort] if user % 10 == 3]
        members_of[cohort_id] = members + guests
        facilitators_of[cohort_id] = members[:FACILITATORS_PER_COHORT]
        for position, user_id in enumerate(members + guests):
            membership_id += 1
            writer.add(
                Membership,
                {
                    "id": membership_id,
                    "cohort_id": cohort_id,
                    "user_id": user_id,
                    "role": Role.FACILITATOR if position < FACILITATORS_PER_COHORT else Role.MEMBER,
                    "joined_at": start,
                    "charter_accepted_at": start,
                },
            )
        for position, name in enumerate(VALUES):
            value_id = (cohort_id - 1) * len(VALUES) + position + 1
            writer.add(CohortValue, {"id": value_id, "cohort_id": cohort_id, "name": name, "position": position})
        for position, name in enumerate(TAGS):
            writer.add(Tag, {"id": (cohort_id - 1) * len(TAGS) + position + 1, "cohort_id": cohort_id, "name": name})

    facts.update(_posts(writer, plan, rng, words, now, start, people_of, members_of, facilitators_of))
    facts["session_id"] = _sessions(writer, plan, rng, now, members_of, facts.pop("open_challenges"))
    return facts


def _posts(writer, plan, rng, words, now, start, people_of, members_of, facilitators_of) -> dict:
    """Posts and their threads, thanks, adoptions, tags, follows, read marks, notifications, and the index."""
    fixed = [LONG_THREAD, SHORT_THREAD, WRITE_THREAD]
    counts = reply_counts(rng, plan.posts, plan.replies, fixed)
    # The fixed threads come first, in the first cohort; the rest go round the cohorts.
    cohort_of = [1, 1, 1] + [index % plan.cohorts + 1 for index in range(3, plan.posts)]
    reply_id = 0
    eligible = []  # (recipient, actor, cohort, post, reply, when): replies a current member is told of
    search = []
    open_challenges = {cohort: [] for cohort in range(1, plan.cohorts + 1)}
    for index in range(plan.posts):
        post_id, cohort_id = index + 1, cohort_of[index]
        people, members = people_of[cohort_id], members_of[cohort_id]
        current = set(members)
        kind_roll = rng.random()
        kind = PostKind.STORY if kind_roll < 0.45 else PostKind.CHALLENGE if kind_roll < 0.96 else PostKind.ANNOUNCEMENT
        if index < len(fixed):
            kind = PostKind.CHALLENGE
        author = rng.choice(facilitators_of[cohort_id]) if kind == PostKind.ANNOUNCEMENT else rng.choice(people)
        visibility = Visibility.ATTRIBUTED
        if kind != PostKind.ANNOUNCEMENT and index >= len(fixed):
            roll = rng.random()
            if roll < 0.2:
                visibility = Visibility.CHATHAM_HOUSE if roll < 0.15 else Visibility.FACILITATORS
        created = start + (now - start) * (index / plan.posts) ** 0.8 - timedelta(hours=rng.random())
        body, body_html, body_plain = words.body(2, 6, rare=index == plan.cohorts * 2 or rng.random() < 0.001)
        status = commitment = commitment_html = outcome = outcome_html = ""
        committed_at = outcome_at = None
        if kind == PostKind.CHALLENGE:
            status = rng.choices(list(ChallengeStatus)[:1] + list(ChallengeStatus)[2:], [5, 2, 2, 1])[0]
            if index < len(fixed):
                status = ChallengeStatus.OPEN
            if status in (ChallengeStatus.TRYING, ChallengeStatus.RESOLVED):
                commitment, commitment_html, _ = words.body(1, 1)
                committed_at = created + timedelta(days=7)
            if status == ChallengeStatus.RESOLVED:
                outcome, outcome_html, _ = words.body(1, 2)
                outcome_at = created + timedelta(days=60)
            if status == ChallengeStatus.OPEN:
                open_challenges[cohort_id].append((post_id, author))
        hidden = index >= len(fixed) and rng.random() < 0.002
        row = {
            "id": post_id,
            "cohort_id": cohort_id,
            "author_id": author,
            "kind": kind,
            "visibility": visibility,
            "status": status or None,
            "title": f"{rng.choice(TITLE_TOPICS)}: {rng.choice(TITLE_ANGLES)}",
            "body": body,
            "body_html": body_html,
            "commitment": commitment,
            "commitment_html": commitment_html,
            "outcome": outcome,
            "outcome_html": outcome_html,
            "committed_at": committed_at,
            "outcome_at": outcome_at,
            "created_at": created,
            "edited_at": None,
            "deleted_at": None,
            "deleted_by_id": None,
            "hidden_at": now if hidden else None,
            "hidden_by_id": facilitators_of[cohort_id][0] if hidden else None,
            "version": 1,
            "form_key": None,
            # The latest announcements of each cohort stay pinned on its home.
            "pinned_at": created if kind == PostKind.ANNOUNCEMENT and index > plan.posts - plan.cohorts * 8 else None,
        }

        # The thread: a conversation, each reply soon after the one before, answering the post or a
        # recent reply, never deeper than MAX_DEPTH.
        when = created
        thread = []  # (reply id, depth)
        replies, thanks = [], []
        shown_advice = []
        for _ in range(counts[index]):
            reply_id += 1
            when = min(now, when + timedelta(minutes=rng.expovariate(1 / 240)))
            parent, depth = None, 0
            if thread and rng.random() < 0.55:
                parent, parent_depth = rng.choice(thread[-5:])
                if parent_depth + 1 >= MAX_DEPTH:
                    parent, parent_depth = next((r, d) for r, d in reversed(thread) if d < MAX_DEPTH - 1)
                depth = parent_depth + 1
            thread.append((reply_id, depth))
            replier = rng.choice(people)
            roll = rng.random()
            deleted, hidden_reply = roll < 0.003, 0.003 <= roll < 0.005 and index >= len(fixed)
            reply_body, reply_html, reply_plain = ("", "", "") if deleted else words.body(1, 2)
            replies.append(
                {
                    "id": reply_id,
                    "post_id": post_id,
                    "parent_id": parent,
                    "author_id": replier,
                    "body": reply_body,
                    "body_html": reply_html,
                    "created_at": when,
                    "edited_at": None,
                    "deleted_at": when if deleted else None,
                    "hidden_at": when if hidden_reply else None,
                    "hidden_by_id": facilitators_of[cohort_id][0] if hidden_reply else None,
                    "helpful_at": when if kind == PostKind.CHALLENGE and rng.random() < 0.03 else None,
                }
            )
            if not (deleted or hidden_reply):
                shown_advice.append(reply_plain)
                if author in current and replier != author:
                    eligible.append((author, replier, cohort_id, post_id, reply_id, when))
                if rng.random() < 0.03:
                    thanker = rng.choice(members)
                    if thanker != replier:
                        thanks.append(
                            {
                                "post_id": None,
                                "reply_id": reply_id,
                                "user_id": thanker,
                                "value_id": (cohort_id - 1) * len(VALUES) + rng.randrange(len(VALUES)) + 1,
                                "created_at": when,
                            }
                        )
        row["last_activity_at"] = when
        # The counts the reply operations keep (cohort/posts/ops.py): replies by others, shown and hidden.
        by_others = [reply for reply in replies if reply["author_id"] != author and reply.get("deleted_at") is None]
        row["advice_count"] = sum(1 for reply in by_others if reply.get("hidden_at") is None)
        row["hidden_advice_count"] = len(by_others) - row["advice_count"]
        writer.add(Post, row)
        for reply in replies:
            writer.add(Reply, reply)
        for one in thanks:
            writer.add(Thanks, one)
        own = (body_plain, plain_text(commitment_html), plain_text(outcome_html))
        search.append(index_row(post_id, cohort_id, row["title"], own, shown_advice))
        if len(search) >= BATCH:
            writer.flush()  # the index refers to its posts (PostgreSQL)
            writer.search_rows(search)
            search = []
        writer.add(ThreadFollow, {"user_id": author, "post_id": post_id, "following": True, "created_at": created})
        for tag in rng.sample(range(len(TAGS)), rng.randint(0, 2)):
            writer.add(PostTag, {"post_id": post_id, "tag_id": (cohort_id - 1) * len(TAGS) + tag + 1})
        if kind == PostKind.STORY and rng.random() < 0.1:
            for adopter in rng.sample(members, 2):
                if adopter != author:
                    writer.add(Adoption, {"post_id": post_id, "user_id": adopter, "created_at": when})
    writer.flush()
    writer.search_rows(search)

    # Notifications of replies to current members' posts; the older ones read.
    for recipient, actor, cohort_id, post_id, reply, when in sorted(
        rng.sample(eligible, min(plan.notifications, len(eligible))), key=lambda item: item[4]
    ):
        writer.add(
            Notification,
            {
                "user_id": recipient,
                "cohort_id": cohort_id,
                "kind": NotificationKind.REPLY_TO_POST,
                "actor_id": actor,
                "post_id": post_id,
                "reply_id": reply,
                "meeting_id": None,
                "detail": "",
                "created_at": when,
                "read_at": when + timedelta(hours=6) if when < now - timedelta(days=14) else None,
                "dedupe_key": None,
            },
        )
    # Read marks: each member has read about one in ten of their cohort's threads.
    posts_of = {cohort: [] for cohort in members_of}
    for index, cohort_id in enumerate(cohort_of):
        posts_of[cohort_id].append(index + 1)
    for cohort_id, members in members_of.items():
        for user_id in members:
            for post_id in rng.sample(posts_of[cohort_id], len(posts_of[cohort_id]) // 10):
                writer.add(PostRead, {"user_id": user_id, "post_id": post_id, "read_at": now - timedelta(days=1)})
    return {"long_thread": 1, "short_thread": 2, "write_thread": 3, "open_challenges": open_challenges}


def _sessions(writer, plan, rng, now, members_of, open_challenges) -> int:
    """Sessions a month apart: a few to come, the rest in the past; their RSVPs and agenda items.
    Returns the first cohort's next session."""
    agenda_html = render_markdown(AGENDA)
    per_cohort = plan.sessions // plan.cohorts
    coming = min(COMING_SESSIONS, per_cohort // 2)
    meeting_id = item_id = 0
    next_session = None
    for cohort_id, members in members_of.items():
        challenges = open_challenges[cohort_id]
        for number in range(per_cohort):
            meeting_id += 1
            # A month apart, the past ones going back as far as their number takes them: more of them
            # is a longer history, not a busier calendar.
            months = number + 1 if number < coming else coming - number - 1
            starts = now.replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(days=30 * months)
            if cohort_id == 1 and number == 0:
                next_session = meeting_id
            writer.add(
                Meeting,
                {
                    "id": meeting_id,
                    "cohort_id": cohort_id,
                    "series_id": None,
                    "uid": f"bench-{meeting_id}@cohort",
                    "title": "Monthly session",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=90),
                    "timezone": "Europe/London",
                    "location": "Board room, Trust HQ",
                    "video_url": "https://video.example.org/cohort",
                    "agenda": AGENDA,
                    "agenda_html": agenda_html,
                    "cancelled_at": None,
                    "sequence": 0,
                    "created_at": starts - timedelta(days=30),
                    "updated_at": starts - timedelta(days=30),
                },
            )
            for user_id in members:
                if rng.random() < 0.6:
                    response = rng.choices(list(RsvpResponse), [60, 15, 25])[0]
                    writer.add(
                        Rsvp,
                        {"meeting_id": meeting_id, "user_id": user_id, "response": response, "responded_at": starts},
                    )
            for position, (post_id, author) in enumerate(rng.sample(challenges, min(3, len(challenges)))):
                item_id += 1
                writer.add(
                    AgendaItem,
                    {
                        "id": item_id,
                        "meeting_id": meeting_id,
                        "title": f"Challenge {post_id}",
                        "post_id": post_id,
                        "proposed_by_id": author,
                        "status": AgendaStatus.PROPOSED if position == 2 else AgendaStatus.ACCEPTED,
                        "position": position,
                        "created_at": starts - timedelta(days=14),
                    },
                )
    return next_session


def _advance_sequences(connection, tables: list[str]) -> None:
    """PostgreSQL: ids were given, so each id sequence starts after the largest."""
    for name in tables:
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))")  # noqa: S608
        )


def generate(url: str, scale: float = 1.0, seed: int = 2026) -> Dataset:
    """Migrate the empty database at ``url`` and fill it; the facts the benchmark needs."""
    started = time.perf_counter()
    plan = Plan.for_scale(scale)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench dataset"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # A throwaway file being filled: no need to wait for the disk at each commit.
                connection.exec_driver_sql("PRAGMA synchronous=OFF")
            writer = Writer(connection)
            facts = build(writer, plan, random.Random(seed), datetime.now(UTC))  # noqa: S311 (not for secrets)
            writer.flush()
            if connection.dialect.name == "postgresql":
                with_ids = [model.__table__.name for model in (User, Cohort, Membership, CohortValue, Tag, Post, Reply)]
                with_ids += [model.__table__.name for model in (Meeting, AgendaItem, Notification, Thanks, Adoption)]
                _advance_sequences(connection, with_ids)
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would do in the minutes after a load this size, done now so that it
            # neither runs during the measurements nor leaves the planner without statistics.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    return Dataset(
        url=url,
        slug="cohort-01",
        password=PASSWORD,
        seconds=time.perf_counter() - started,
        counts=writer.counts,
        **facts,
    )


def describe(dataset: Dataset) -> str:
    counts = ", ".join(f"{name} {count:,}" for name, count in sorted(dataset.counts.items()))
    return f"dataset: generated in {dataset.seconds:.1f} s: {counts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--database-url", required=True, help="an empty database (sqlite:///path or postgresql+psycopg://…)"
    )
    arguments = parser.parse_args()
    print(describe(generate(arguments.database_url, arguments.scale)))


if __name__ == "__main__":
    main()

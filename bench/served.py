"""Cohort as ``make bench`` serves it: ``wsgi.py``'s app, configured from the environment alone
(not from the instance folder, so a local ``instance/config.py`` cannot change the figures), and
with rate limits off: wrk sends every request from one address, and the calendar feed allows an
address 60 a minute, so its figures would be those of the 429 page."""

from cohort import create_app

app = create_app({"RATELIMIT_ENABLED": False})

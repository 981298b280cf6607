"""The smallest Flask app, served by gunicorn beside Cohort in ``make bench`` with the same flags: the
ceiling the stack itself sets, against which each page's throughput is given as a ratio."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"

"""gunicorn reads this file from the folder it starts in. Only the metrics' bookkeeping lives here:
every other setting comes from the command line (README, "Deploying").

Each worker writes its figures to files in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up, so
/metrics reports the whole server whichever worker answers. Without a folder given, one is made for
this server and removed when it stops."""

import os
import shutil
import tempfile

# Set before prometheus_client is first imported: it chooses how to keep figures at import, and the
# workers forked from this process inherit that choice.
_MADE_HERE = None if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else tempfile.mkdtemp(prefix="cohort-metrics-")
if _MADE_HERE:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _MADE_HERE

from prometheus_client import multiprocess  # noqa: E402


def on_starting(_server):
    # Figures left by an earlier run of the server would be added to this one's.
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def child_exit(_server, worker):
    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server):
    if _MADE_HERE:
        shutil.rmtree(_MADE_HERE, ignore_errors=True)

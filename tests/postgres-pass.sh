#!/usr/bin/env bash
# Runs the whole suite again on a throwaway PostgreSQL cluster, when PostgreSQL is installed.
# Usage: tests/postgres-pass.sh PYTHON. Under CI=true a missing PostgreSQL is a failure.
set -euo pipefail
python=${1:?usage: postgres-pass.sh PYTHON}

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir=$(pg_config --bindir)
else
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bindir=$candidate
  done
fi
if [ -z "$bindir" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL pass: PostgreSQL is not installed, and CI=true requires it." >&2
    exit 1
  fi
  echo "PostgreSQL pass skipped: no PostgreSQL binaries found (install postgresql to run it)."
  exit 0
fi

workdir=$(mktemp -d)
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# initdb refuses to run as root: use the postgres system user then.
as_db_user=()
if [ "$(id -u)" = "0" ]; then
  chown postgres "$workdir"
  as_db_user=(runuser -u postgres --)
fi
stop_cluster() {
  "${as_db_user[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop_cluster EXIT

"${as_db_user[@]}" "$bindir/initdb" -D "$workdir/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_db_user[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"${as_db_user[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres cohort_test

echo "PostgreSQL pass: $("$bindir/postgres" --version) on port $port"
COHORT_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/cohort_test" "$python" -m pytest "${@:2}"

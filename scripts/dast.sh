#!/usr/bin/env bash
# A DAST pass: wapiti, signed in as a demo member, against gunicorn serving the demo data on a
# throwaway SQLite database. Fails when wapiti reports any vulnerability or anomaly, or when its
# sign-in failed (no cohort page crawled).
# Usage: scripts/dast.sh [CRAWL_SECONDS [ATTACK_SECONDS]]: the crawl's time limit (300 by default)
# and each attack module's (45 by default; 13 modules).
# wapiti lives in a virtual environment of its own (.venv-dast): its pins clash with the project's.
set -euo pipefail
cd "$(dirname "$0")/.."
crawl_seconds=${1:-300}
attack_seconds=${2:-45}
python=.venv/bin/python
[ -x "$python" ] || { echo "Run 'make install-dev' first." >&2; exit 1; }

if [ ! -x .venv-dast/bin/wapiti ]; then
  python3 -m venv .venv-dast
  .venv-dast/bin/pip install --quiet "wapiti3>=3.2,<3.3"
fi

workdir=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$workdir"
}
trap cleanup EXIT

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="https://127.0.0.1:$port"
# Served over TLS with a throwaway certificate, as in production: Secure cookies and HSTS are on.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -days 1 \
  -keyout "$workdir/key.pem" -out "$workdir/cert.pem" 2>/dev/null
export COHORT_DATABASE_URL="sqlite:///$workdir/dast.db"
export COHORT_SECRET_KEY="dast-$RANDOM-$RANDOM"
export COHORT_BASE_URL="$base"
.venv/bin/flask --app cohort db upgrade >/dev/null
.venv/bin/flask --app cohort seed-demo >/dev/null
read -r member_email member_password < <(
  "$python" -c 'from cohort.demo import demo_logins; role, email, password = next(l for l in demo_logins() if l[0] == "member"); print(email, password)'
)
.venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$port" --certfile "$workdir/cert.pem" --keyfile "$workdir/key.pem" --log-level error wsgi:app &
server_pid=$!
for _ in $(seq 100); do
  curl -fsk "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# ssrf is left out: it needs wapiti's own server on the internet.
# The actions that would end the scan's own session, or the account, are left out.
.venv-dast/bin/wapiti -u "$base/" --scope folder \
  --form-url "$base/login" --form-user "$member_email" --form-password "$member_password" \
  -x "$base/logout" -x "$base/account/devices/*" -x "$base/account/delete*" \
  -m "xss,permanentxss,csrf,sql,timesql,exec,file,redirect,crlf,http_headers,cookieflags,csp,methods" \
  --max-scan-time "$crawl_seconds" --max-attack-time "$attack_seconds" --flush-session --store-session "$workdir/session" \
  -f json -o "$workdir/report.json" -dr 1 --no-bugreport -v 0

"$python" - "$workdir/report.json" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1]))
found = {category: len(items) for category, items in report["vulnerabilities"].items() if items}
anomalies = {category: len(items) for category, items in report.get("anomalies", {}).items() if items}
info = report.get("infos", {})
print(f"wapiti {info.get('version', '')}: {info.get('crawled_pages_nbr', '?')} pages crawled")
# A scan whose sign-in failed would crawl the public pages only and find nothing: that is no pass.
crawled = json.dumps(info.get("crawled_pages") or [])
signed_in = (info.get("auth") or {}).get("logged_in") and "/c/" in crawled
print("signed in as a member: " + ("yes, cohort pages crawled" if signed_in else "NO: no cohort page was crawled"))
for category, count in sorted(found.items()):
    print(f"  vulnerability: {category}: {count}")
    for item in report["vulnerabilities"][category][:5]:
        print(f"    {item.get('method')} {item.get('path')} {item.get('parameter', '')}: {item.get('info', '')[:200]}")
for category, count in sorted(anomalies.items()):
    print(f"  anomaly: {category}: {count}")
    for item in report["anomalies"][category][:5]:
        print(f"    {item.get('method')} {item.get('path')}: {item.get('info', '')[:200]}")
print("no vulnerability found" if not found else f"{sum(found.values())} findings")
sys.exit(1 if found or anomalies or not signed_in else 0)
PY

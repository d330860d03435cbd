#!/usr/bin/env bash
# What story grouping costs a cold ingest: the same corpus (F feeds x K items, seeded) served by
# nginx on 127.0.0.1, polled into fresh databases with the generated rules, with grouping on
# and off (`wirewatch-bench poll --no-grouping`: no story signature, each article a story of
# its own), alternating, RUNS times each. One JSON line per poll: wall seconds, CPU seconds
# (user + system), peak RSS (MiB), articles and alerts.
#
# Usage: bench/grouping.sh WIREWATCH_BENCH_BINARY [FEEDS] [ITEMS] [RUNS]
# nginx and every child are started here and stopped by PID on exit.

set -euo pipefail

WB=${1:?usage: bench/grouping.sh WIREWATCH_BENCH_BINARY [FEEDS] [ITEMS] [RUNS]}
FEEDS=${2:-1000}
ITEMS=${3:-50}
RUNS=${4:-1}
SEED=42
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wirewatch-grouping.XXXXXX")
chmod 755 "$WORK"
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$NGINX_PID" 2>/dev/null && kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$WB" corpus --dir "$WORK/www" --feeds "$FEEDS" --items "$ITEMS" --seed "$SEED"
"$WB" rules --count 100 --out "$WORK/rules.jsonl" --seed "$SEED"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$WORK/nginx/tmp"
cat > "$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  types { application/rss+xml rss; application/atom+xml atom; }
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  server { listen 127.0.0.1:$PORT; root $WORK/www; etag on; }
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
NGINX_PID=$!
BASE="http://127.0.0.1:$PORT"
for i in $(seq 1 100); do
  curl -fsS -o /dev/null "$BASE/$(cd "$WORK/www" && ls | head -1)" 2>/dev/null && break
  [ "$i" = 100 ] && { echo "nginx did not start" >&2; exit 1; }
  sleep 0.1
done
"$WB" lists --dir "$WORK/lists" --feeds "$FEEDS" --base "$BASE" --seed "$SEED"

for run in $(seq 1 "$RUNS"); do
  for grouping in on off; do
    db="$WORK/cold-$grouping-$run.db"
    "$WB" setup --db "$db" --opml "$WORK/lists/feeds.opml" --rules "$WORK/rules.jsonl" >/dev/null
    flag=(); [ "$grouping" = off ] && flag=(--no-grouping)
    t0=$(date +%s%N)
    summary=$(/usr/bin/time -f 'rusage %M %U %S' -o "$WORK/time.out" "$WB" poll --db "$db" "${flag[@]}")
    t1=$(date +%s%N)
    read -r _ peak user sys < <(grep '^rusage' "$WORK/time.out")
    python3 - "$grouping" "$run" "$FEEDS" "$ITEMS" "$t0" "$t1" "$peak" "$user" "$sys" "$summary" <<'PY'
import json, sys
grouping, run, feeds, items, t0, t1, peak, user, sys_s, summary = sys.argv[1:]
s = json.loads(summary)
print(json.dumps({
    "scenario": "cold-grouping", "grouping": grouping, "run": int(run),
    "feeds": int(feeds), "items": int(items),
    "wall_s": round((int(t1) - int(t0)) / 1e9, 3),
    "cpu_s": round(float(user) + float(sys_s), 2),
    "peak_mib": round(int(peak) / 1024, 1),
    "articles": s.get("new_articles"), "alerts": s.get("alerts"),
}))
PY
    rm -f "$db" "$db-wal" "$db-shm"
  done
done

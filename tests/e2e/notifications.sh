#!/usr/bin/env bash
# Desktop notifications, end to end: the built app runs under Xvfb with a session bus and a
# notification server (dunst); a feed on 127.0.0.1 brings two stories matching a rule, and the
# server must have received one coalesced notification naming the rule and both headlines.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/loopback.sh
root=$PWD
app="${WIREWATCH_E2E_APP:-$root/target/debug/wirewatch-desktop}"
cli="$root/target/debug/wirewatch"
cargo build --quiet --bin wirewatch
loopback_work

mkdir -p "$work/www"
cat > "$work/www/feed.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Notify Desk</title><link>https://news.example.org/</link>
<description>Stories written for the notification test</description>
<item><guid>n-1</guid><title>India and Pakistan extend the ceasefire along the Line of Control</title>
<link>https://news.example.org/n-1</link><description>Both armies said the ceasefire holds.</description></item>
<item><guid>n-2</guid><title>Kashmir truce holds for a second week</title>
<link>https://news.example.org/n-2</link><description>Calm on the border.</description></item>
<item><guid>n-3</guid><title>Karachi markets close higher</title>
<link>https://news.example.org/n-3</link><description>Shares rose.</description></item>
</channel></rss>
XML
serve_folder "$work/www"

db="$work/w.db"
"$cli" --db "$db" rule add "South Asia ceasefire" '(ceasefire OR truce) AND (India OR Pakistan OR Kashmir)' >/dev/null
printf '<opml version="2.0"><head/><body><outline text="Notify Desk" xmlUrl="http://127.0.0.1:%s/feed.xml"/></body></opml>' "$port" > "$work/subs.opml"
"$cli" --db "$db" import "$work/subs.opml" >/dev/null

cat > "$work/session.sh" <<SESSION
dunst >/dev/null 2>&1 &
notifier=\$!
sleep 1
WIREWATCH_DB="$db" "$app" >"$work/app.log" 2>&1 &
desktop=\$!
# The imported feed is due at once: wait for the poll's notification.
for _ in \$(seq 60); do
  dunstctl history > "$work/history.json"
  grep -q "new alerts for" "$work/history.json" && break
  sleep 0.5
done
kill \$desktop; wait \$desktop 2>/dev/null || true
kill \$notifier
SESSION
timeout 90 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash "$work/session.sh" 2>/dev/null

python3 - "$work/history.json" <<'PY'
import json, sys
shown = json.load(open(sys.argv[1]))["data"][0]
ours = [n for n in shown if n["appname"]["data"] == "wirewatch-desktop"]
assert len(ours) == 1, f"expected one coalesced notification, got {len(ours)}: {shown}"
summary, body = ours[0]["summary"]["data"], ours[0]["body"]["data"]
assert summary == "2 new alerts for South Asia ceasefire", summary
assert "Line of Control" in body and "Kashmir truce" in body and "Karachi" not in body, body
print(f"notifications: ok: {summary!r}")
PY

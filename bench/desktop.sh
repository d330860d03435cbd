#!/usr/bin/env bash
# Desktop scenario: time from launch to the first painted article list, and idle memory
# (PSS) of the app and its WebKit processes, with an archive of ~100,000 articles.
#
# Usage: bench/desktop.sh DB [TARGET_DIR]
# Looks for the `wirewatch-desktop` binary in $WIREWATCH_DESKTOP, TARGET_DIR/release,
# src-tauri/target/release, target/release, then PATH; without it prints a "skipped" line.
#
# In order, under xvfb-run (a private X server):
#  1. launch the app with WIREWATCH_DB=DB;
#  2. poll (every 50 ms, at most 60 s) for its visible window (by PID, else by the title
#     $WINDOW_NAME), then screenshot the window until
#     it shows more than $PAINT_COLOURS distinct colours — an empty or loading window has a
#     handful, a painted list of article titles has hundreds (anti-aliased text);
#  3. wait $IDLE_SECS seconds, then sum PSS from /proc/PID/smaps_rollup over the app and
#     every descendant (WebKitWebProcess, WebKitNetworkProcess);
#  4. stop the app by PID (TERM, then KILL after 5 s).
# Prints one JSON line.

set -euo pipefail
DB=${1:?usage: desktop.sh DB [TARGET_DIR]}
TARGET=${2:-}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PAINT_COLOURS=${PAINT_COLOURS:-200}
IDLE_SECS=${IDLE_SECS:-10}
WINDOW_NAME=${WINDOW_NAME:-Wirewatch}

BIN=""
for c in "${WIREWATCH_DESKTOP:-}" "${TARGET:+$TARGET/release/wirewatch-desktop}" \
         "$ROOT/src-tauri/target/release/wirewatch-desktop" "$ROOT/target/release/wirewatch-desktop" \
         "$(command -v wirewatch-desktop 2>/dev/null || true)"; do
  if [ -n "$c" ] && [ -x "$c" ]; then BIN=$c; break; fi
done
if [ -z "$BIN" ]; then
  echo "skipped: desktop binary not built" >&2
  echo '{"scenario": "desktop", "skipped": "desktop binary not built"}'
  exit 0
fi
for tool in xvfb-run xdotool import convert; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool missing (apt: xvfb xdotool imagemagick)" >&2
    echo "{\"scenario\": \"desktop\", \"skipped\": \"$tool missing\"}"; exit 0; }
done

export BIN DB PAINT_COLOURS IDLE_SECS WINDOW_NAME
xvfb-run -a -s "-screen 0 1440x900x24" bash -c '
  set -u
  now() { date +%s%N; }
  descendants() { # $1 and all its descendants, one PID a line
    local frontier=$1 next p
    echo "$1"
    for _ in 1 2 3 4 5 6; do
      next=""
      for p in $frontier; do next="$next $(pgrep -P "$p" 2>/dev/null | tr "\n" " ")"; done
      [ -z "${next// }" ] && break
      echo $next | tr " " "\n"
      frontier=$next
    done
  }
  t0=$(now)
  WIREWATCH_DB="$DB" "$BIN" >/dev/null 2>&1 &
  APP=$!
  win=""; t_win=""; t_paint=""; colours=0
  for _ in $(seq 1 1200); do
    kill -0 $APP 2>/dev/null || break
    if [ -z "$win" ]; then
      win=$(xdotool search --onlyvisible --pid $APP 2>/dev/null | head -1 || true)
      # Toolkits that do not set _NET_WM_PID: find the window by its title.
      [ -z "$win" ] && win=$(xdotool search --onlyvisible --name "$WINDOW_NAME" 2>/dev/null | head -1 || true)
      [ -n "$win" ] && t_win=$(now)
    fi
    if [ -n "$win" ]; then
      colours=$(import -silent -window "$win" png:- 2>/dev/null | convert png:- -format %k info: 2>/dev/null || echo 0)
      if [ "${colours:-0}" -gt "$PAINT_COLOURS" ]; then t_paint=$(now); break; fi
    fi
    sleep 0.05
  done
  if [ -z "$t_paint" ]; then
    echo "{\"scenario\": \"desktop\", \"error\": \"no painted window within 60 s\", \"colours\": ${colours:-0}}"
  else
    sleep "$IDLE_SECS"
    total=0; parts=""
    for p in $(descendants $APP); do
      [ -r /proc/$p/smaps_rollup ] || continue
      kb=$(awk "/^Pss:/ { print \$2 }" /proc/$p/smaps_rollup)
      # The name the program was started as: comm is cut at 15 characters.
      name=$(tr "\0" "\n" < /proc/$p/cmdline | head -1); name=${name##*/}
      total=$((total + kb)); parts="$parts\"$name($p)\": $((kb / 1024)), "
    done
    awk -v t0=$t0 -v tw=$t_win -v tp=$t_paint -v pss=$total -v parts="$parts" "BEGIN {
      printf \"{\\\"scenario\\\": \\\"desktop\\\", \\\"window_s\\\": %.3f, \\\"first_paint_s\\\": %.3f, \\\"idle_pss_mib\\\": %.1f, \\\"processes\\\": {%s}}\n\",
        (tw - t0) / 1e9, (tp - t0) / 1e9, pss / 1024, substr(parts, 1, length(parts) - 2) }"
  fi
  family=$(descendants $APP)
  kill $APP 2>/dev/null
  for _ in $(seq 1 50); do kill -0 $APP 2>/dev/null || break; sleep 0.1; done
  for p in $family; do kill -KILL $p 2>/dev/null || true; done
'

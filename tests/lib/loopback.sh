# Sourced by the shell tests: a temporary folder, and a folder served on 127.0.0.1 with
# Python's static server.
#
#   loopback_work      makes a temporary folder, $work, and sets an EXIT trap that stops the
#                      static server (if one was started) by PID and removes the folder.
#   serve_folder DIR   starts the server on a free port and waits until it answers; sets $port
#                      and $server_pid.

loopback_work() {
  work=$(mktemp -d)
  server_pid=""
  trap loopback_cleanup EXIT
}

loopback_cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}

serve_folder() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$1" >/dev/null 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "loopback: the static server on port $port did not answer" >&2
  return 1
}

# Sourced by the shell tests: serves a folder on 127.0.0.1 with Python's static server.
#
#   serve_folder DIR   starts it on a free port and waits until it answers; sets $port and
#                      $server_pid (the caller stops it by PID, e.g. in its EXIT trap).

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

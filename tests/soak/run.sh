#!/usr/bin/env bash
# The corest soak (tests/soak/README.md): builds tests/soak/soak.cpp in build-soak/,
# starts its own nginx on a free loopback port, runs the soak program against it and
# the soak's in-process fault server while restarting nginx every few seconds, stops
# everything it started on exit, and exits with the soak's status.
#
#   bash tests/soak/run.sh             # 1,000,000 calls
#   bash tests/soak/run.sh 20000       # the short variant CI runs
#   SOAK_ARGS="--concurrency 128 --threads 2" bash tests/soak/run.sh 200000
#
# Environment: BUILD_DIR (default build-soak), SOAK_ARGS (more soak options),
# RESTART_MIN/RESTART_MAX (seconds between nginx restarts, default 2 and 6),
# RESTARTS=0 to leave nginx alone, NGINX (the nginx binary), SOAK_BIN (run this soak
# program instead of building one), SOAK_PREFIX (a command
# to run the soak under, e.g. "gdb -batch -ex run -ex 'thread apply all bt' --args").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-soak}
CALLS=${1:-1000000}
RESTART_MIN=${RESTART_MIN:-2}
RESTART_MAX=${RESTART_MAX:-6}
RESTARTS=${RESTARTS:-1}
read -r -a EXTRA <<<"${SOAK_ARGS:-}"

log() { printf 'soak: %s\n' "$*" >&2; }

[[ $CALLS =~ ^[1-9][0-9]*$ ]] || { log "usage: $0 [calls]"; exit 2; }

# ---- build ----------------------------------------------------------------------
if [[ -n ${SOAK_BIN:-} ]]; then
  SOAK=$SOAK_BIN   # a soak program built some other way (another corest tree, sanitizers)
else
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOREST_BUILD_SOAK=ON \
    -DCOREST_BUILD_TESTS=OFF -DCOREST_BUILD_EXAMPLES=OFF -DCOREST_WARNINGS_AS_ERRORS=ON >/dev/null
  cmake --build "$BUILD" --target corest_soak -j "${JOBS:-1}" >&2
  SOAK=$BUILD/tests/soak/corest_soak
fi

# ---- environment --------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/corest-soak.XXXXXX")
chmod 755 "$WORK"   # nginx's worker may run as another user and must read the files
RESTARTER=""
SOAK_PID=""

# Is $1 a live process whose command line names our work directory (so ours)?
ours() {
  [[ -n ${1:-} && -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$WORK"
}

nginx_pids() {   # the master we started last, and the one nginx's pid file names
  local p
  for p in $(cat "$WORK/master.pid" "$WORK/nginx.pid" 2>/dev/null | sort -u); do
    ours "$p" && echo "$p"
  done
  return 0
}

stop_nginx() {   # TERM (fast shutdown), wait up to 5 s, then KILL
  local p i
  for p in $(nginx_pids); do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    [[ -z $(nginx_pids) ]] && return 0
    sleep 0.1
  done
  for p in $(nginx_pids); do kill -KILL "$p" 2>/dev/null || true; done
}

cleanup() {
  local status=$?
  if [[ -n $SOAK_PID ]]; then   # interrupted: stop the soak program first
    kill -TERM "$SOAK_PID" 2>/dev/null || true
    wait "$SOAK_PID" 2>/dev/null || true
  fi
  if [[ -n $RESTARTER ]]; then
    kill -TERM "$RESTARTER" 2>/dev/null || true
    wait "$RESTARTER" 2>/dev/null || true
  fi
  stop_nginx
  if ((status != 0)) && [[ -s $WORK/error.log ]]; then
    log "nginx's error log (last lines):"
    tail -n 5 "$WORK/error.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The soak holds 64 calls in flight (a few hundred descriptors at most); be generous.
hard=$(ulimit -Hn)
if [[ $hard == unlimited || $hard -ge 65536 ]]; then ulimit -n 65536; else ulimit -n "$hard"; fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# ---- nginx ----------------------------------------------------------------------------
mkdir -p "$WORK/www" "$WORK/tmp"
python3 -c 'import sys; sys.stdout.write("0123456789abcdef" * 4096)' >"$WORK/www/64k.txt"
chmod 644 "$WORK/www/64k.txt"
USER_LINE=""
# As root nginx would switch its worker to nobody (and Debian has no 'nobody' group):
# stay ourselves, as tests/fixtures/servers.sh does.
[[ $(id -u) == 0 ]] && USER_LINE="user $(id -un) $(id -gn);"
cat >"$WORK/nginx.conf" <<EOF
$USER_LINE
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_timeout 75s;
  # keepalive_requests stays at its default (1000): nginx closing a connection after
  # its 1000th request is one more way for a pooled connection to go away.
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:$PORT;
    location = /hello { return 200 "hello, world\n"; }
    location /json/ { default_type application/json; return 200 '{"uri":"\$uri"}'; }
    location = /64k.txt { root $WORK/www; }
  }
}
EOF
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}   # /usr/sbin is not on a user's PATH

start_nginx() {
  "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" </dev/null >>"$WORK/nginx.out" 2>&1 &
  echo $! >"$WORK/master.pid"
}

wait_port() {   # until 127.0.0.1:$1 accepts, at most 10 s
  local i
  for ((i = 0; i < 100; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on port $1; nginx said:"
  cat "$WORK/nginx.out" "$WORK/error.log" >&2 2>/dev/null || true
  return 1
}

start_nginx
wait_port "$PORT"
curl_ok=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
  "http://127.0.0.1:$PORT/json/1")
[[ $curl_ok == '{"uri":"/json/1"}' ]] || { log "nginx answers $curl_ok, not the expected JSON"; exit 1; }

# ---- nginx restarts in the background --------------------------------------------------
# Every RESTART_MIN..RESTART_MAX s: stop nginx (TERM, fast shutdown, or now and then
# QUIT, graceful), leave the port closed 0.2-1.0 s, start it again. Calls in the gap get
# CONNECT_FAILED (or succeed on a retry); pooled connections die and are replaced.
restarter() {
  # TERM only sets a flag (and cuts a sleep short): a restart is never left half done,
  # so the pid files always name the nginx that runs.
  local stop=0 sleeper="" n=0 pause sig p i
  trap 'stop=1; [[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null' TERM
  nap() { sleep "$1" & sleeper=$!; wait "$sleeper" 2>/dev/null; sleeper=""; }
  while ((!stop)); do
    nap "$(awk -v a="$RESTART_MIN" -v b="$RESTART_MAX" -v s="$RANDOM" 'BEGIN{srand(s); printf "%.2f", a+(b-a)*rand()}')"
    ((stop)) && break
    sig=TERM
    ((RANDOM % 4 == 0)) && sig=QUIT
    pause=$(awk -v s="$RANDOM" 'BEGIN{srand(s); printf "%.2f", 0.2+0.8*rand()}')
    for p in $(nginx_pids); do kill "-$sig" "$p" 2>/dev/null || true; done
    # QUIT waits for the requests in flight; never longer than 5 s.
    for ((i = 0; i < 50; i++)); do [[ -z $(nginx_pids) ]] && break; sleep 0.1; done
    for p in $(nginx_pids); do kill -KILL "$p" 2>/dev/null || true; done
    nap "$pause"
    start_nginx
    n=$((n + 1))
    echo "$n" >"$WORK/restarts"
    printf 'soak: nginx restart %d (%s, port closed %s s)\n' "$n" "$sig" "$pause" >&2
  done
}

echo 0 >"$WORK/restarts"
if [[ $RESTARTS != 0 ]]; then
  restarter &
  RESTARTER=$!
fi

# ---- the soak ---------------------------------------------------------------------------
log "running $CALLS calls against nginx on 127.0.0.1:$PORT (restarted every ${RESTART_MIN}-${RESTART_MAX} s)"
started=$(date +%s)
# In the background with `wait`, so that a signal to this script is handled at once.
set +e
${SOAK_PREFIX:-} "$SOAK" --calls "$CALLS" --nginx-port "$PORT" "${EXTRA[@]}" &
SOAK_PID=$!
wait "$SOAK_PID"
status=$?
SOAK_PID=""
set -e
log "soak program exited with $status after $(($(date +%s) - started)) s; nginx was restarted $(cat "$WORK/restarts") times"
exit "$status"

#!/usr/bin/env bash
# Builds the benchmark clients, starts its own nginx (and the slow server), runs
# every scenario with every client REPS times, prints the table of medians and
# writes it to benchmarks/results/latest.txt. Every server it starts is stopped on exit.
#
#   bash benchmarks/run.sh                          # REPS=3 DURATION=10
#   REPS=1 DURATION=2 INFLIGHT=2000 bash benchmarks/run.sh   # a quick look
#   SCENARIOS="http-c64 tls-c64" CLIENTS="corest curl" bash benchmarks/run.sh
#   SCENARIOS="h2-tls-c256 h2-tls-c1024 h2-1mib-c8 h2-inflight" bash benchmarks/run.sh   # HTTP/2
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
REPS=${REPS:-3}
DURATION=${DURATION:-10}          # seconds per measured run (whole seconds: wrk takes no fraction)
INFLIGHT=${INFLIGHT:-10000}       # calls held in flight at once in the memory scenario
SLOW_DELAY=${SLOW_DELAY:-2}       # seconds the slow server waits before answering
SCENARIOS=${SCENARIOS:-"http-c1 http-c64 http-c1024 tls-c64 tls-c1024 proxy-tls-c64 1mib-c8 inflight h2-tls-c256 h2-tls-c1024 h2-1mib-c8 h2-inflight"}
CLIENTS=${CLIENTS:-"corest curl beast wrk"}
# HTTP/2 scenarios run corest (http_version "2"), libcurl multiplexing and h2load (the floor);
# h2-tls-c1024 runs corest over HTTP/2 against corest over HTTP/1.1 (corest_h1).
H2_CLIENTS=${H2_CLIENTS:-"corest curl h2load"}

log() { printf '%s\n' "$*" >&2; }

# ---- build ------------------------------------------------------------------
# -O2 like a typical release build of a service (CMake's Release default is -O3).
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCOREST_BUILD_BENCHMARKS=ON -DCOREST_BUILD_TESTS=OFF \
  -DCOREST_BUILD_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$BUILD" --target bench_corest bench_curl bench_beast >&2
BIN="$BUILD/benchmarks"

# ---- environment ------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/corest-bench.XXXXXX")
chmod 755 "$WORK"   # nginx's worker may run as another user and must read the files
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 10,000 calls in flight need 10,000 descriptors in the client and in the slow server.
hard=$(ulimit -Hn)
if [[ $hard == unlimited || $hard -ge 65536 ]]; then ulimit -n 65536; else ulimit -n "$hard"; fi
nofile=$(ulimit -n)
if (( INFLIGHT > nofile - 64 )); then
  INFLIGHT=$(( nofile - 64 ))
  log "open-file limit is $nofile: holding $INFLIGHT calls in flight instead"
fi

# nginx on CPU 0, the clients on CPU 1, so they do not steal each other's core.
PIN_SERVER=() PIN_CLIENT=()
if command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
  PIN_SERVER=(taskset -c 0) PIN_CLIENT=(taskset -c 1)
else
  log "taskset missing or one CPU: server and clients are not pinned"
fi
HAVE_WRK=0
command -v wrk >/dev/null && HAVE_WRK=1 || log "wrk not installed: skipping it (apt-get install wrk)"

free_ports() {   # N free loopback ports
  python3 -c 'import socket,sys
s=[socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}
read -r HTTP_PORT TLS_PORT SLOW_PORT SQUID_PORT H2_PORT H2_SLOW_PORT < <(free_ports 6)

wait_port() {   # until 127.0.0.1:$1 accepts, at most 10 s
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on port $1"; return 1
}

# ---- certificates: a CA and a server certificate for 127.0.0.1 --------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=corest bench CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
  > "$WORK/server.ext"
openssl x509 -req -days 2 -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -extfile "$WORK/server.ext" -out "$WORK/server.pem" 2>/dev/null

# ---- nginx --------------------------------------------------------------------
mkdir -p "$WORK/www" "$WORK/tmp"
# 1 MiB of text (base64 lines): a body corest keeps as text, as an API's would be.
python3 -c 'import base64, os, sys; sys.stdout.write(base64.encodebytes(os.urandom(786432)).decode()[:1048576])' \
  > "$WORK/www/1mib.txt"
chmod 644 "$WORK/www/1mib.txt"
USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user $(id -un) $(id -gn);"   # root: no 'nobody' group on Debian
cat > "$WORK/nginx.conf" <<EOF
$USER_LINE
worker_processes 1;
worker_rlimit_nofile $nofile;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 30000; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 75s;
  keepalive_requests 100000000;   # the default 1000 would close connections mid-run
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    location / { return 200 "hello, world\n"; }
    location = /1mib.txt { root $WORK/www; }
  }
  server {
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $WORK/server.pem;
    ssl_certificate_key $WORK/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;   # nginx 1.22 leaves 1.3 out by default
    location / { return 200 "hello, world\n"; }
  }
  server {   # HTTP/2 over TLS: 256 streams at once on a connection
    listen 127.0.0.1:$H2_PORT ssl http2;
    ssl_certificate $WORK/server.pem;
    ssl_certificate_key $WORK/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    http2_max_concurrent_streams 256;
    location / { return 200 "hello, world\n"; }
    location = /1mib.txt { root $WORK/www; }
  }
  server {   # HTTP/2 over TLS in front of the slow server: calls held in flight
    listen 127.0.0.1:$H2_SLOW_PORT ssl http2;
    ssl_certificate $WORK/server.pem;
    ssl_certificate_key $WORK/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    http2_max_concurrent_streams 1024;
    location / { proxy_pass http://127.0.0.1:$SLOW_PORT; }
  }
}
EOF
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}   # /usr/sbin is not on a user's PATH
"${PIN_SERVER[@]}" "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" &
PIDS+=($!)
"${PIN_SERVER[@]}" python3 "$HERE/slow_server.py" "$SLOW_PORT" "$SLOW_DELAY" &
PIDS+=($!)
wait_port "$HTTP_PORT"; wait_port "$TLS_PORT"; wait_port "$SLOW_PORT"; wait_port "$H2_PORT"
HAVE_H2LOAD=0
command -v h2load >/dev/null && HAVE_H2LOAD=1 || log "h2load not installed: skipping it (apt-get install nghttp2-client)"

# ---- squid, for proxy-tls-c64: an open proxy on loopback, no cache, its access log counting
# the CONNECT tunnels each client opened (a line per tunnel, written when it closes).
SQUID_LOG="$WORK/squid/access.log"
if [[ " $SCENARIOS " == *" proxy-tls-c64 "* ]]; then
  SQUID=${SQUID:-$(command -v squid || echo /usr/sbin/squid)}
  mkdir -p "$WORK/squid"
  chmod 777 "$WORK/squid"   # as root squid runs as the user "proxy"
  SQUID_USER_LINE=""
  [[ $(id -u) == 0 ]] && SQUID_USER_LINE="cache_effective_user proxy"
  cat > "$WORK/squid/squid.conf" <<EOF
http_port 127.0.0.1:$SQUID_PORT
pid_filename $WORK/squid/squid.pid
$SQUID_USER_LINE
access_log stdio:$SQUID_LOG
cache_log $WORK/squid/cache.log
cache_store_log none
logfile_rotate 0
coredump_dir $WORK/squid
cache deny all
cache_mem 8 MB
shutdown_lifetime 0 seconds
visible_hostname corest-bench-proxy
max_filedescriptors $nofile
acl local src 127.0.0.1/32
http_access allow local
http_access deny all
EOF
  "${PIN_SERVER[@]}" "$SQUID" -N -f "$WORK/squid/squid.conf" </dev/null >"$WORK/squid/stdout.log" 2>&1 &
  PIDS+=($!)
  wait_port "$SQUID_PORT"
fi
tunnels_so_far() { grep -c ' CONNECT ' "$SQUID_LOG" 2>/dev/null || true; }

# ---- scenarios ----------------------------------------------------------------
RAW="$WORK/raw.txt"
: > "$RAW"

# run_one SCENARIO CLIENT REP CONCURRENCY URL [bench args...]: appends one result line.
run_one() {
  local scenario=$1 client=$2 rep=$3 conc=$4 url=$5; shift 5
  local line
  if [[ $client == h2load ]]; then
    # One connection, CONCURRENCY streams on it; h2load prints no percentiles.
    line=$("${PIN_CLIENT[@]}" timeout $(( DURATION + 60 )) h2load -c 1 -m "$conc" -D "$DURATION" \
             --warm-up-time=1 "$url" 2>&1 | python3 "$HERE/report.py" h2load "$conc") || true
  elif [[ $client == corest_h1 ]]; then   # corest with the same arguments, over HTTP/1.1
    local args=() a
    for a in "$@"; do [[ $a == --http2 ]] || args+=("$a"); done
    line=$("${PIN_CLIENT[@]}" timeout $(( DURATION * 2 + 120 )) "$BIN/bench_corest" --url "$url" --concurrency "$conc" \
             "${args[@]}" | sed 's/client=corest /client=corest_h1 /') || true
  elif [[ $client == wrk ]]; then
    local time_cmd=()
    [[ -x /usr/bin/time ]] && time_cmd=(/usr/bin/time -f "maxrss_kib=%M" -o "$WORK/wrk.rss")
    rm -f "$WORK/wrk.rss"
    line=$("${PIN_CLIENT[@]}" timeout $(( DURATION + 60 )) "${time_cmd[@]}" \
             wrk -t1 -c"$conc" -d"${DURATION}s" --latency "$url" | python3 "$HERE/report.py" wrk "$conc" "$WORK/wrk.rss") || true
  else
    local tunnels_before
    tunnels_before=$(tunnels_so_far)
    line=$("${PIN_CLIENT[@]}" timeout $(( DURATION * 2 + 120 )) "$BIN/bench_$client" --url "$url" --concurrency "$conc" "$@") || true
    if [[ $scenario == proxy-* ]]; then
      sleep 1   # squid logs a tunnel when it closes, as the client exits
      line="$line tunnels=$(( $(tunnels_so_far) - tunnels_before ))"
    fi
  fi
  [[ $line == *client=* ]] || line="client=$client requests=0 errors=1 failed=1"
  log "  $scenario rep $rep: $line"
  echo "scenario=$scenario rep=$rep $line" >> "$RAW"
}

# load SCENARIO CONCURRENCY URL [--cacert FILE]: every client, REPS times, interleaved
# so that a slow drift of the machine touches every client alike.
load() {
  local scenario=$1 conc=$2 url=$3; shift 3
  for rep in $(seq "$REPS"); do
    for client in $CLIENTS; do
      [[ $client == wrk && $HAVE_WRK == 0 ]] && continue
      # Through a proxy: the clients that speak proxies (raw Beast and wrk do not).
      [[ $scenario == proxy-* && $client != corest && $client != curl ]] && continue
      run_one "$scenario" "$client" "$rep" "$conc" "$url" --duration "$DURATION" "$@"
    done
  done
}

# load_h2 SCENARIO CONCURRENCY URL CLIENTS...: like load, over HTTP/2, with these clients.
load_h2() {
  local scenario=$1 conc=$2 url=$3; shift 3
  for rep in $(seq "$REPS"); do
    for client in "$@"; do
      [[ $client == h2load && $HAVE_H2LOAD == 0 ]] && continue
      run_one "$scenario" "$client" "$rep" "$conc" "$url" --duration "$DURATION" --cacert "$WORK/ca.pem" --http2
    done
  done
}

inflight() {
  for rep in $(seq "$REPS"); do
    for client in $CLIENTS; do
      [[ $client == wrk ]] && continue   # wrk is a load generator, not a client library
      run_one "inflight-$INFLIGHT" "$client" "$rep" "$INFLIGHT" "http://127.0.0.1:$SLOW_PORT/" --requests "$INFLIGHT"
    done
  done
}

log "nginx on 127.0.0.1:$HTTP_PORT (http) and :$TLS_PORT (https), slow server on :$SLOW_PORT;" \
    "REPS=$REPS DURATION=${DURATION}s INFLIGHT=$INFLIGHT"
for s in $SCENARIOS; do
  case $s in
    http-c1) load "$s" 1 "http://127.0.0.1:$HTTP_PORT/" ;;
    http-c64) load "$s" 64 "http://127.0.0.1:$HTTP_PORT/" ;;
    http-c1024) load "$s" 1024 "http://127.0.0.1:$HTTP_PORT/" ;;
    tls-c64) load "$s" 64 "https://127.0.0.1:$TLS_PORT/" --cacert "$WORK/ca.pem" ;;
    proxy-tls-c64) load "$s" 64 "https://127.0.0.1:$TLS_PORT/" --cacert "$WORK/ca.pem" \
                     --proxy "http://127.0.0.1:$SQUID_PORT" ;;
    1mib-c8) load "$s" 8 "http://127.0.0.1:$HTTP_PORT/1mib.txt" ;;
    inflight) inflight ;;
    tls-c1024) load "$s" 1024 "https://127.0.0.1:$TLS_PORT/" --cacert "$WORK/ca.pem" ;;
    h2-tls-c256) load_h2 "$s" 256 "https://127.0.0.1:$H2_PORT/" $H2_CLIENTS ;;
    h2-tls-c1024) load_h2 "$s" 1024 "https://127.0.0.1:$H2_PORT/" corest corest_h1 ;;
    h2-1mib-c8) load_h2 "$s" 8 "https://127.0.0.1:$H2_PORT/1mib.txt" $H2_CLIENTS ;;
    h2-inflight)
      for rep in $(seq "$REPS"); do
        run_one "h2-inflight-$INFLIGHT" corest "$rep" "$INFLIGHT" "https://127.0.0.1:$H2_SLOW_PORT/" \
          --requests "$INFLIGHT" --cacert "$WORK/ca.pem" --http2
      done ;;
    *) log "unknown scenario $s"; exit 2 ;;
  esac
done

# ---- report -------------------------------------------------------------------
mkdir -p "$HERE/results"
{
  echo "corest benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')),"
  echo "REPS=$REPS DURATION=${DURATION}s, medians; nginx pinned to CPU 0, clients to CPU 1: ${PIN_CLIENT[*]:-not pinned}"
  echo
  python3 "$HERE/report.py" table "$RAW"
  echo
  echo "raw runs:"
  cat "$RAW"
} | tee "$HERE/results/latest.txt"
# Charts of the same medians beside the text (needs python3-matplotlib: setup.sh bench).
python3 "$HERE/report.py" charts "$RAW" "$HERE/results"

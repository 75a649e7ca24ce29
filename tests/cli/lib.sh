# Helpers shared by the tool's end-to-end scripts (test_cli.sh, test_contract.sh); sourced.
# Expects $corest (the tool) and COREST_SERVERS_JSON; defines $work, $httpbin and the checks.

[[ -x $corest ]] || { echo "$0: $corest is not an executable" >&2; exit 1; }
: "${COREST_SERVERS_JSON:?COREST_SERVERS_JSON is not set: start tests/fixtures/servers.sh start DIR and export COREST_SERVERS_JSON=DIR/servers.json}"
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
# server NAME: a field of servers.json (a URL, a path).
server() {
  "$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$COREST_SERVERS_JSON" "$1" ||
    { echo "$0: cannot read $1 from $COREST_SERVERS_JSON" >&2; exit 1; }
}
httpbin=$(server httpbin)
# COREST_TEST_HTTP_VERSION=2: the same checks once more over HTTP/2. httpbin is then reached
# through nginx's HTTP/2 server over TLS, which the tool, with http_version left at auto,
# speaks by ALPN; the test CA is trusted as a system one (OpenSSL reads SSL_CERT_FILE).
# Every result from httpbin must then say http_version "2".
over_http2=0
if [[ ${COREST_TEST_HTTP_VERSION:-} == 2 ]]; then
  over_http2=1
  httpbin=$(server h2)
  export SSL_CERT_FILE
  SSL_CERT_FILE=$(server certs)/ca.pem
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# No secret from the caller's environment may leak into these runs, and no proxy of the
# caller's may stand between the tool and the loopback servers (the tool reads them).
while IFS='=' read -r name _; do unset "$name"; done < <(env | grep '^COREST_SECRET_' || true)
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

failures=0
checks=0
current=""
rc=none
fail() {
  failures=$((failures + 1))
  echo "FAIL [$current]: $*" >&2
  echo "  exit status: $rc" >&2
  echo "  stdout: $(head -c 2000 "$work/out")" >&2
  echo "  stderr: $(head -c 2000 "$work/err")" >&2
}
begin() { current=$1; checks=$((checks + 1)); }

# run STDIN_FILE ARGS...: runs corest; sets rc, leaves stdout/stderr in $work/out, $work/err.
run() {
  local in=$1
  shift
  "$corest" "$@" <"$in" >"$work/out" 2>"$work/err"
  rc=$?
  if (( over_http2 )); then
    "$py" - "$work/out" "$httpbin" <<'EOF' || fail "a response from $httpbin did not come over HTTP/2"
import json, sys
out, base = sys.argv[1:]
for line in open(out, encoding="utf-8"):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if isinstance(d, dict) and str(d.get("url", "")).startswith(base) and "status_code" in d and d.get("http_version") != "2":
        sys.exit(1)
EOF
  fi
}
# run_inputs JSON ARGS...: one call with JSON on standard input.
run_inputs() {
  printf '%s' "$1" >"$work/in"
  shift
  run "$work/in" "$@"
}

expect_rc() { [[ $rc == "$1" ]] || fail "expected exit status $1"; }

# expect_py EXPR: a Python expression over d (stdout as one JSON document) or lines
# (stdout's lines, each parsed as JSON) must be true.
expect_py() {
  "$py" - "$work/out" "$1" <<'EOF' || fail "expected: $1"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    d = json.loads(text)
except ValueError:
    d = None
lines = [json.loads(l) for l in text.splitlines() if l.strip()] if d is None else [d]
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
EOF
}
expect_out_lines() {
  local n
  n=$(wc -l <"$work/out")
  [[ $n == "$1" ]] || fail "expected $1 line(s) on stdout, got $n"
}
expect_err_contains() { grep -qF -- "$1" "$work/err" || fail "expected stderr to contain: $1"; }
expect_no_leak() { # SECRET: appears neither on stdout nor on stderr
  if grep -qF -- "$1" "$work/out" "$work/err"; then fail "a secret value was printed"; fi
}
expect_no_cr() {
  if grep -q $'\r' "$work/err"; then fail "carriage return in stderr (not a terminal)"; fi
  if grep -q $'\x1b' "$work/err"; then fail "ANSI escape in stderr (not a terminal)"; fi
}


# expect_wire TAG EXPR: the latest request the wire server (tests/fixtures/wire_server.py)
# received whose target contains TAG, as `w`, makes the Python expression EXPR true (with
# wire_log_key=wire_h2_log: the HTTP/2 recorder's, tests/fixtures/h2_server.py). In EXPR:
# w["method"], w["target"], w["port"], h("Name") (the first value of that header, any case,
# or None), hs("Name") (all its values), body (bytes), and form (body parsed as a form).
expect_wire() {
  "$py" - "$(server "${wire_log_key:-wire_log}")" "$1" "$2" >"$work/wire" <<'PY' || fail "on the wire, expected: $2 (request: $(head -c 3000 "$work/wire"))"
import base64, json, sys, urllib.parse
log, tag, expr = sys.argv[1:]
found = [e for e in map(json.loads, open(log, encoding="utf-8")) if tag in e["target"]]
if not found:
    print("no request with %r in its target reached the wire server" % tag)
    sys.exit(1)
w = found[-1]
print(json.dumps(w))
def hs(name):
    return [v for k, v in w["headers"] if k.lower() == name.lower()]
def h(name):
    values = hs(name)
    return values[0] if values else None
body = base64.b64decode(w["body_b64"])
form = urllib.parse.parse_qs(body.decode("latin-1"), keep_blank_values=True)
sys.exit(0 if eval(expr) else 1)
PY
}

# wire_count TAG: how many requests with TAG in their target reached the wire server.
wire_count() {
  "$py" -c 'import json, sys; print(sum(sys.argv[2] in json.loads(l)["target"] for l in open(sys.argv[1])))' \
    "$(server wire_log)" "$1"
}

# run_measured INPUTS_JSON: runs one call like run_inputs, and sets $peak_mib to the tool's
# peak resident memory in MiB.
run_measured() {
  printf '%s' "$1" >"$work/in"
  local line
  line=$("$py" - "$corest" "$work/in" "$work/out" "$work/err" <<'PY'
import resource, subprocess, sys
tool, inputs, out, err = sys.argv[1:]
with open(inputs, "rb") as i, open(out, "wb") as o, open(err, "wb") as e:
    rc = subprocess.run([tool, "-"], stdin=i, stdout=o, stderr=e).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
)
  rc=${line%% *}
  peak_mib=${line##* }
}

# finish: the summary line and the exit status.
finish() {
  if ((failures > 0)); then
    echo "$(basename "$0"): $failures of $checks checks FAILED" >&2
    exit 1
  fi
  echo "$(basename "$0"): all $checks checks passed"
}

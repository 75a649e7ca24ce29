#!/usr/bin/env bash
# End-to-end checks of the corest tool (docs/cli.md) against the loopback httpbin.
#
#   COREST_SERVERS_JSON=DIR/servers.json bash tests/cli/test_cli.sh PATH/TO/corest
#
# ctest runs it with the server fixture (tests/fixtures/servers.sh). Every check is exact and
# prints what it got when it fails; the script exits 1 when any check failed.
set -uo pipefail

corest=${1:?usage: test_cli.sh PATH/TO/corest}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- one call ---------------------------------------------------------------------------
begin "single GET"
run_inputs "{\"url\": \"$httpbin/get?x=1\"}"
expect_rc 0
expect_out_lines 1
expect_py 'd["status"] == "success" and d["status_code"] == 200 and d["message"] == "" and d["json"]["args"] == {"x": "1"}'
# Timings print in plain decimal form, not Boost.JSON's "0E0" / "1.2E-4".
if grep -qE '"(dns|connect|tls|ttfb|total)":-?[0-9.]+E' "$work/out"; then fail "timings in scientific notation"; fi
expect_py 'd["timings"]["dns"] >= 0 and 0 < d["timings"]["total"] < 60'

begin "inputs file as argument"
printf '{"url": "%s/get"}' "$httpbin" >"$work/inputs.json"
run /dev/null "$work/inputs.json"
expect_rc 0
expect_py 'd["status"] == "success" and d["status_code"] == 200'

begin "404 is an error result"
run_inputs "{\"url\": \"$httpbin/status/404\"}"
expect_rc 1
expect_py 'd["status"] == "error" and d["error"] == "NOT_FOUND" and d["status_code"] == 404'

begin "malformed JSON input"
run_inputs '{"url": '
expect_rc 2
expect_py 'd["status"] == "error" and d["error"] == "INVALID_INPUT" and "not valid JSON" in d["message"]'

begin "unknown input key"
run_inputs "{\"url\": \"$httpbin/get\", \"methd\": \"post\"}"
expect_rc 2
expect_py 'd["error"] == "INVALID_INPUT" and "methd" in d["message"]'

begin "unreadable inputs file"
run /dev/null "$work/no-such-inputs.json"
expect_rc 2
expect_py 'd["error"] == "INVALID_INPUT" and "no-such-inputs.json" in d["message"]'

begin "unknown option"
run /dev/null --frobnicate
expect_rc 2
expect_out_lines 0
expect_err_contains "unknown option --frobnicate"
expect_err_contains "usage: corest"

begin "two inputs files"
run /dev/null a.json b.json
expect_rc 2
expect_out_lines 0

begin "--help"
run /dev/null --help
expect_rc 0
grep -qF "usage: corest" "$work/out" || fail "expected usage on stdout"

begin "--pretty"
run_inputs "{\"url\": \"$httpbin/get\"}" --pretty
expect_rc 0
expect_py 'd["status"] == "success"'
[[ $(wc -l <"$work/out") -gt 10 ]] || fail "expected multi-line output"
[[ $(sed -n 2p "$work/out") == '  "status": "success",' ]] || fail "expected 2-space indent on line 2"

begin "SIGTERM cancels a single call"
printf '{"url": "%s/delay/5", "read_timeout": 30}' "$httpbin" >"$work/slow.json"
start=$(date +%s%N)
"$corest" "$work/slow.json" >"$work/out" 2>"$work/err" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 130
expect_py 'd["status"] == "error" and d["error"] == "CANCELLED"'
((elapsed_ms < 3500)) || fail "took ${elapsed_ms} ms to stop"

# ---- batch ------------------------------------------------------------------------------
begin "batch with a malformed and a blank line"
{
  printf '{"url": "%s/get?i=0"}\n' "$httpbin"
  printf '{"url": \n'
  printf '\n'
  printf '{"url": "%s/status/404"}\n' "$httpbin"
  printf '{"url": "%s/get?i=4"}\n' "$httpbin"
} >"$work/batch.jsonl"
run /dev/null --batch "$work/batch.jsonl" --concurrency 3
expect_rc 1
expect_out_lines 5
expect_py '[l["index"] for l in lines] == [0, 1, 2, 3, 4]'
expect_py '[l.get("error") for l in lines] == [None, "INVALID_INPUT", "INVALID_INPUT", "NOT_FOUND", None]'
expect_py 'lines[0]["json"]["args"] == {"i": "0"} and lines[4]["json"]["args"] == {"i": "4"}'
expect_py '"line 2 (index 1) is not valid JSON" in lines[1]["message"] and "line 3 (index 2) is blank" in lines[2]["message"]'
expect_py 'all(list(l)[0] == "index" for l in lines)'
expect_err_contains "5 calls, 2 successes, 3 errors"
expect_err_contains "requests/s"
expect_no_cr

begin "batch order under concurrency"
{
  printf '{"url": "%s/delay/1"}\n' "$httpbin"
  printf '{"url": "%s/get?i=1"}\n' "$httpbin"
  printf '{"url": "%s/get?i=2"}\n' "$httpbin"
} >"$work/order.jsonl"
run /dev/null --batch "$work/order.jsonl" --concurrency 8
expect_rc 0
expect_py '[l["index"] for l in lines] == [0, 1, 2] and all(l["status"] == "success" for l in lines)'
expect_py '"/delay/1" in lines[0]["url"] and lines[2]["json"]["args"] == {"i": "2"}'
expect_err_contains "3 calls, 3 successes, 0 errors"

if command -v script >/dev/null 2>&1; then
  begin "progress bar on a terminal"
  # script(1) gives corest a terminal as standard error; stdout goes to a file.
  script -qec "$(printf '%q ' "$corest" --batch "$work/order.jsonl") >$(printf '%q' "$work/out")" "$work/tty.txt" \
    </dev/null >/dev/null 2>&1
  rc=$?
  cp "$work/tty.txt" "$work/err"
  expect_rc 0
  expect_out_lines 3
  grep -q $'\r' "$work/tty.txt" || fail "expected carriage-return redraws on a terminal"
  expect_err_contains "req/s"
  expect_err_contains "3 calls, 3 successes, 0 errors"
fi

begin "batch CRLF lines, last line without newline, from standard input"
printf '{"url": "%s/get?i=0"}\r\n{"url": "%s/get?i=1"}\r\n{"url": "%s/get?i=2"}' "$httpbin" "$httpbin" "$httpbin" >"$work/crlf.jsonl"
run "$work/crlf.jsonl" --batch -
expect_rc 0
expect_out_lines 3
expect_py '[l["index"] for l in lines] == [0, 1, 2] and [l["json"]["args"]["i"] for l in lines] == ["0", "1", "2"]'

begin "empty batch"
: >"$work/empty.jsonl"
run /dev/null --batch "$work/empty.jsonl"
expect_rc 0
[[ -s $work/out ]] && fail "expected no output on stdout"
[[ -s $work/err ]] && fail "expected no output on stderr"

begin "--concurrency 0"
run /dev/null --batch "$work/batch.jsonl" --concurrency 0
expect_rc 2
expect_out_lines 0
expect_err_contains "--concurrency"
begin "--concurrency not a number"
run /dev/null --batch "$work/batch.jsonl" --concurrency=many
expect_rc 2
begin "--concurrency too large"
run /dev/null --batch "$work/batch.jsonl" --concurrency 100001
expect_rc 2
begin "--concurrency without --batch"
run_inputs "{\"url\": \"$httpbin/get\"}" --concurrency 4
expect_rc 2
expect_out_lines 0
begin "--pretty with --batch"
run /dev/null --batch "$work/batch.jsonl" --pretty
expect_rc 2
expect_out_lines 0
begin "unreadable --batch file"
run /dev/null --batch "$work/missing.jsonl"
expect_rc 2
expect_err_contains "missing.jsonl"
begin "unreadable --connector file"
run_inputs '{}' --connector "$work/missing-connector.yaml"
expect_rc 2
expect_out_lines 0
expect_err_contains "missing-connector.yaml"
begin "unreadable --secrets file"
run_inputs '{}' --secrets "$work/missing-secrets.json"
expect_rc 2
expect_err_contains "missing-secrets.json"

begin "SIGTERM during a batch"
for i in 0 1 2 3 4 5 6 7 8 9; do printf '{"url": "%s/delay/5?i=%s", "read_timeout": 30}\n' "$httpbin" "$i"; done >"$work/slow.jsonl"
start=$(date +%s%N)
"$corest" --batch "$work/slow.jsonl" --concurrency 2 >"$work/out" 2>"$work/err" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 130
expect_out_lines 2
expect_py '[l["index"] for l in lines] == [0, 1] and all(l["error"] == "CANCELLED" for l in lines)'
expect_err_contains "interrupted"
((elapsed_ms < 3500)) || fail "took ${elapsed_ms} ms to stop"

# ---- connectors and secrets -------------------------------------------------------------
password='S3cr3t-Pa55word-7q'
cat >"$work/connector.yaml" <<EOF
# A connector: the inputs every call starts from.
url: "{{secrets.base}}/basic-auth/alice/$password"
username: alice
expected_status_code: [200]
EOF
cat >"$work/secrets.json" <<EOF
{"base": "$httpbin", "password": "$password", "token": "tok-Z9x8c7v6"}
EOF

begin "connector YAML + secrets JSON"
run_inputs '{}' --connector "$work/connector.yaml" --secrets "$work/secrets.json"
expect_rc 0
expect_py 'd["status"] == "success" and d["json"] == {"authenticated": True, "user": "alice"}'
expect_no_leak "$password"

begin "secrets YAML"
printf 'base: %s\npassword: "%s"\n' "$httpbin" "$password" >"$work/secrets.yaml"
run_inputs '{}' --connector "$work/connector.yaml" --secrets "$work/secrets.yaml"
expect_rc 0
expect_py 'd["status"] == "success"'
expect_no_leak "$password"

begin "call inputs override the connector"
run_inputs "{\"url\": \"{{secrets.base}}/headers\", \"headers\": {\"X-Token\": \"{{ secrets.token }}\"}}" \
  --connector "$work/connector.yaml" --secrets "$work/secrets.json"
expect_rc 0
# httpbin echoes the header: the tool prints it masked.
expect_py 'd["status"] == "success" and d["json"]["headers"]["X-Token"] == "***"'
expect_no_leak "tok-Z9x8c7v6"
expect_no_leak "$password"

wrong='Wr0ng-Pa55word-4k'
printf '{"base": "%s", "password": "%s"}' "$httpbin" "$wrong" >"$work/wrong.json"
begin "wrong password: UNAUTHORIZED, secret not printed"
run_inputs '{}' --connector "$work/connector.yaml" --secrets "$work/wrong.json"
expect_rc 1
expect_py 'd["error"] == "UNAUTHORIZED" and d["status_code"] == 401'
expect_no_leak "$wrong"

begin "secret in a failing URL is masked in the message"
printf '{"api_key": "%s"}' "$wrong" >"$work/api-key.json"
run_inputs '{"url": "http://127.0.0.1:1/x?k={{secrets.api_key}}", "retry_on_connection_error": false}' \
  --secrets "$work/api-key.json"
expect_rc 1
expect_py 'd["error"] == "CONNECT_FAILED"'
expect_no_leak "$wrong"

begin "secrets in a batch"
printf '{}\n{"url": "{{secrets.base}}/status/401"}\n' >"$work/secret-batch.jsonl"
run /dev/null --batch "$work/secret-batch.jsonl" --connector "$work/connector.yaml" --secrets "$work/wrong.json"
expect_rc 1
expect_py '[l["error"] for l in lines] == ["UNAUTHORIZED", "UNAUTHORIZED"]'
expect_no_leak "$wrong"

begin "environment fallback COREST_SECRET_X"
printf 'url: "{{secrets.base}}/basic-auth/bob/env-Pa55-31"\nusername: bob\npassword: "{{secrets.X}}"\n' >"$work/env-connector.yaml"
printf '{"base": "%s"}' "$httpbin" >"$work/base.json"
COREST_SECRET_X='env-Pa55-31' run_inputs '{}' --connector "$work/env-connector.yaml" --secrets "$work/base.json"
expect_rc 0
expect_py 'd["status"] == "success" and d["json"]["user"] == "bob"'
expect_no_leak "env-Pa55-31"

begin "unknown secret"
run_inputs '{}' --connector "$work/env-connector.yaml" --secrets "$work/base.json"
expect_rc 2
expect_py 'd["error"] == "MISSING_INPUT" and d["message"].startswith("unknown secret \"X\" (not in the secrets file and COREST_SECRET_X is not set)")'

begin "malformed secrets file names the file, not its content"
printf '{"password": "%s", oops}' "$password" >"$work/bad-secrets.json"
run_inputs '{}' --secrets "$work/bad-secrets.json"
expect_rc 2
expect_err_contains "bad-secrets.json"
expect_no_leak "$password"

# ---- transport and policies through the tool -------------------------------------------
tls_url=$(server tls)
certs=$(server certs)

begin "HTTPS with cacert succeeds"
run_inputs "{\"url\": \"$tls_url/\", \"cacert\": \"$certs/ca.pem\"}"
expect_rc 0
expect_py 'd["status"] == "success" and d["status_code"] == 200 and d["timings"]["tls"] > 0'

begin "HTTPS without cacert is TLS_ERROR"
trusted=${SSL_CERT_FILE-}
unset SSL_CERT_FILE   # over HTTP/2 the test CA is trusted as a system one: not for this check
run_inputs "{\"url\": \"$tls_url/\"}"
[[ -n $trusted ]] && export SSL_CERT_FILE=$trusted
expect_rc 1
expect_py 'd["error"] == "TLS_ERROR" and d["attempts"] == 1'

begin "redirects show history"
run_inputs "{\"url\": \"$httpbin/redirect/2\"}"
expect_rc 0
expect_py 'd["status_code"] == 200 and [h["status_code"] for h in d["history"]] == [302, 302] and d["url"].endswith("/get")'

begin "retries show attempts and log lines"
run_inputs "{\"url\": \"$httpbin/status/503\", \"retry_backoff\": {\"initial\": 0.05, \"maximum\": 0.05, \"multiplier\": 1, \"deadline\": 0.3}}"
expect_rc 1
expect_py 'd["error"] == "SERVICE_UNAVAILABLE" and d["attempts"] >= 3 and any("retrying" in l for l in d["log"])'

finish

#!/usr/bin/env python3
"""Every error code as a user meets it: one call through the corest tool per code, against
the loopback servers, and the message it printed.

    test_messages.py COREST_TOOL

Each case asserts the code, and that the message is one line of words that holds what a
person needs to act: the input's name, or the server's status, or the limit. The table
of codes and messages is printed, for review. UNKNOWN_ERROR has no case: it is what the
mapping does not foresee, so no input produces it on purpose.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

tool = sys.argv[1]
with open(os.environ["COREST_SERVERS_JSON"]) as f:
    servers = json.load(f)
for name in list(os.environ):
    if name.startswith("COREST_SECRET_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        del os.environ[name]
httpbin, wire = servers["httpbin"], servers["wire"]
work = tempfile.mkdtemp()

no_retry = {"retry_on_connection_error": False, "retry_status_code": []}
status_cases = [(400, "BAD_REQUEST"), (401, "UNAUTHORIZED"), (403, "FORBIDDEN"), (404, "NOT_FOUND"),
                (405, "METHOD_NOT_ALLOWED"), (406, "NOT_ACCEPTABLE"), (408, "REQUEST_TIMEOUT"), (409, "CONFLICT"),
                (410, "GONE"), (500, "INTERNAL_SERVER_ERROR"), (501, "NOT_IMPLEMENTED"), (502, "BAD_GATEWAY"),
                (503, "SERVICE_UNAVAILABLE"), (504, "GATEWAY_TIMEOUT"), (418, "UNEXPECTED_STATUS")]

# (code, inputs, words the message must hold)
CASES = [
    ("MISSING_INPUT", {"method": "GET"}, ["url"]),
    ("INVALID_INPUT", {"url": httpbin + "/get", "read_timeout": "soon"}, ["read_timeout"]),
    ("INVALID_INPUT", {"url": httpbin + "/post", "json": {}, "text": "x"}, ["json", "text"]),
] + [(code, {"url": "%s/status/%d" % (httpbin, n), **no_retry}, [str(n), "expected_status_code"]) for n, code in status_cases] + [
    ("PROXY_AUTHENTICATION_REQUIRED", {"url": httpbin + "/get", "proxy": servers["proxy_auth"]}, ["407", "credentials"]),
    ("DNS_FAILED", {"url": "http://no-such-host.invalid/", **no_retry}, ["no-such-host.invalid", "resolve"]),
    ("CONNECT_FAILED", {"url": "http://127.0.0.1:1/", **no_retry}, ["127.0.0.1:1"]),
    ("TLS_ERROR", {"url": servers["tls_wrong_host"] + "/get", "cacert": servers["certs"] + "/ca.pem", **no_retry},
     ["certificate"]),
    ("TIMEOUT", {"url": httpbin + "/delay/3", "read_timeout": 0.3, **no_retry}, ["read_timeout"]),
    ("TIMEOUT", {"url": httpbin + "/delay/3", "total_timeout": 0.3, **no_retry}, ["total_timeout"]),
    ("CONNECTION_CLOSED", {"url": wire + "/close", **no_retry}, ["closed"]),
    ("PROTOCOL_ERROR", {"url": wire + "/two-locations/respond?status=302&h=Location:%20/a&h=Location:%20/b"},
     ["Location"]),
    ("TOO_MANY_REDIRECTS", {"url": httpbin + "/redirect/3", "max_redirects": 1}, ["max_redirects", "history"]),
    ("REDIRECT_REFUSED", {"url": httpbin + "/redirect-to?url=ftp://example.com/file"}, ["ftp"]),
    ("RESPONSE_TOO_LARGE", {"url": httpbin + "/bytes/2000", "max_response_bytes": 100}, ["max_response_bytes", "dst"]),
    ("AUTH_FAILED", {"url": wire + "/oauth2/resource", "authentication": {
        "type": "oauth2_client_credentials", "token_url": wire + "/oauth2/token", "client_id": "tutorial",
        "client_secret": "wrong-secret"}}, ["401", "token"]),
    ("PROXY_ERROR", {"url": "https://status-502.example/", "proxy": wire, **no_retry}, ["502"]),
    ("IO_ERROR", {"url": httpbin + "/get", "dst": "/nonexistent-directory/out.json"}, ["/nonexistent-directory/out.json"]),
]

failures = []
table = []


def check(code, result, words, what):
    message = result.get("message", "")
    problems = []
    if result.get("error") != code:
        problems.append("error %r, expected %s" % (result.get("error"), code))
    if not message or "\n" in message or len(message.split()) < 3:
        problems.append("not a one-line message of words: %r" % message)
    for w in words:
        if w not in message:
            problems.append("message lacks %r: %r" % (w, message))
    if "wrong-secret" in message:
        problems.append("the message holds a secret")
    if problems:
        failures.append("%s (%s): %s" % (code, what, "; ".join(problems)))
    table.append((code, what, message))


def run_one(inputs):
    p = subprocess.run([tool, "-"], input=json.dumps(inputs), capture_output=True, text=True, timeout=60)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"error": "no JSON (exit %d): %s" % (p.returncode, p.stderr[-500:])}


for code, inputs, words in CASES:
    check(code, run_one(inputs), words, json.dumps(inputs)[:90])

# CIRCUIT_OPEN: two calls on one client (a batch), the first opens the breaker.
batch = os.path.join(work, "breaker.jsonl")
with open(batch, "w") as f:
    for _ in range(2):
        f.write(json.dumps({"url": "http://127.0.0.1:1/", "circuit_breaker": {"failure_threshold": 1},
                            **no_retry}) + "\n")
p = subprocess.run([tool, "--batch", batch, "--concurrency", "1"], capture_output=True, text=True, timeout=60)
lines = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
check("CIRCUIT_OPEN", lines[-1] if lines else {}, ["127.0.0.1:1", "open_seconds"], "a second call after a failure, threshold 1")

# CANCELLED: SIGINT while a call waits for its answer.
p = subprocess.Popen([tool, "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
p.stdin.write(json.dumps({"url": httpbin + "/delay/5"}))
p.stdin.close()
time.sleep(1)
p.send_signal(signal.SIGINT)
out = p.stdout.read()
p.wait(timeout=30)
try:
    cancelled = json.loads(out)
except ValueError:
    cancelled = {}
check("CANCELLED", cancelled, ["cancel"], "SIGINT during /delay/5")

width = max(len(c) for c, _, _ in table)
print("%-*s  message" % (width, "code"))
for code, what, message in table:
    print("%-*s  %s" % (width, code, message))
for f in failures:
    print("FAIL: " + f)
print("%d messages, %d failures" % (len(table), len(failures)))
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""Runs one tutorial against the loopback test servers and checks what it printed.

    check_tutorial.py NAME PROGRAM

NAME is the tutorial's number ("02"); PROGRAM its executable. The servers come from
$COREST_SERVERS_JSON (tests/fixtures/servers.sh). Each tutorial's arguments and the
lines its output must contain, in order, are in TUTORIALS below; a tutorial that exits
with another status than 0, or misses a line, fails the test.
"""

import json
import os
import re
import subprocess
import sys
import tempfile


def batch_file(s, work):
    """Tutorial 10's input: three good lines, one that is not JSON, one bad input."""
    path = os.path.join(work, "batch.jsonl")
    with open(path, "w") as f:
        for n in range(3):
            f.write(json.dumps({"url": s["httpbin"] + "/get", "params": {"n": n}}) + "\n")
        f.write("{not json\n")
        f.write(json.dumps({"url": s["httpbin"] + "/status/404"}) + "\n")
        f.write(json.dumps({"url": s["httpbin"] + "/get", "method": "FETCH"}) + "\n")
    return [path, "2"]


def proxy_with_credentials(s):
    scheme, rest = s["proxy_auth"].split("//", 1)
    return f"{scheme}//{s['proxy_user']}:{s['proxy_password']}@{rest}"


# name: (arguments from the servers, lines the output must hold in order, as regexes)
TUTORIALS = {
    "01": (lambda s, w: [s["httpbin"] + "/get"], [r"^status 200 OK$", r'"url":"http://127\.0\.0\.1:\d+/get"']),
    "02": (lambda s, w: [s["httpbin"]], [
        r"^status 200$",
        r'^the server parsed: \{"name":"corest","tags":\["http","coroutines"\],"version":1\}$',
        r"^sent as: application/json$"]),
    "03": (lambda s, w: [s["httpbin"]], [
        r'^form fields: \{"city":"Zürich","count":"3"\}$',
        r'^value parts: \{"comment":"monthly report"\}$',
        r'^file parts: \{"report":"revenue: 42\\n"\}$']),
    "04": (lambda s, w: [s["httpbin"]], [
        r"^basic, right password: success \(status 200\)",
        r"^basic, wrong password: UNAUTHORIZED \(status 401\)",
        r"^bearer: success \(status 200\)",
        r"^api key in a header: success \(status 200\)",
        r"^  the server saw X-Api-Key: k-123$",
        r"^api key in the query: success \(status 200\), url http://\S+/get\?api_key=\*\*\*$"]),
    "05": (lambda s, w: [s["wire"] + "/oauth2/token", s["wire"] + "/oauth2/resource", "tutorial", "tutorial-secret"], [
        r'^call 1: \{"token":"tutorial-token-(\d+)","tokens_issued":\d+\}$',
        r'^call 2: \{"token":"tutorial-token-\d+","tokens_issued":\d+\}$',
        r"^the second call reused the cached token: yes$",
        r"^unknown client: AUTH_FAILED: the token endpoint http://\S+/oauth2/token answered 401"]),
    "06": (lambda s, w: [s["mtls"] + "/headers", s["certs"]], [
        r"^system CAs: TLS_ERROR$",
        r"^private CA, no client certificate: BAD_REQUEST$",
        r"^private CA and client certificate: status 200, client verified: SUCCESS$"]),
    "07": (lambda s, w: [s["httpbin"]], [
        r"^followed 3 redirects: 302 302 302, answered by http://\S+/get$",
        r"^with max_redirects 1: TOO_MANY_REDIRECTS$",
        r'^the redirect target received: \{"flavour":"oatmeal"\}$',
        r"^cookie set: flavour=oatmeal$",
        r"^not following: success, status 302, location /cookies$"]),
    "08": (lambda s, w: [s["httpbin"]], [
        r"^503, deadline 1 s: SERVICE_UNAVAILABLE after 3 attempt\(s\)",
        r"^503, total_timeout 0.5 s: SERVICE_UNAVAILABLE after 2 attempt\(s\) in 0\.[45] s",
        r"^500: INTERNAL_SERVER_ERROR after 1 attempt\(s\)",
        r"^200 or 429, retrying 429: success after \d+ attempt\(s\)"]),
    "09": (lambda s, w: [s["httpbin"]], [
        r"^race against 0.3 s: the timer won$",
        r"^cancelled by a signal: CANCELLED$",
        r"^read_timeout 0.3 s: TIMEOUT \(.*read_timeout.*\)$"]),
    "10": (batch_file, [
        r"^line 1: success 200 http://\S+/get\?n=0$",
        r"^line 2: success 200 http://\S+/get\?n=1$",
        r"^line 3: success 200 http://\S+/get\?n=2$",
        r"^line 4: INVALID_INPUT",
        r"^line 5: NOT_FOUND 404 ",
        r"^line 6: INVALID_INPUT",
        r"^3 succeeded, 3 failed$"]),
    "11": (lambda s, w: [s["httpbin"]], [
        r"^the server saw Authorization: Bearer t0k3n-from-the-vault$",
        r"^the server saw X-Region: eu-west$",
        r'^query \(the call\'s params replaced the connector\'s\): \{"page":"2"\}$',
        r'^MISSING_INPUT: unknown secret "nowhere" .*headers\.X-Other']),
    "12": (lambda s, w: [s["httpbin"], "40"], [r"^40 of 40 calls answered correctly on 4 threads; [1-9]\d* connections"]),
    "13": (lambda s, w: [s["httpbin"]], [
        r"^callback: success 200$", r"^future: success 200$",
        r"^deferred: built, nothing sent yet$", r"^deferred: success 200$"]),
    "14": (lambda s, w: [s["httpbin"], proxy_with_credentials(s)], [
        r"^through the proxy: success 200$", r"^  proxy http://127\.0\.0\.1:\d+ \(the proxy input\)$",
        r"^no_proxy matches: success 200$", r"^  direct \(no_proxy\)$",
        r"^wrong proxy password: PROXY_AUTHENTICATION_REQUIRED 407$",
        r"^  the proxy answered 407 .*credentials"]),
    "15": (lambda s, w: [s["h2"] + "/get", os.path.join(s["certs"], "ca.pem"), "50"], [
        r"^50 calls answered over HTTP/2$", r"^0 failed$", r"^with http_version 1.1: HTTP/1.1$"]),
}


def main():
    name, program = sys.argv[1], sys.argv[2]
    with open(os.environ["COREST_SERVERS_JSON"]) as f:
        servers = json.load(f)
    make_args, expected = TUTORIALS[name]
    with tempfile.TemporaryDirectory() as work:
        args = make_args(servers, work)
        run = subprocess.run([program, *args], capture_output=True, text=True, timeout=50)
    print(f"$ {program} {' '.join(args)}\n{run.stdout}", end="")
    if run.stderr:
        print(f"stderr:\n{run.stderr}", end="")
    failures = [] if run.returncode == 0 else [f"exit status {run.returncode}"]
    lines, at = run.stdout.splitlines(), 0
    for pattern in expected:
        found = next((i for i in range(at, len(lines)) if re.search(pattern, lines[i])), None)
        if found is None:
            failures.append(f"no line after line {at} matches {pattern!r}")
        else:
            at = found + 1
    for failure in failures:
        print(f"FAIL: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

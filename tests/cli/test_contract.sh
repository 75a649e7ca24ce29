#!/usr/bin/env bash
# The contract where a user sees it: each case runs the corest tool against real loopback
# servers and asserts what reached the server (the wire recorder's log, see
# tests/fixtures/wire_server.py) and what the tool printed.
#
#   COREST_SERVERS_JSON=DIR/servers.json bash tests/cli/test_contract.sh PATH/TO/corest
#
# ctest runs it with the server fixture (tests/fixtures/servers.sh).
set -uo pipefail

corest=${1:?usage: test_contract.sh PATH/TO/corest}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wire=$(server wire)
wire2=$(server wire2)
wire_port=${wire##*:}
wire2_port=${wire2##*:}
tls_url=$(server tls)
tls_port=${tls_url##*:}
tls13_url=$(server tls13_only)
tls13_port=${tls13_url##*:}
certs=$(server certs)

# enc TEXT: TEXT percent-encoded for a query value.
enc() { "$py" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# respond_url BASE PATH STATUS HEADER...: a wire server URL that answers STATUS with those headers.
respond_url() {
  local base=$1 path=$2 status=$3 url
  shift 3
  url="$base$path/respond?status=$status"
  for header in "$@"; do url+="&h=$(enc "$header")"; done
  printf '%s' "$url"
}

# ---- secrets reach the wire, and only the wire ------------------------------------------
tok='tok-Q7w8e9r0t1'
pw='pw-Z1x2c3v4b5'
key='key-A9s8d7f6g5'
user='user-M3n4b5v6'
csecret='cs-L0k9j8h7g6'
envtok='env-P5o4i3u2y1'
access='at-R4t5y6u7i8'
cat >"$work/secrets.json" <<EOF
{"tok": "$tok", "pw": "$pw", "key": "$key", "user": "$user", "csecret": "$csecret"}
EOF
no_secret_printed() {
  for s in "$tok" "$pw" "$key" "$user" "$csecret" "$envtok" "$access"; do expect_no_leak "$s"; done
}

begin "secrets in url, params, headers, cookies and a form body"
run_inputs "{\"url\": \"$wire/sec1/{{secrets.tok}}?u={{secrets.tok}}\",
  \"params\": {\"p\": \"{{secrets.tok}}\", \"arr\": [\"x{{secrets.tok}}\"]},
  \"headers\": {\"X-Whole\": \"{{secrets.tok}}\", \"X-Part\": \"a-{{ secrets.tok }}-b\"},
  \"cookies\": {\"c\": \"{{secrets.tok}}\"},
  \"method\": \"post\", \"urlencoded\": {\"f\": \"{{secrets.pw}}\", \"many\": [\"{{secrets.pw}}\", \"2\"]}}" \
  --secrets "$work/secrets.json"
expect_rc 0
expect_wire /sec1/ "w['target'] == '/sec1/$tok?u=$tok&p=$tok&arr=x$tok'"
expect_wire /sec1/ "h('X-Whole') == '$tok' and h('X-Part') == 'a-$tok-b' and h('Cookie') == 'c=$tok'"
expect_wire /sec1/ "form == {'f': ['$pw'], 'many': ['$pw', '2']}"
expect_py "d['url'] == '$wire/sec1/***?u=***&p=***&arr=x***'"
no_secret_printed

begin "secrets nested in a JSON body"
run_inputs "{\"url\": \"$wire/sec2\", \"method\": \"put\",
  \"json\": {\"a\": {\"b\": [\"{{secrets.tok}}\", {\"c\": \"{{secrets.pw}}\"}]}, \"k\": \"{{secrets.key}}!\"}}" \
  --secrets "$work/secrets.json"
expect_rc 0
expect_wire /sec2 "body == b'{\"a\":{\"b\":[\"$tok\",{\"c\":\"$pw\"}]},\"k\":\"$key!\"}'"
no_secret_printed

begin "secrets in a text body and a multipart value"
run_inputs "{\"url\": \"$wire/sec3\", \"method\": \"post\", \"text\": \"token={{secrets.tok}};\"}" \
  --secrets "$work/secrets.json"
expect_wire /sec3 "body == b'token=$tok;'"
no_secret_printed
run_inputs "{\"url\": \"$wire/sec4\", \"method\": \"post\",
  \"multipart\": {\"parts\": [{\"name\": \"v\", \"value\": \"{{secrets.pw}}\"}]}}" --secrets "$work/secrets.json"
expect_rc 0
expect_wire /sec4 "b'\\r\\n\\r\\n$pw\\r\\n--' in body"
no_secret_printed

begin "secrets as basic, bearer and API-key credentials"
run_inputs "{\"url\": \"$wire/sec5\", \"username\": \"{{secrets.user}}\", \"password\": \"{{secrets.pw}}\"}" \
  --secrets "$work/secrets.json"
expect_rc 0
expect_wire /sec5 "h('Authorization') == 'Basic ' + base64.b64encode(b'$user:$pw').decode()"
no_secret_printed
run_inputs "{\"url\": \"$wire/sec6\", \"authentication\": {\"type\": \"bearer\", \"token\": \"{{secrets.tok}}\"}}" \
  --secrets "$work/secrets.json"
expect_wire /sec6 "h('Authorization') == 'Bearer $tok'"
no_secret_printed
run_inputs "{\"url\": \"$wire/sec7\", \"authentication\": {\"type\": \"api_key\", \"name\": \"X-Key\", \"value\": \"{{secrets.key}}\", \"location\": \"header\"}}" \
  --secrets "$work/secrets.json"
expect_wire /sec7 "h('X-Key') == '$key'"
no_secret_printed
run_inputs "{\"url\": \"$wire/sec8\", \"authentication\": {\"type\": \"api_key\", \"name\": \"k\", \"value\": \"{{secrets.key}}\", \"location\": \"query\"}}" \
  --secrets "$work/secrets.json"
expect_wire /sec8 "w['target'] == '/sec8?k=$key'"
expect_py "d['url'] == '$wire/sec8?k=***'"
no_secret_printed

begin "secrets in an OAuth2 client-credentials token request"
token_url=$(respond_url "$wire" /sec9-token 200 "Content-Type: application/json")"&body=$(enc "{\"access_token\": \"$access\", \"expires_in\": 3600}")"
run_inputs "{\"url\": \"$wire/sec9-api\", \"authentication\": {\"type\": \"oauth2_client_credentials\",
  \"token_url\": \"$token_url\", \"client_id\": \"{{secrets.user}}\", \"client_secret\": \"{{secrets.csecret}}\"}}" \
  --secrets "$work/secrets.json"
expect_rc 0
expect_wire /sec9-token "w['method'] == 'POST' and form['client_secret'] == ['$csecret'] and form['client_id'] == ['$user']"
expect_wire /sec9-api "h('Authorization') == 'Bearer $access'"
no_secret_printed

begin "secrets in a connector file, and from the environment"
cat >"$work/connector.yaml" <<EOF
url: "$wire/sec10"
headers:
  X-From-Connector: "{{secrets.tok}}"
  X-From-Env: "{{secrets.ENVTOK}}"
EOF
COREST_SECRET_ENVTOK=$envtok run_inputs '{"params": {"q": "{{secrets.pw}}"}}' \
  --connector "$work/connector.yaml" --secrets "$work/secrets.json"
expect_rc 0
expect_wire /sec10 "h('X-From-Connector') == '$tok' and h('X-From-Env') == '$envtok' and w['target'] == '/sec10?q=$pw'"
no_secret_printed

begin "secrets in a batch line"
printf '{"url": "%s/sec11", "headers": {"X-T": "{{secrets.tok}}"}}\n' "$wire" >"$work/sec.jsonl"
run /dev/null --batch "$work/sec.jsonl" --secrets "$work/secrets.json"
expect_rc 0
expect_wire /sec11 "h('X-T') == '$tok'"
no_secret_printed

# ---- bounded decoding --------------------------------------------------------------------
# The wire server's bombs expand to 1 GiB. Peak memory must stay near the limit (measured
# in the plain build: a sanitizer's own memory would swamp the bound).
check_peak() { # BOUND_MIB
  [[ ${COREST_SANITIZED:-0} == 1 ]] && return 0
  ((peak_mib < $1)) || fail "peak RSS $peak_mib MiB, expected below $1 MiB"
}
for coding in gzip deflate; do
  for limit in 1000000 default; do
    begin "$coding bomb with max_response_bytes $limit"
    if [[ $limit == default ]]; then
      inputs="{\"url\": \"$wire/bomb/$coding\"}"
      bound=$((64 + 48))
    else
      inputs="{\"url\": \"$wire/bomb/$coding\", \"max_response_bytes\": $limit}"
      bound=48
    fi
    run_measured "$inputs"
    expect_rc 1
    expect_py 'd["error"] == "RESPONSE_TOO_LARGE" and d["status_code"] == 200 and d["headers"]["content-encoding"]'
    expect_py '"json" not in d and "text" not in d and "bytes" not in d'
    check_peak "$bound"
    echo "  $coding bomb, limit $limit: peak RSS $peak_mib MiB" >&2
  done
  begin "$coding bomb into dst with max_response_bytes"
  run_measured "{\"url\": \"$wire/bomb/$coding\", \"dst\": \"$work/bomb.out\", \"max_response_bytes\": 5000000}"
  expect_rc 1
  expect_py 'd["error"] == "RESPONSE_TOO_LARGE" and "bytes" not in d'
  [[ -e $work/bomb.out ]] && fail "a dst file was left behind"
  ls "$work" | grep -q '^bomb.out' && fail "a temporary dst file was left behind"
  check_peak 48
done

# ---- redirects: RFC 3986 resolution, targets as the server spelled them ------------------
# check_redirect FROM_PATH LOCATION EXPECTED_TARGET
check_redirect() {
  begin "Location $2 from $1/respond"
  run_inputs "{\"url\": \"$(respond_url "$wire" "$1" 302 "Location: $2")\"}"
  expect_rc 0
  expect_py "[h['status_code'] for h in d['history']] == [302] and d['url'] == '$wire$3'"
  expect_wire "$3" "w['target'] == '$3'"
}
check_redirect "" "../redirected-1" "/redirected-1"
check_redirect "/a" "../../redirected-2" "/redirected-2"
check_redirect "/a/b" "../redirected-3" "/a/redirected-3"
check_redirect "" "./x/../../redirected-4?q=%7e" "/redirected-4?q=%7e"
check_redirect "" "/f%6Fo/%7e%41/redirected-5" "/f%6Fo/%7e%41/redirected-5"
check_redirect "" "/..%2Fredirected-6" "/..%2Fredirected-6"
check_redirect "" "/a/./b/../redirected-7;p=%2F" "/a/redirected-7;p=%2F"

begin "an empty Location field next to the real one"
run_inputs "{\"url\": \"$(respond_url "$wire" /loc1 302 "Location:" "Location: /loc1-target")\"}"
expect_rc 0
expect_py "d['url'] == '$wire/loc1-target'"
expect_wire /loc1-target "True"

begin "two identical Location fields"
run_inputs "{\"url\": \"$(respond_url "$wire" /loc2 302 "Location: /loc2-target" "Location: /loc2-target")\"}"
expect_rc 0
expect_py "d['url'] == '$wire/loc2-target'"

begin "two different Location fields are PROTOCOL_ERROR"
run_inputs "{\"url\": \"$(respond_url "$wire" /loc3 302 "Location: /loc3-first" "Location: /loc3-second")\"}"
expect_rc 1
expect_py "d['error'] == 'PROTOCOL_ERROR' and d['status_code'] == 302 and 'Location' in d['message']"
[[ $(wire_count /loc3-) == 0 ]] || fail "a Location target was requested"

# ---- empty bodies keep their headers -----------------------------------------------------
begin "text \"\" is a body"
run_inputs "{\"url\": \"$wire/empty1\", \"method\": \"post\", \"text\": \"\"}"
expect_rc 0
expect_wire /empty1 "h('Content-Type') == 'text/plain; charset=utf-8' and h('Content-Length') == '0' and body == b''"
begin "urlencoded {} is a body"
run_inputs "{\"url\": \"$wire/empty2\", \"method\": \"put\", \"urlencoded\": {}}"
expect_wire /empty2 "h('Content-Type') == 'application/x-www-form-urlencoded' and h('Content-Length') == '0'"
begin "an empty body on a GET"
run_inputs "{\"url\": \"$wire/empty3\", \"text\": \"\"}"
expect_wire /empty3 "h('Content-Type') == 'text/plain; charset=utf-8' and h('Content-Length') == '0'"
begin "no body input: no Content-Type"
run_inputs "{\"url\": \"$wire/empty4\", \"method\": \"post\"}"
expect_wire /empty4 "h('Content-Type') is None and h('Content-Length') == '0'"

# ---- messages name inputs and files whole ------------------------------------------------
long_dir=$work/$(printf 'd%.0s' {1..150})
long_path=$long_dir/the-file-named-in-the-message.txt
begin "a missing multipart file is named whole"
run_inputs "{\"url\": \"$wire/msg1\", \"method\": \"post\", \"multipart\": {\"parts\": [{\"name\": \"f\", \"file\": \"$long_path\"}]}}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and '\"$long_path\"' in d['message'] and 'multipart.parts[0].file' in d['message']"
[[ $(wire_count /msg1) == 0 ]] || fail "the request was sent"
begin "a path over 4096 bytes keeps its first and last 64 characters"
huge_path=/$(printf 'x%.0s' {1..5000})/end-of-the-very-long-path.txt
run_inputs "{\"url\": \"$wire/msg2\", \"method\": \"post\", \"multipart\": {\"parts\": [{\"name\": \"f\", \"file\": \"$huge_path\"}]}}"
expect_rc 2
expect_py "'\"${huge_path:0:64}...${huge_path: -64}\"' in d['message'] and len(d['message']) < 400"

# ---- JSON nesting ------------------------------------------------------------------------
nested() { "$py" -c 'import sys; n = int(sys.argv[1]); print("[" * n + "1" + "]" * n)' "$1"; }
begin "a JSON body nested 40 levels"
run_inputs "{\"url\": \"$wire/deep1\", \"method\": \"post\", \"json\": {\"a\": $(nested 39)}}"
expect_rc 0
expect_wire /deep1 "body == b'{\"a\":' + b'[' * 39 + b'1' + b']' * 39 + b'}'"
begin "a JSON body nested 1000 levels"
run_inputs "{\"url\": \"$wire/deep2\", \"method\": \"post\", \"json\": $(nested 1000)}"
expect_rc 0
expect_wire /deep2 "body.count(b'[') == 1000"
begin "deeper than 1000 levels names the input"
run_inputs "{\"url\": \"$wire/deep3\", \"method\": \"post\", \"json\": $(nested 1001)}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and '\"json\"' in d['message'] and '1000' in d['message']"
[[ $(wire_count /deep3) == 0 ]] || fail "the request was sent"
begin "a connector file nested 40 levels"
printf '{"url": "%s/deep4", "method": "post", "json": %s}' "$wire" "$(nested 40)" >"$work/deep-connector.json"
run_inputs '{}' --connector "$work/deep-connector.json"
expect_rc 0
expect_wire /deep4 "body.count(b'[') == 40"
begin "a response body nested 40 levels is json, deeper than 1000 is text"
run_inputs "{\"url\": \"$wire/deep5/respond?body=$(enc "$(nested 40)")\"}"
expect_rc 0
expect_py "'json' in d and str(d['json']).count('[') == 40"
run_inputs "{\"url\": \"$wire/deep6/respond?body=$(enc "$(nested 1001)")\"}"
expect_rc 0
expect_py "'text' in d and 'json' not in d"

# ---- cookies are bound to the port that set them -----------------------------------------
begin "a cookie does not cross to another port of the same host"
back=$(respond_url "$wire" /ck-back 200)
via2=$(respond_url "$wire2" /ck-other-port 302 "Location: $back")
run_inputs "{\"url\": \"$(respond_url "$wire" /ck-start 302 "Set-Cookie: origin_bound=1; Path=/" "Location: $via2")\"}"
expect_rc 0
expect_wire /ck-other-port "h('Cookie') is None and w['port'] == $wire2_port"
expect_wire /ck-back/ "h('Cookie') == 'origin_bound=1' and w['port'] == $wire_port"
expect_py "d['cookies'] == {'origin_bound': '1'}"

# ---- resolve, IDN and the public suffix list ---------------------------------------------
begin "resolve sends a U-label host by its A-label"
run_inputs "{\"url\": \"http://bücher.example:$wire_port/idn1\", \"resolve\": {\"bücher.example:$wire_port\": \"127.0.0.1\"}}"
expect_rc 0
expect_wire /idn1 "h('Host') == 'xn--bcher-kva.example:$wire_port'"
expect_py "d['url'] == 'http://xn--bcher-kva.example:$wire_port/idn1' and any('127.0.0.1' in l and 'xn--bcher-kva.example' in l for l in d['log'])"
begin "resolve keys match in either form, and *:port"
run_inputs "{\"url\": \"http://BÜCHER.example:$wire_port/idn2\", \"resolve\": {\"xn--bcher-kva.example:$wire_port\": [\"127.0.0.1\"]}}"
expect_rc 0
expect_wire /idn2 "h('Host') == 'xn--bcher-kva.example:$wire_port'"
run_inputs "{\"url\": \"http://api.example.co.uk:$wire_port/idn3\", \"resolve\": {\"*:$wire_port\": \"127.0.0.1\"}}"
expect_rc 0
expect_wire /idn3 "h('Host') == 'api.example.co.uk:$wire_port'"
begin "resolve applies to every hop"
next_hop="http://home.example.org:$wire2_port/idn4-next"
run_inputs "{\"url\": \"$(respond_url "http://api.example.co.uk:$wire_port" /idn4 302 "Location: $next_hop")\",
  \"resolve\": {\"api.example.co.uk:$wire_port\": \"127.0.0.1\", \"home.example.org:$wire2_port\": \"127.0.0.1\"}}"
expect_rc 0
expect_wire /idn4-next "h('Host') == 'home.example.org:$wire2_port'"
begin "bad resolve inputs"
run_inputs "{\"url\": \"$wire/idn5\", \"resolve\": {\"no-port\": \"127.0.0.1\"}}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and 'resolve' in d['message'] and 'no-port' in d['message']"
run_inputs "{\"url\": \"$wire/idn5\", \"resolve\": {\"h:1\": \"300.1.1.1\"}}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and '300.1.1.1' in d['message']"
run_inputs "{\"url\": \"http://xn--a.example:$wire_port/idn6\"}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and 'url' in d['message']"
begin "TLS to an IDN name: SNI and the certificate check use the A-label"
run_inputs "{\"url\": \"https://bücher.example:$tls_port/hello\", \"cacert\": \"$certs/ca.pem\",
  \"resolve\": {\"bücher.example:$tls_port\": \"127.0.0.1\"}}"
expect_rc 0
expect_py "d['status_code'] == 200 and d['url'] == 'https://xn--bcher-kva.example:$tls_port/hello'"
run_inputs "{\"url\": \"https://home.example.org:$tls_port/hello\", \"cacert\": \"$certs/ca.pem\",
  \"resolve\": {\"home.example.org:$tls_port\": \"127.0.0.1\"}}"
expect_rc 0
run_inputs "{\"url\": \"https://other.example.net:$tls_port/hello\", \"cacert\": \"$certs/ca.pem\",
  \"resolve\": {\"other.example.net:$tls_port\": \"127.0.0.1\"}}"
expect_rc 1
expect_py "d['error'] == 'TLS_ERROR' and 'host name' in d['message']"
begin "a cookie for a public suffix is refused"
next_hop="http://www.example.co.uk:$wire_port/psl-next"
run_inputs "{\"url\": \"$(respond_url "http://api.example.co.uk:$wire_port" /psl1 302 \
  "Set-Cookie: suffix=1; Domain=co.uk; Path=/" "Set-Cookie: site=2; Domain=example.co.uk; Path=/" "Location: $next_hop")\",
  \"resolve\": {\"*:$wire_port\": \"127.0.0.1\"}}"
expect_rc 0
expect_wire /psl-next "h('Cookie') == 'site=2'"
expect_py "d['cookies'] == {'site': '2'} and any('co.uk' in l and 'public suffix' in l for l in d['log'])"

# ---- JSON numbers keep their form --------------------------------------------------------
begin "numbers in a JSON body"
run_inputs "{\"url\": \"$wire/num1\", \"method\": \"post\",
  \"json\": {\"price\": 1.5, \"h\": 100.0, \"t\": 0.1, \"e\": 1E2, \"n\": -0.0, \"i\": 42, \"neg\": -7,
             \"big\": 18446744073709551615, \"x\": 1e21, \"s\": 1e-7, \"m\": 0.000001, \"f\": 123456.789}}"
expect_rc 0
expect_wire /num1 "body == b'{\"price\":1.5,\"h\":100.0,\"t\":0.1,\"e\":100.0,\"n\":-0.0,\"i\":42,\"neg\":-7,\"big\":18446744073709551615,\"x\":1e+21,\"s\":1e-7,\"m\":0.000001,\"f\":123456.789}'"
begin "numbers in forms and params"
run_inputs "{\"url\": \"$wire/num2\", \"method\": \"post\", \"params\": {\"p\": 2.0, \"q\": 0.5},
  \"urlencoded\": {\"a\": 1.5, \"b\": 100.0, \"c\": 7}}"
expect_wire /num2 "w['target'] == '/num2?p=2.0&q=0.5' and body == b'a=1.5&b=100.0&c=7'"
begin "numbers in the tool's output"
run_inputs "{\"url\": \"$wire/num3/respond?h=$(enc 'Content-Type: application/json')&body=$(enc '{"v": 100.0, "w": 1.5, "z": 1E2, "i": 3}')\"}"
expect_rc 0
grep -qF '"json":{"v":100.0,"w":1.5,"z":100.0,"i":3}' "$work/out" || fail "numbers changed form in the output"

# ---- URL userinfo in outputs -------------------------------------------------------------
begin "URL userinfo shows as user:***@host"
run_inputs "{\"url\": \"http://bob:pa55-w0rd@127.0.0.1:$wire_port/ui1/respond?status=302&h=$(enc 'Location: /ui1-next')\"}"
expect_rc 0
expect_wire /ui1/ "h('Authorization') == 'Basic ' + base64.b64encode(b'bob:pa55-w0rd').decode()"
expect_py "d['url'] == 'http://bob:***@127.0.0.1:$wire_port/ui1-next' and d['history'][0]['url'].startswith('http://bob:***@127.0.0.1:$wire_port/ui1/')"
expect_py "d['log'][0].startswith('GET http://bob:***@127.0.0.1:$wire_port/ui1/')"
expect_no_leak "pa55-w0rd"

# ---- messages read as sentences ----------------------------------------------------------
begin "total_timeout during a back-off"
run_inputs "{\"url\": \"$wire/tm1/respond?status=503\", \"total_timeout\": 0.5, \"retry_backoff\": {\"initial\": 2}}"
expect_rc 1
expect_py "d['error'] == 'TIMEOUT' and d['message'] == 'the total_timeout of 0.5 s ran out while waiting 2 s before attempt 2'"
begin "read_timeout"
run_inputs "{\"url\": \"$wire/tm2/respond?delay=2\", \"read_timeout\": 0.3, \"retry_on_connection_error\": false}"
expect_rc 1
expect_py "d['error'] == 'TIMEOUT' and d['message'] == 'the read_timeout of 0.3 s ran out while waiting for the response from $wire (read)'"
begin "total_timeout while reading"
run_inputs "{\"url\": \"$wire/tm3/respond?delay=2\", \"total_timeout\": 0.4}"
expect_rc 1
expect_py "d['error'] == 'TIMEOUT' and d['message'] == 'the total_timeout of 0.4 s ran out while waiting for the response from $wire (read)'"

# ---- HTTP/2 -------------------------------------------------------------------------------
wire_h2c=$(server wire_h2c)
begin "http_version 2: h2c to the HTTP/2 recorder, secrets on the wire, the output says 2"
run_inputs "{\"url\": \"$wire_h2c/h2cli?q={{secrets.tok}}\", \"http_version\": \"2\", \"method\": \"post\",
  \"headers\": {\"X-Token\": \"{{secrets.tok}}\"}, \"urlencoded\": {\"f\": \"{{secrets.tok}}\", \"n\": 1.5}}" \
  --secrets "$work/secrets.json"
expect_rc 0
expect_py "d['http_version'] == '2' and d['status_code'] == 200"
wire_log_key=wire_h2_log expect_wire /h2cli "w['version'] == 'HTTP/2' and w['target'] == '/h2cli?q=$tok' and h('x-token') == '$tok' and form['f'] == ['$tok'] and form['n'] == ['1.5'] and h('content-type') == 'application/x-www-form-urlencoded'"
no_secret_printed

h2_url=$(server h2)
begin "HTTP/2 bodies in bounded memory: a 16 MiB download to dst, a 48 MiB multipart upload"
run_measured "{\"url\": \"$h2_url/static/16m.bin\", \"cacert\": \"$certs/ca.pem\", \"http_version\": \"2\", \"dst\": \"$work/h2.bin\"}"
expect_rc 0
expect_py "d['http_version'] == '2' and d['size'] == 16777216"
cmp -s "$work/h2.bin" "$(dirname "$certs")/www/16m.bin" || fail "the dst file differs from what nginx served"
check_peak 40
echo "  HTTP/2 16 MiB download to dst: peak RSS $peak_mib MiB" >&2
head -c 50331648 /dev/zero >"$work/big-upload.bin"
run_measured "{\"url\": \"$wire_h2c/sink-upload\", \"http_version\": \"2\", \"method\": \"post\",
  \"multipart\": {\"parts\": [{\"name\": \"f\", \"file\": \"$work/big-upload.bin\"}]}}"
expect_rc 0
wire_log_key=wire_h2_log expect_wire /sink-upload "w['body_length'] > 50331648 and int(h('content-length')) == w['body_length']"
check_peak 40
echo "  HTTP/2 48 MiB multipart upload: peak RSS $peak_mib MiB" >&2
rm -f "$work/big-upload.bin" "$work/h2.bin"

begin "HTTP/2 inside a CONNECT tunnel through squid"
run_inputs "{\"url\": \"$h2_url/hello?tunnel-h2\", \"cacert\": \"$certs/ca.pem\", \"proxy\": \"$(server proxy)\"}"
expect_rc 0
expect_py "d['http_version'] == '2' and d['text'] == 'hello, world\\n' and d['log'][0].startswith('proxy ')"

begin "http_version is auto, 1.1 or 2; the output has it whenever a response arrived"
run_inputs "{\"url\": \"$wire/h2v1\", \"http_version\": \"3\"}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and 'http_version' in d['message'] and 'http_version' not in d"
run_inputs "{\"url\": \"$wire/h2v2\", \"http_version\": 2}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and 'http_version' in d['message']"
run_inputs "{\"url\": \"$(respond_url "$wire" /h2v3 404)\"}"
expect_rc 1
expect_py "d['error'] == 'NOT_FOUND' and d['http_version'] == '1.1'"
run_inputs "{\"url\": \"http://127.0.0.1:1/h2v4\", \"retry_on_connection_error\": false}"
expect_py "d['error'] == 'CONNECT_FAILED' and 'http_version' not in d"
# An http:// URL with "2" speaks h2c: an HTTP/1.1-only server does not answer it as HTTP/2.
run_inputs "{\"url\": \"$wire/h2v5\", \"http_version\": \"2\", \"retry_on_connection_error\": false}"
expect_rc 1
expect_py "d['error'] in ('PROTOCOL_ERROR', 'CONNECTION_CLOSED') and 'http_version' not in d"

# ---- proxies ------------------------------------------------------------------------------
squid=$(server proxy)
squid_auth=$(server proxy_auth)
squid_auth_port=${squid_auth##*:}
proxy_tls=$(server proxy_tls)
squid_log=$(server proxy_log)
proxy_user=$(server proxy_user)
proxy_password=$(server proxy_password)
socks=$(server socks)
socks_auth=$(server socks_auth)
socks_user=$(server socks_user)
socks_password=$(server socks_password)
# squid_logged TEXT: squid's access log has a line with TEXT (it logs a call when it ends).
squid_logged() {
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -qF -- "$1" "$squid_log" && return 0
    sleep 0.2
  done
  return 1
}

begin "plain http through squid: the target gets the call, not the proxy's credentials"
run_inputs "{\"url\": \"$wire/px1\", \"proxy\": \"http://$proxy_user:$proxy_password@127.0.0.1:$squid_auth_port\"}"
expect_rc 0
expect_wire /px1 "h('Proxy-Authorization') is None and h('Host') == '127.0.0.1:$wire_port'"
expect_py "d['log'][0] == 'proxy http://127.0.0.1:$squid_auth_port (the proxy input)'"
squid_logged "GET $wire/px1 $proxy_user" || fail "squid did not log the call"
expect_no_leak "$proxy_password"

begin "https through a CONNECT tunnel, and one tunnel for a batch"
printf '{"url": "%s/hello?px2=%s", "cacert": "%s/ca.pem", "proxy": "%s"}\n' "$tls_url" 1 "$certs" "$squid" \
  "$tls_url" 2 "$certs" "$squid" "$tls_url" 3 "$certs" "$squid" >"$work/px2.jsonl"
before=$(grep -c "CONNECT localhost:$tls_port" "$squid_log" || true)
run /dev/null --batch "$work/px2.jsonl" --concurrency 1
expect_rc 0
expect_py "[l['text'] for l in lines] == ['hello, world\n'] * 3"
sleep 0.5
after=$(grep -c "CONNECT localhost:$tls_port" "$squid_log" || true)
((after - before == 1)) || fail "expected 1 CONNECT for 3 sequential calls, squid logged $((after - before))"

begin "a tunnel carries only its target: another target through the same proxy opens its own"
other_before=$(grep -c "CONNECT localhost:$tls13_port" "$squid_log" || true)
printf '{"url": "%s/hello?px2b=1", "cacert": "%s/ca.pem", "proxy": "%s"}\n{"url": "%s/hello?px2b=2", "cacert": "%s/ca.pem", "proxy": "%s"}\n' \
  "$tls_url" "$certs" "$squid" "https://localhost:$tls13_port" "$certs" "$squid" >"$work/px2b.jsonl"
run /dev/null --batch "$work/px2b.jsonl" --concurrency 1
expect_rc 0
expect_py "[l['text'] for l in lines] == ['hello, world\n'] * 2 and all(l['timings']['connect'] > 0 for l in lines)"
sleep 0.5
other_after=$(grep -c "CONNECT localhost:$tls13_port" "$squid_log" || true)
((other_after - other_before == 1)) || fail "the second target did not get its own tunnel"

begin "CONNECT with the proxy's credentials, and answers that are not the target's"
run_inputs "{\"url\": \"$tls_url/hello?px2c\", \"cacert\": \"$certs/ca.pem\", \"proxy\": \"http://$proxy_user:$proxy_password@127.0.0.1:$squid_auth_port\"}"
expect_rc 0
squid_logged "CONNECT localhost:$tls_port $proxy_user" || fail "squid did not log the authenticated tunnel"
expect_no_leak "$proxy_password"
# squid answers 503 when the target's port is closed: the proxy's error, not the target's status.
run_inputs "{\"url\": \"https://127.0.0.1:1/x\", \"proxy\": \"$squid\", \"retry_on_connection_error\": false}"
expect_rc 1
expect_py "d['error'] == 'PROXY_ERROR' and 'status_code' not in d and '503' in d['message']"
# A plain http request the proxy itself refuses: its 403 is the response.
run_inputs "{\"url\": \"$wire/refused-by-proxy\", \"proxy\": \"$squid\"}"
expect_rc 1
expect_py "d['error'] == 'FORBIDDEN' and d['status_code'] == 403"
[[ $(wire_count /refused-by-proxy) == 0 ]] || fail "the refused call reached the target"

begin "a proxy that wants credentials: 407 is PROXY_AUTHENTICATION_REQUIRED"
run_inputs "{\"url\": \"$tls_url/hello\", \"cacert\": \"$certs/ca.pem\", \"proxy\": \"$squid_auth\"}"
expect_rc 1
expect_py "d['error'] == 'PROXY_AUTHENTICATION_REQUIRED' and d['status_code'] == 407 and 'user:password@' in d['message']"
run_inputs "{\"url\": \"$wire/px3\", \"proxy\": \"$squid_auth\"}"
expect_rc 1
expect_py "d['error'] == 'PROXY_AUTHENTICATION_REQUIRED' and d['status_code'] == 407"
[[ $(wire_count /px3) == 0 ]] || fail "the call reached the target"
run_inputs "{\"url\": \"$tls_url/hello\", \"cacert\": \"$certs/ca.pem\", \"proxy\": \"http://$proxy_user:wrong-pw@127.0.0.1:$squid_auth_port\"}"
expect_py "d['error'] == 'PROXY_AUTHENTICATION_REQUIRED' and 'refused the credentials' in d['message']"
expect_no_leak "wrong-pw"

begin "an https proxy: TLS to the proxy, then TLS to the target inside it"
run_inputs "{\"url\": \"$tls_url/hello\", \"cacert\": \"$certs/ca.pem\", \"proxy\": \"$proxy_tls\", \"proxy_cacert\": \"$certs/ca.pem\"}"
expect_rc 0
expect_py "d['text'] == 'hello, world\n'"
run_inputs "{\"url\": \"$wire/px4\", \"proxy\": \"$proxy_tls\", \"proxy_cacert\": \"$certs/ca.pem\"}"
expect_rc 0
expect_wire /px4 "h('Proxy-Authorization') is None"
run_inputs "{\"url\": \"$wire/px5\", \"proxy\": \"$proxy_tls\"}"
expect_rc 1
expect_py "d['error'] == 'TLS_ERROR' and '${proxy_tls%:*}' in d['message']"

begin "SOCKS5: names resolved by corest or by the proxy, username and password"
run_inputs "{\"url\": \"$tls_url/hello\", \"cacert\": \"$certs/ca.pem\", \"proxy\": \"socks5://$socks\"}"
expect_rc 0
run_inputs "{\"url\": \"$wire/px6\", \"proxy\": \"socks5h://$socks_user:$socks_password@$socks_auth\"}"
expect_rc 0
expect_wire /px6 "h('Host') == '127.0.0.1:$wire_port'"
expect_no_leak "$socks_password"
run_inputs "{\"url\": \"$wire/px7\", \"proxy\": \"socks5://$socks_auth\"}"
expect_rc 1
expect_py "d['error'] == 'PROXY_AUTHENTICATION_REQUIRED'"
run_inputs "{\"url\": \"$wire/px7\", \"proxy\": \"socks5://$socks_user:nope@$socks_auth\"}"
expect_py "d['error'] == 'PROXY_AUTHENTICATION_REQUIRED' and 'rejected' in d['message']"
run_inputs "{\"url\": \"http://127.0.0.1:1/px8\", \"proxy\": \"socks5h://$socks\", \"retry_on_connection_error\": false}"
expect_rc 1
expect_py "d['error'] == 'PROXY_ERROR' and 'connection refused by destination' in d['message']"

begin "hostile and unreachable proxies"
for answer in status-502 status-403 garbage close early; do
  run_inputs "{\"url\": \"https://$answer.example/x\", \"proxy\": \"$wire\", \"retry_on_connection_error\": false}"
  expect_rc 1
  expect_py "d['error'] == 'PROXY_ERROR' and 'status_code' not in d and '$wire' in d['message']"
done
run_inputs "{\"url\": \"https://silent.example/x\", \"proxy\": \"$wire\", \"connect_timeout\": 0.3, \"retry_on_connection_error\": false}"
expect_rc 1
expect_py "d['error'] == 'TIMEOUT' and d['message'] == 'the connect_timeout of 0.3 s ran out while connecting to $wire (connect)'"
run_inputs "{\"url\": \"$wire/px9\", \"proxy\": \"http://127.0.0.1:1\", \"retry_on_connection_error\": false}"
expect_rc 1
expect_py "d['error'] == 'CONNECT_FAILED' and 'the proxy http://127.0.0.1:1' in d['message']"
run_inputs "{\"url\": \"$wire/px9\", \"proxy\": \"ftp://p.example\"}"
expect_rc 2
expect_py "d['error'] == 'INVALID_INPUT' and 'proxy' in d['message']"

begin "the environment, no_proxy, --proxy, and each hop choosing afresh"
http_proxy=$squid run_inputs "{\"url\": \"$wire/px10\"}"
expect_rc 0
squid_logged "GET $wire/px10" || fail "http_proxy was not used"
expect_py "d['log'][0] == 'proxy $squid (http_proxy)'"
HTTP_PROXY=$squid run_inputs "{\"url\": \"$wire/px11\"}"
expect_py "not any('proxy' in l for l in d['log'])"
http_proxy=$squid no_proxy="127.0.0.1:$wire_port" run_inputs "{\"url\": \"$wire/px12\"}"
expect_py "d['log'][0] == 'direct (no_proxy)'"
run_inputs "{\"url\": \"$wire/px13\"}" --proxy "$squid"
squid_logged "GET $wire/px13" || fail "--proxy was not used"
# no_proxy applies to an explicit proxy too.
run_inputs "{\"url\": \"$wire/px13b\", \"proxy\": \"$squid\", \"no_proxy\": \"other.example, 127.0.0.0/8\"}"
expect_rc 0
expect_py "d['log'][0] == 'direct (no_proxy)'"
grep -qF "px13b" "$squid_log" && fail "a no_proxy host went through squid"
run_inputs "{\"url\": \"$wire/px14\", \"proxy\": false}" --proxy "$squid"
expect_py "not any(l.startswith('proxy') for l in d['log'])"
# A first hop through squid, a redirect to a no_proxy port that goes direct.
direct_hop="$wire2/px15-direct"
http_proxy=$squid no_proxy="127.0.0.1:$wire2_port" run_inputs "{\"url\": \"$(respond_url "$wire" /px15 302 "Location: $direct_hop")\"}"
expect_rc 0
expect_py "d['log'][0].startswith('proxy ') and 'direct (no_proxy)' in d['log']"
squid_logged "GET $wire/px15/respond" || fail "the first hop did not go through squid"
grep -qF "px15-direct" "$squid_log" && fail "the no_proxy hop went through squid"

finish

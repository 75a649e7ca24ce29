#ifndef COREST_TESTS_SUPPORT_SERVERS_HPP
#define COREST_TESTS_SUPPORT_SERVERS_HPP

// The loopback servers started by tests/fixtures/servers.sh, read from the JSON file named
// by $COREST_SERVERS_JSON (set by ctest through corest_use_server_fixture()).
//
//   const auto& s = corest::test::servers();
//   req.url = s.httpbin + "/get";                 // "http://127.0.0.1:PORT/get"
//   req.cacert = s.cert("ca.pem");                // absolute path in the certs directory

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace corest::test {

struct test_servers
{
    std::string httpbin;         // http://127.0.0.1:P   httpbin (gunicorn), direct
    std::string httpbin2;        // http://127.0.0.1:P2  a second httpbin: another origin
    std::string plain;           // http://127.0.0.1:P3  nginx: /hello, /static/*, else httpbin
    std::string tls;             // https://localhost:P4 nginx, cert for localhost + 127.0.0.1
    std::string tls_ip;          // https://127.0.0.1:P4 the same server by IP
    std::string tls_wrong_host;  // https://localhost:P5 cert for wrong.example
    std::string tls_expired;     // https://localhost:P6 cert expired in 2020
    std::string mtls;            // https://localhost:P7 requires a client cert from ca.pem
    std::string tls13_only;      // https://localhost:P8 TLS 1.3 only
    std::string tls12_only;      // https://localhost:P9 TLS 1.2 only
    std::string h2;              // https://localhost nginx with HTTP/2 (ALPN h2, http/1.1)
    std::string h2c;             // http://127.0.0.1 nginx with HTTP/2 by prior knowledge, in front of httpbin
    std::string h2c2;            // http://127.0.0.1 the same in front of httpbin2
    std::string nghttpd;         // https://localhost nghttpd (nghttp2's server) on the static files, --echo-upload
    std::string nghttpd_h2c;     // http://127.0.0.1 the same, h2c
    std::string h2_goaway;       // https://localhost nginx HTTP/2, GOAWAY after 50 requests per connection
    std::string wire;            // http://127.0.0.1:P10 the wire recorder (fixtures/wire_server.py)
    std::string wire2;           // http://127.0.0.1:P11 the same recorder on another port
    std::string wire_log;        // its log: one JSON line per request received
    std::string wire_h2c;        // http://127.0.0.1 the HTTP/2 recorder and fault server (fixtures/h2_server.py), h2c
    std::string wire_h2;         // https://localhost the same over TLS (ALPN h2)
    std::string wire_h2_log;     // its log, in the wire recorder's form
    std::string proxy;           // http://127.0.0.1:P12 squid, open to loopback
    std::string proxy_auth;      // http://127.0.0.1:P13 squid, basic auth proxy_user/proxy_password
    std::string proxy_tls;       // https://localhost:P14 stunnel in front of squid (an https:// proxy)
    std::string proxy_log;       // squid's access log
    std::string proxy_user, proxy_password;
    std::string socks;           // 127.0.0.1:P15 microsocks
    std::string socks_auth;      // 127.0.0.1:P16 microsocks with socks_user/socks_password
    std::string socks_user, socks_password;
    std::string certs;           // directory of the PEM files (see gen_certs.sh)

    // Absolute path of a file in the certs directory, e.g. cert("ca.pem").
    std::string cert(std::string_view file) const
    {
        return certs + "/" + std::string(file);
    }
};

/// COREST_TEST_HTTP_VERSION=2: the run checks every input once more over HTTP/2. `httpbin`
/// and `httpbin2` are then nginx's h2c servers in front of them, and call() and call_json()
/// ask for HTTP/2 (tests/CMakeLists.txt names the suites that run so).
inline bool over_http2()
{
    const char* v = std::getenv("COREST_TEST_HTTP_VERSION");
    return v != nullptr && std::string_view(v) == "2";
}

namespace detail {

inline test_servers load_test_servers()
{
    const char* path = std::getenv("COREST_SERVERS_JSON");
    if (path == nullptr || *path == '\0')
        throw std::runtime_error(
            "COREST_SERVERS_JSON is not set: run the integration tests through ctest, or start "
            "the servers with tests/fixtures/servers.sh start DIR and export "
            "COREST_SERVERS_JSON=DIR/servers.json");
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(std::string("cannot read COREST_SERVERS_JSON file ") + path +
                                 ": did servers.sh start succeed?");
    std::stringstream text;
    text << in.rdbuf();

    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(text.str(), ec);
    if (ec || !doc.is_object())
        throw std::runtime_error(std::string("COREST_SERVERS_JSON file ") + path +
                                 " is not a JSON object");
    const auto& obj = doc.get_object();
    auto field = [&](const char* key) {
        const auto* v = obj.if_contains(key);
        if (v == nullptr || !v->is_string())
            throw std::runtime_error(std::string("COREST_SERVERS_JSON file ") + path +
                                     " has no string \"" + key + "\"");
        return std::string(v->get_string());
    };

    test_servers s;
    s.httpbin = field("httpbin");
    s.httpbin2 = field("httpbin2");
    s.plain = field("plain");
    s.tls = field("tls");
    s.tls_ip = field("tls_ip");
    s.tls_wrong_host = field("tls_wrong_host");
    s.tls_expired = field("tls_expired");
    s.mtls = field("mtls");
    s.tls13_only = field("tls13_only");
    s.tls12_only = field("tls12_only");
    s.h2 = field("h2");
    s.h2c = field("h2c");
    s.h2c2 = field("h2c2");
    s.h2_goaway = field("h2_goaway");
    s.nghttpd = field("nghttpd");
    s.nghttpd_h2c = field("nghttpd_h2c");
    s.wire = field("wire");
    s.wire2 = field("wire2");
    s.wire_log = field("wire_log");
    s.wire_h2c = field("wire_h2c");
    s.wire_h2 = field("wire_h2");
    s.wire_h2_log = field("wire_h2_log");
    s.proxy = field("proxy");
    s.proxy_auth = field("proxy_auth");
    s.proxy_tls = field("proxy_tls");
    s.proxy_log = field("proxy_log");
    s.proxy_user = field("proxy_user");
    s.proxy_password = field("proxy_password");
    s.socks = field("socks");
    s.socks_auth = field("socks_auth");
    s.socks_user = field("socks_user");
    s.socks_password = field("socks_password");
    s.certs = field("certs");
    if (over_http2()) {   // the suites that run once more over HTTP/2 reach httpbin through h2c
        s.httpbin = s.h2c;
        s.httpbin2 = s.h2c2;
    }
    return s;
}

}  // namespace detail

// Loaded once (thread-safe); throws std::runtime_error with the reason when unavailable.
inline const test_servers& servers()
{
    static const test_servers instance = detail::load_test_servers();
    return instance;
}

}  // namespace corest::test

#endif

// The contract through client.execute, asserted on what reached the server (the wire
// recorder's log) and on the result: the C++ side of tests/cli/test_contract.sh.

#include "support/call.hpp"
#include "support/fault_server.hpp"
#include "support/servers.hpp"
#include "support/wire_log.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using corest::test::call;
using corest::test::get;
using corest::test::servers;
using corest::test::wire_request;

namespace {

std::string port_of(const std::string& url) { return url.substr(url.rfind(':') + 1); }

} // namespace

BOOST_AUTO_TEST_SUITE(wire)

BOOST_AUTO_TEST_CASE(an_idn_host_reached_through_resolve)
{
    const std::string port = port_of(servers().wire);
    auto req = get("http://b\xC3\xBC" "cher.example:" + port + "/wire-idn?q=1");
    req.resolve.push_back({"B\xC3\x9C" "CHER.EXAMPLE", static_cast<std::uint16_t>(std::stoi(port)), {"127.0.0.1"}});
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.url == "http://xn--bcher-kva.example:" + port + "/wire-idn?q=1");
    auto seen = wire_request("/wire-idn");
    BOOST_TEST_REQUIRE(seen.has_value());
    BOOST_TEST(seen->header("Host") == "xn--bcher-kva.example:" + port);
    BOOST_TEST_REQUIRE(r.log.size() > 1u);
    BOOST_TEST(r.log[1] == "resolve: xn--bcher-kva.example:" + port + " -> 127.0.0.1 (the resolve input, not DNS)");
}

BOOST_AUTO_TEST_CASE(json_numbers_and_empty_bodies_on_the_wire)
{
    auto req = get(servers().wire + "/wire-numbers");
    req.method = corest::method::post;
    req.body = corest::json_body{boost::json::parse(R"({"a": 1.5, "b": 100.0, "c": 1E2, "d": 7})")};
    BOOST_TEST_REQUIRE(call(req).ok());
    BOOST_TEST(wire_request("/wire-numbers")->body == R"({"a":1.5,"b":100.0,"c":100.0,"d":7})");

    auto empty = get(servers().wire + "/wire-empty-text");
    empty.method = corest::method::put;
    empty.body = corest::text_body{""};
    BOOST_TEST_REQUIRE(call(empty).ok());
    auto seen = wire_request("/wire-empty-text");
    BOOST_TEST(seen->header("Content-Type") == "text/plain; charset=utf-8");
    BOOST_TEST(seen->header("Content-Length") == "0");
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_is_not_reported)
{
    auto req = get(servers().wire + "/bomb/gzip");
    req.max_response_bytes = 100000;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::response_too_large));
    BOOST_TEST(*r.status_code == 200u);
    BOOST_TEST(r.body.empty());
    BOOST_TEST((r.kind == corest::body_kind::none));
}

BOOST_AUTO_TEST_CASE(location_fields_and_cookie_ports_over_a_fault_server)
{
    // Two different Location values: which one? Neither: PROTOCOL_ERROR, nothing followed.
    corest::test::fault_server two{corest::test::respond(
        "HTTP/1.1 302 Found\r\nLocation: /first\r\nLocation: /second\r\nContent-Length: 0\r\n\r\n")};
    auto r = call(get(two.url("/start")));
    BOOST_TEST((r.error == corest::error::protocol_error));
    BOOST_TEST(r.message.find("two different Location headers, \"/first\" and \"/second\"") != std::string::npos,
               r.message);
    BOOST_TEST(two.requests().size() == 1u);

    // A cookie set on one port is not sent to another port of the same host.
    const std::string other = servers().wire2 + "/wire-cookie-other-port";
    corest::test::fault_server setter{corest::test::respond("HTTP/1.1 302 Found\r\nSet-Cookie: bound=1; Path=/\r\n"
                                                            "Location: " + other + "\r\nContent-Length: 0\r\n\r\n")};
    auto followed = call(get(setter.url("/set")));
    BOOST_TEST_REQUIRE(followed.ok(), followed.message);
    BOOST_TEST(wire_request("/wire-cookie-other-port")->header("Cookie") == "");
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include "support/fault_server.hpp"
#include "support/run_coro.hpp"
#include "support/servers.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

// Proves the test fixtures themselves: the loopback servers answer as documented, the
// fault server misbehaves as asked, and run_coro fails a hang instead of blocking.

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using corest::test::fault_connection;
using corest::test::fault_server;
using corest::test::run_coro;
using corest::test::servers;
using namespace std::chrono_literals;

namespace {

constexpr auto tuple = asio::experimental::as_tuple(asio::use_awaitable);
using response = http::response<http::string_body>;

struct origin
{
    std::string host;
    std::string port;
};

origin parse_origin(const std::string& url)
{
    auto u = boost::urls::parse_uri(url).value();
    return {std::string(u.host()), std::string(u.port())};
}

template <class Stream>
asio::awaitable<response> exchange(Stream& stream, std::string host_port, std::string target)
{
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host_port);
    req.set(http::field::user_agent, "corest-fixture-test");
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    co_return parser.release();
}

// GET base_url + target over plain TCP.
response http_get(const std::string& base_url, std::string target)
{
    return run_coro([&](asio::any_io_executor ex) -> asio::awaitable<response> {
        auto o = parse_origin(base_url);
        tcp::resolver resolver(ex);
        auto endpoints = co_await resolver.async_resolve(o.host, o.port, asio::use_awaitable);
        beast::tcp_stream stream(ex);
        stream.expires_after(20s);
        co_await stream.async_connect(endpoints, asio::use_awaitable);
        co_return co_await exchange(stream, o.host + ":" + o.port, target);
    });
}

// GET base_url + target over TLS with `ctx`; throws system_error on a failed handshake.
// `version` receives the negotiated protocol (TLS1_2_VERSION, TLS1_3_VERSION).
response https_get(const std::string& base_url, std::string target, ssl::context& ctx,
                   int* version = nullptr)
{
    return run_coro([&](asio::any_io_executor ex) -> asio::awaitable<response> {
        auto o = parse_origin(base_url);
        tcp::resolver resolver(ex);
        auto endpoints = co_await resolver.async_resolve(o.host, o.port, asio::use_awaitable);
        beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
        beast::get_lowest_layer(stream).expires_after(20s);
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
        const bool is_ip = o.host == "127.0.0.1";
        if (!is_ip)
            SSL_set_tlsext_host_name(stream.native_handle(), o.host.c_str());
        stream.set_verify_callback(ssl::host_name_verification(o.host));
        co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
        if (version)
            *version = SSL_version(stream.native_handle());
        co_return co_await exchange(stream, o.host + ":" + o.port, target);
    });
}

ssl::context client_ctx(const std::string& ca_file = servers().cert("ca.pem"))
{
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.load_verify_file(ca_file);
    return ctx;
}

// Writes `request` to the fault server and reads one HTTP response.
asio::awaitable<response> fault_get(tcp::socket& socket, std::string request)
{
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
    beast::flat_buffer buffer;
    response res;
    co_await http::async_read(socket, buffer, res, asio::use_awaitable);
    co_return res;
}

asio::awaitable<tcp::socket> connect_to(asio::any_io_executor ex, std::uint16_t port)
{
    tcp::socket socket(ex);
    co_await socket.async_connect({asio::ip::make_address_v4("127.0.0.1"), port},
                                  asio::use_awaitable);
    co_return socket;
}

long long elapsed_ms(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 since)
        .count();
}

const std::string ok_2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

}  // namespace

BOOST_AUTO_TEST_SUITE(fixtures)

BOOST_AUTO_TEST_CASE(servers_json_loads)
{
    const auto& s = servers();
    BOOST_TEST(s.httpbin.rfind("http://127.0.0.1:", 0) == 0);
    BOOST_TEST(s.httpbin2.rfind("http://127.0.0.1:", 0) == 0);
    BOOST_TEST(s.httpbin != s.httpbin2);
    BOOST_TEST(s.tls.rfind("https://localhost:", 0) == 0);
    BOOST_TEST(s.tls_ip == "https://127.0.0.1:" + parse_origin(s.tls).port);
    BOOST_TEST(std::filesystem::exists(s.cert("ca.pem")));
    BOOST_TEST(std::filesystem::exists(s.cert("client-key.pem")));
    BOOST_TEST(&servers() == &s);
}

BOOST_AUTO_TEST_CASE(httpbin_and_plain_answer)
{
    auto r = http_get(servers().httpbin, "/get?a=1");
    BOOST_TEST(r.result_int() == 200);
    auto j = boost::json::parse(r.body());
    BOOST_TEST(j.at("args").at("a").as_string() == "1");
    BOOST_TEST(j.at("url").as_string() == servers().httpbin + "/get?a=1");

    BOOST_TEST(http_get(servers().httpbin2, "/status/201").result_int() == 201);

    auto hello = http_get(servers().plain, "/hello");
    BOOST_TEST(hello.result_int() == 200);
    BOOST_TEST(hello.body() == "hello, world\n");

    // nginx passes Host through to httpbin.
    auto headers = http_get(servers().plain, "/headers");
    auto o = parse_origin(servers().plain);
    BOOST_TEST(boost::json::parse(headers.body()).at("headers").at("Host").as_string() ==
               o.host + ":" + o.port);

    auto big = http_get(servers().plain, "/static/1m.bin");
    BOOST_TEST(big.result_int() == 200);
    BOOST_TEST(big.body().size() == 1048576u);
}

BOOST_AUTO_TEST_CASE(tls_verifies_with_the_test_ca)
{
    auto ctx = client_ctx();
    auto r = https_get(servers().tls, "/hello", ctx);
    BOOST_TEST(r.result_int() == 200);
    BOOST_TEST(r.body() == "hello, world\n");

    auto by_ip = https_get(servers().tls_ip, "/get", ctx);
    BOOST_TEST(by_ip.result_int() == 200);
}

BOOST_AUTO_TEST_CASE(tls_bad_certificates_fail_verification)
{
    auto ctx = client_ctx();
    BOOST_CHECK_THROW(https_get(servers().tls_wrong_host, "/hello", ctx), boost::system::system_error);
    BOOST_CHECK_THROW(https_get(servers().tls_expired, "/hello", ctx), boost::system::system_error);
    auto other = client_ctx(servers().cert("other-ca.pem"));
    BOOST_CHECK_THROW(https_get(servers().tls, "/hello", other), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(mtls_needs_the_client_certificate)
{
    auto without = client_ctx();
    BOOST_TEST(https_get(servers().mtls, "/hello", without).result_int() == 400);

    auto with = client_ctx();
    with.use_certificate_chain_file(servers().cert("client.pem"));
    with.use_private_key_file(servers().cert("client-key.pem"), ssl::context::pem);
    auto r = https_get(servers().mtls, "/headers", with);
    BOOST_TEST(r.result_int() == 200);
    auto h = boost::json::parse(r.body()).at("headers");
    BOOST_TEST(h.at("X-Client-Verify").as_string() == "SUCCESS");
    BOOST_TEST(h.at("Host").as_string() == "localhost:" + parse_origin(servers().mtls).port);
}

BOOST_AUTO_TEST_CASE(tls_version_pinned_servers)
{
    int version = 0;
    auto ctx = client_ctx();
    BOOST_TEST(https_get(servers().tls13_only, "/hello", ctx, &version).result_int() == 200);
    BOOST_TEST(version == TLS1_3_VERSION);
    BOOST_TEST(https_get(servers().tls12_only, "/hello", ctx, &version).result_int() == 200);
    BOOST_TEST(version == TLS1_2_VERSION);

    auto max12 = client_ctx();
    SSL_CTX_set_max_proto_version(max12.native_handle(), TLS1_2_VERSION);
    BOOST_CHECK_THROW(https_get(servers().tls13_only, "/hello", max12), boost::system::system_error);
    auto min13 = client_ctx();
    SSL_CTX_set_min_proto_version(min13.native_handle(), TLS1_3_VERSION);
    BOOST_CHECK_THROW(https_get(servers().tls12_only, "/hello", min13), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(fault_respond_keeps_alive_and_counts)
{
    fault_server srv{corest::test::respond(ok_2)};
    BOOST_TEST(srv.url("/x") == "http://127.0.0.1:" + std::to_string(srv.port()) + "/x");
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto a = co_await connect_to(ex, srv.port());
        auto r1 = co_await fault_get(a, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r2 = co_await fault_get(a, "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        auto b = co_await connect_to(ex, srv.port());
        auto r3 = co_await fault_get(b, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
        BOOST_TEST(r1.body() == "ok");
        BOOST_TEST(r2.body() == "ok");
        BOOST_TEST(r3.result_int() == 200);
    });
    BOOST_TEST(srv.connections_accepted() == 2u);
    auto heads = srv.requests();
    BOOST_TEST_REQUIRE(heads.size() == 3u);
    BOOST_TEST(heads[0] == "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(heads[1].rfind("POST /b HTTP/1.1\r\n", 0) == 0);
    BOOST_TEST(srv.bodies()[1] == "hello");
    BOOST_TEST(srv.handler_errors().empty());
}

BOOST_AUTO_TEST_CASE(fault_reads_chunked_bodies)
{
    fault_server srv{corest::test::respond(ok_2)};
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto s = co_await connect_to(ex, srv.port());
        auto r = co_await fault_get(
            s, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "3\r\nabc\r\na\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n");
        BOOST_TEST(r.body() == "ok");
    });
    BOOST_TEST(srv.bodies().at(0) == "abc0123456789");
}

BOOST_AUTO_TEST_CASE(fault_respond_sequence_across_connections)
{
    fault_server srv{corest::test::respond_sequence(
        {"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ok_2})};
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto a = co_await connect_to(ex, srv.port());
        auto r1 = co_await fault_get(a, "GET / HTTP/1.1\r\n\r\n");
        BOOST_TEST(r1.result_int() == 503);
        char byte;
        auto [ec, n] = co_await a.async_read_some(asio::buffer(&byte, 1), tuple);
        BOOST_TEST(ec == asio::error::eof);  // Connection: close honoured
        auto b = co_await connect_to(ex, srv.port());
        auto r2 = co_await fault_get(b, "GET / HTTP/1.1\r\n\r\n");
        auto r3 = co_await fault_get(b, "GET / HTTP/1.1\r\n\r\n");
        BOOST_TEST(r2.result_int() == 200);
        BOOST_TEST(r3.result_int() == 200);
    });
    BOOST_TEST(srv.connections_accepted() == 2u);
}

BOOST_AUTO_TEST_CASE(fault_reset_gives_connection_reset)
{
    fault_server srv{corest::test::reset_after_request()};
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto s = co_await connect_to(ex, srv.port());
        co_await asio::async_write(s, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")),
                                   asio::use_awaitable);
        char buf[16];
        auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), tuple);
        BOOST_TEST(n == 0u);
        BOOST_TEST(ec == asio::error::connection_reset, ec.message());
    });
}

BOOST_AUTO_TEST_CASE(fault_truncated_then_eof)
{
    fault_server srv{corest::test::truncated("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")};
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto s = co_await connect_to(ex, srv.port());
        co_await asio::async_write(s, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")),
                                   asio::use_awaitable);
        std::string got;
        auto [ec, n] = co_await asio::async_read(s, asio::dynamic_buffer(got), tuple);
        BOOST_TEST(ec == asio::error::eof);
        BOOST_TEST(got == "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    });
}

BOOST_AUTO_TEST_CASE(fault_drip_is_slow)
{
    fault_server srv{corest::test::drip(ok_2, 20ms)};
    const auto start = std::chrono::steady_clock::now();
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto s = co_await connect_to(ex, srv.port());
        auto r = co_await fault_get(s, "GET / HTTP/1.1\r\n\r\n");
        BOOST_TEST(r.body() == "ok");
    });
    // 40 bytes, 39 gaps of 20 ms.
    BOOST_TEST(elapsed_ms(start) >= 39 * 20);
}

BOOST_AUTO_TEST_CASE(fault_server_stops_while_handlers_wait)
{
    const auto start = std::chrono::steady_clock::now();
    asio::io_context ioc;  // the client side outlives the server, as in a failing test
    tcp::socket c1(ioc), c2(ioc);
    {
        fault_server sleeper{[](fault_connection& c) -> asio::awaitable<void> {
            co_await c.read_request_head();
            co_await c.sleep(std::chrono::minutes(10));
            co_await c.write("never");
        }};
        fault_server quiet{corest::test::silent()};
        c1.connect({asio::ip::make_address_v4("127.0.0.1"), sleeper.port()});
        c2.connect({asio::ip::make_address_v4("127.0.0.1"), quiet.port()});
        asio::write(c1, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
        asio::write(c2, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
        while (sleeper.requests().empty() || quiet.requests().empty())
            std::this_thread::sleep_for(5ms);
        BOOST_TEST(quiet.connections_accepted() == 1u);
    }
    BOOST_TEST(elapsed_ms(start) < 3000);
}

BOOST_AUTO_TEST_CASE(run_coro_values_exceptions_and_hangs)
{
    BOOST_TEST(run_coro([]() -> asio::awaitable<int> { co_return 42; }) == 42);
    BOOST_CHECK_THROW(run_coro([]() -> asio::awaitable<void> {
                          throw std::logic_error("boom");
                          co_return;
                      }),
                      std::logic_error);
    const auto start = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(run_coro(
                          [](asio::any_io_executor ex) -> asio::awaitable<void> {
                              asio::steady_timer t(ex, std::chrono::minutes(10));
                              co_await t.async_wait(asio::use_awaitable);
                          },
                          200ms),
                      std::runtime_error);
    BOOST_TEST(elapsed_ms(start) < 5000);
}

BOOST_AUTO_TEST_SUITE_END()

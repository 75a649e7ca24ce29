// HTTP/2 through client.execute against nginx with http2 (over TLS by ALPN, and h2c by
// prior knowledge) in front of httpbin: the protocol chosen, what reached the server,
// many calls on one connection, a stream's own timeout, GOAWAY, bodies both ways.

#include "support/call.hpp"
#include "support/cancel.hpp"
#include "support/servers.hpp"
#include "support/wire_log.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using corest::test::call;
using corest::test::get;
using corest::test::json_object;
using corest::test::servers;

namespace {

corest::request h2_get(const std::string& url)
{
    auto r = get(url);
    r.cacert = servers().cert("ca.pem");
    return r;
}

std::string echoed_header(const corest::result& r, const char* name)
{
    const auto* headers = json_object(r).if_contains("headers");
    if (!headers) return {};
    const auto* v = headers->as_object().if_contains(name);
    return v ? std::string(v->as_string()) : std::string();
}

/// Runs `reqs` at once on one client; the results in order, and the client's connections after.
std::pair<std::vector<corest::result>, std::size_t> run_all(std::vector<corest::request> reqs,
                                                            corest::client_options options = {})
{
    std::size_t live = 0;
    auto results = corest::test::run_coro(
        [&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
            corest::client c{ex, options};
            std::vector<corest::result> out(reqs.size());
            std::size_t done = 0;
            boost::asio::steady_timer all_done(ex, std::chrono::steady_clock::time_point::max());
            for (std::size_t i = 0; i < reqs.size(); ++i)
                boost::asio::co_spawn(ex, c.execute(reqs[i]), [&, i](std::exception_ptr, corest::result r) {
                    out[i] = std::move(r);
                    if (++done == reqs.size()) all_done.cancel();
                });
            auto [ec] = co_await all_done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            (void)ec;
            live = c.live_connections();
            co_return out;
        });
    return {std::move(results), live};
}

} // namespace

BOOST_AUTO_TEST_SUITE(http2)

BOOST_AUTO_TEST_CASE(auto_speaks_h2_when_the_server_picks_it)
{
    auto r = call(h2_get(servers().h2 + "/get?x=1"));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.http_version == "2");
    BOOST_TEST(*r.status_code == 200u);
    BOOST_TEST(r.reason == "OK");
    BOOST_TEST(json_object(r).at("args").as_object().at("x").as_string() == "1");
    // What httpbin saw through nginx: the caller's and corest's headers, Host from :authority.
    BOOST_TEST(echoed_header(r, "Host") == servers().h2.substr(std::string("https://").size()));
    BOOST_TEST(echoed_header(r, "User-Agent") == std::string("corest/") + corest::version);
    BOOST_TEST(echoed_header(r, "Accept-Encoding") == "gzip, deflate");
    BOOST_REQUIRE(r.header("content-type"));
    BOOST_TEST(*r.header("content-type") == "application/json");
}

BOOST_AUTO_TEST_CASE(one_point_one_and_h1_servers_stay_on_http1)
{
    auto req = h2_get(servers().h2 + "/get");
    req.http_version = corest::http_version_mode::v1_1;
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.http_version == "1.1");
    auto h1 = call(h2_get(servers().tls + "/get"));
    BOOST_TEST_REQUIRE(h1.ok(), h1.message);
    BOOST_TEST(h1.http_version == "1.1");
}

BOOST_AUTO_TEST_CASE(two_requires_h2)
{
    auto req = h2_get(servers().tls + "/get");
    req.http_version = corest::http_version_mode::v2;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::protocol_error), r.message);
    BOOST_TEST(!r.status_code.has_value());
    BOOST_TEST(r.http_version.empty());
}

BOOST_AUTO_TEST_CASE(h2c_by_prior_knowledge)
{
    auto req = get(servers().h2c + "/get");
    req.http_version = corest::http_version_mode::v2;
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.http_version == "2");
    // Without "2", http speaks HTTP/1.1 (and this port speaks only HTTP/2).
    auto h1 = call(get(servers().h2c + "/get"));
    BOOST_TEST(!h1.ok());
}

BOOST_AUTO_TEST_CASE(nghttpd_serves_and_echoes_over_tls_and_h2c)
{
    // nghttp2's own server: another HTTP/2 implementation than nginx's, by ALPN (auto) and
    // by prior knowledge; it sends files and echoes uploads (--echo-upload).
    auto hello = call(h2_get(servers().nghttpd + "/hello.txt"));
    BOOST_TEST_REQUIRE(hello.ok(), hello.message);
    BOOST_TEST(hello.http_version == "2");
    BOOST_TEST(hello.body == "hello, world\n");

    auto big = get(servers().nghttpd_h2c + "/16m.bin");
    big.http_version = corest::http_version_mode::v2;
    auto b = call(big);
    BOOST_TEST_REQUIRE(b.ok(), b.message);
    BOOST_TEST(b.http_version == "2");
    std::ifstream file(servers().certs + "/../www/16m.bin", std::ios::binary);
    const std::string expected{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    BOOST_TEST_REQUIRE(expected.size() == 16u * 1024 * 1024);
    BOOST_TEST((b.body == expected));

    // 3 MiB up and back, past the initial windows of both sides.
    std::string text(3 * 1024 * 1024, 'x');
    for (std::size_t i = 0; i < text.size(); i += 4096) text[i] = static_cast<char>('a' + (i / 4096) % 26);
    auto up = h2_get(servers().nghttpd + "/hello.txt");
    up.method = corest::method::put;
    up.body = corest::text_body{text};
    auto u = call(up);
    BOOST_TEST_REQUIRE(u.ok(), u.message);
    BOOST_TEST(u.http_version == "2");
    BOOST_TEST((u.body == text));
}

BOOST_AUTO_TEST_CASE(bodies_go_both_ways)
{
    auto post = h2_get(servers().h2 + "/post");
    post.method = corest::method::post;
    post.body = corest::json_body{boost::json::object{{"price", 1.5}, {"n", 3}}};
    auto r = call(post);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.http_version == "2");
    BOOST_TEST(json_object(r).at("data").as_string() == R"({"price":1.5,"n":3})");
    BOOST_TEST(echoed_header(r, "Content-Type") == "application/json");

    auto gz = call(h2_get(servers().h2 + "/gzip"));
    BOOST_TEST_REQUIRE(gz.ok(), gz.message);
    BOOST_TEST(json_object(gz).at("gzipped").as_bool());

    auto big = call(h2_get(servers().h2 + "/static/16m.bin"));
    BOOST_TEST_REQUIRE(big.ok(), big.message);
    BOOST_TEST(big.body.size() == 16u * 1024 * 1024);
}

BOOST_AUTO_TEST_CASE(many_calls_share_one_connection)
{
    std::vector<corest::request> reqs;
    for (int i = 0; i < 64; ++i) reqs.push_back(h2_get(servers().h2 + "/get?i=" + std::to_string(i)));
    auto [results, live] = run_all(reqs);
    for (std::size_t i = 0; i < results.size(); ++i) {
        BOOST_TEST_REQUIRE(results[i].ok(), results[i].message);
        BOOST_TEST(results[i].http_version == "2");
        BOOST_TEST(json_object(results[i]).at("args").as_object().at("i").as_string() == std::to_string(i));
    }
    BOOST_TEST(live == 1u);
}

BOOST_AUTO_TEST_CASE(a_stalled_stream_times_out_alone)
{
    auto slow = h2_get(servers().h2 + "/delay/3");
    slow.read_timeout = corest::seconds(0.5);
    slow.retry_on_connection_error = false;
    auto fast = h2_get(servers().h2 + "/get");
    auto [results, live] = run_all({slow, fast, fast});
    BOOST_TEST((results[0].error == corest::error::timeout), results[0].message);
    BOOST_TEST(results[0].message.find("read_timeout") != std::string::npos, results[0].message);
    BOOST_TEST(results[1].ok(), results[1].message);
    BOOST_TEST(results[2].ok(), results[2].message);
    BOOST_TEST(live == 1u);
}

BOOST_AUTO_TEST_CASE(redirects_cross_between_http2_and_http1)
{
    // h2 origin -> h1 origin (httpbin direct) -> back to the h2 origin.
    const std::string back = servers().h2 + "/get?back=1";
    const std::string via_h1 = servers().httpbin + "/redirect-to?url=" + back;
    std::string encoded;
    for (char c : via_h1) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') encoded += c;
        else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
            encoded += hex;
        }
    }
    auto r = call(h2_get(servers().h2 + "/redirect-to?url=" + encoded));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.http_version == "2");
    BOOST_TEST(r.history.size() == 2u);
    BOOST_TEST(r.url == back);
}

BOOST_AUTO_TEST_CASE(one_client_from_four_threads)
{
    // Streams of shared connections started, timed out, cancelled and completed from
    // callers on four threads, on strands and on the bare executor (ThreadSanitizer runs it).
    namespace net = boost::asio;
    constexpr int per_kind = 50;
    std::array<std::atomic<int>, 3> expected{};
    std::atomic<int> finished{0};
    {
        net::io_context ioc;
        corest::client c{ioc.get_executor()};
        for (int i = 0; i < 3 * per_kind; ++i) {
            const net::any_io_executor where =
                (i / 3) % 2 == 0 ? net::any_io_executor(net::make_strand(ioc)) : net::any_io_executor(ioc.get_executor());
            net::co_spawn(where, [&, kind = i % 3]() -> net::awaitable<void> {
                if (kind == 0) {
                    auto r = co_await c.execute(h2_get(servers().h2 + "/hello"));
                    if (r.ok() && r.http_version == "2") ++expected[0];
                } else {
                    auto q = get(servers().wire_h2c + "/stall-head");
                    q.http_version = corest::http_version_mode::v2;
                    q.retry_on_connection_error = false;
                    q.read_timeout = corest::seconds(kind == 1 ? 0.05 : 5);
                    // Two statements: GCC 12 destroys the temporaries of a co_await inside ?: twice.
                    corest::result r;
                    if (kind == 1) r = co_await c.execute(q);
                    else r = co_await corest::test::cancelled_after(c, q, std::chrono::milliseconds(20));
                    if (r.error == (kind == 1 ? corest::error::timeout : corest::error::cancelled)) ++expected[kind];
                }
                ++finished;
            }, net::detached);
        }
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) threads.emplace_back([&ioc] { ioc.run(); });
        for (auto& t : threads) t.join();
    }
    BOOST_TEST(finished.load() == 3 * per_kind);
    for (std::size_t k = 0; k < 3; ++k) BOOST_TEST(expected[k].load() == per_kind, "kind " << k);
}

BOOST_AUTO_TEST_CASE(goaway_after_keepalive_requests_loses_no_call)
{
    std::vector<corest::request> reqs;
    for (int i = 0; i < 5000; ++i) reqs.push_back(h2_get(servers().h2_goaway + "/hello"));
    auto [results, live] = run_all(reqs);
    std::size_t failed = 0;
    for (const auto& r : results)
        if (!r.ok() || r.body != "hello, world\n") {
            if (failed++ == 0) BOOST_TEST_MESSAGE("first failure: " << r << " " << r.message);
        }
    BOOST_TEST(failed == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// Against the HTTP/2 recorder and fault server (tests/fixtures/h2_server.py): what reached
// it, and each way a server can break a stream or the connection.
BOOST_AUTO_TEST_SUITE(http2_wire)

namespace {

corest::request h2c(const std::string& path)
{
    auto r = get(servers().wire_h2c + path);
    r.http_version = corest::http_version_mode::v2;
    r.retry_on_connection_error = false;
    return r;
}

std::optional<corest::test::wire_entry> seen(const std::string& tag)
{
    return corest::test::wire_request(tag, servers().wire_h2_log);
}

/// A token the fault server has not seen: its misbehaviour happens once for it.
std::string fresh_token()
{
    return std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

bool logged(const corest::result& r, const std::string& text)
{
    for (const auto& line : r.log)
        if (line.find(text) != std::string::npos) return true;
    return false;
}

} // namespace

BOOST_AUTO_TEST_CASE(fields_on_the_wire)
{
    auto req = h2c("/fields?q=1");
    req.method = corest::method::post;
    req.headers = {{"X-Mixed-Case", "v"}, {"Connection", "keep-alive"}, {"Keep-Alive", "5"}, {"Host", "api.example:99"}};
    req.cookies = {{"a", "1"}, {"b", "2"}};
    req.body = corest::text_body{"payload"};
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.http_version == "2");
    auto w = seen("/fields?q=1");
    BOOST_TEST_REQUIRE(w.has_value());
    BOOST_TEST(w->method == "POST");
    BOOST_TEST(w->header("Host") == "api.example:99");   // :authority from the caller's Host
    BOOST_TEST(w->header("x-mixed-case") == "v");
    for (const auto& [name, value] : w->headers) {
        if (name == "Host") continue;   // the recorder's own line for :authority
        BOOST_TEST(name == corest::detail::to_lower(name));
        BOOST_TEST(name != "connection");
        BOOST_TEST(name != "keep-alive");
    }
    BOOST_TEST(w->header("cookie") == "a=1; b=2");
    BOOST_TEST(w->header("content-type") == "text/plain; charset=utf-8");
    BOOST_TEST(w->header("content-length") == "7");
    BOOST_TEST(w->body == "payload");
}

BOOST_AUTO_TEST_CASE(a_multipart_file_streams_whole)
{
    const std::string path = "/tmp/corest-h2-upload.bin";
    {
        std::ofstream f(path, std::ios::binary);
        for (int i = 0; i < 300000; ++i) f.put(static_cast<char>(i * 7));
    }
    auto req = h2c("/upload-file");
    req.method = corest::method::post;
    corest::multipart_part part;
    part.name = "f";
    part.file = path;
    req.body = corest::multipart_body{std::nullopt, "b0undary", {part}};
    auto r = call(req);
    std::remove(path.c_str());
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    auto w = seen("/upload-file");
    BOOST_TEST_REQUIRE(w.has_value());
    BOOST_TEST(w->body.size() > 300000u);
    BOOST_TEST(w->body.find("filename=\"corest-h2-upload.bin\"") != std::string::npos);
    BOOST_TEST(w->header("content-length") == std::to_string(w->body.size()));
}

BOOST_AUTO_TEST_CASE(not_processed_streams_are_sent_again_once)
{
    auto away = call(h2c("/goaway?t=" + fresh_token()));
    BOOST_TEST(away.ok(), away.message);
    BOOST_TEST(away.attempts == 1u);
    BOOST_TEST(logged(away, "did not process the request"));

    auto refused = call(h2c("/refuse?t=" + fresh_token()));
    BOOST_TEST(refused.ok(), refused.message);
    BOOST_TEST(refused.attempts == 1u);
    BOOST_TEST(logged(refused, "did not process the request"));

    auto always = call(h2c("/refuse-always"));
    BOOST_TEST((always.error == corest::error::connection_closed), always.message);
    BOOST_TEST(always.message.find("re-sent") != std::string::npos, always.message);
    BOOST_TEST(always.attempts == 1u);
}

BOOST_AUTO_TEST_CASE(stalled_streams_time_out_on_read)
{
    for (const char* path : {"/stall", "/stall-head"}) {
        auto req = h2c(path);
        req.read_timeout = corest::seconds(0.4);
        auto r = call(req);
        BOOST_TEST((r.error == corest::error::timeout), path << ": " << r.message);
        BOOST_TEST(r.message.find("read_timeout of 0.4 s") != std::string::npos, r.message);
    }
}

BOOST_AUTO_TEST_CASE(a_stalled_upload_times_out_on_write)
{
    // The server never gives the request body's window back: the send stalls, and
    // write_timeout (not read_timeout, which starts once the request is sent) ends it.
    auto up = h2c("/slow-upload");
    up.method = corest::method::post;
    up.body = corest::text_body{std::string(1 << 20, 'u')};
    up.write_timeout = corest::seconds(0.4);
    up.read_timeout = corest::seconds(30);
    up.retry_on_connection_error = false;
    const auto started = std::chrono::steady_clock::now();
    auto r = call(up);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    BOOST_TEST((r.error == corest::error::timeout), r.message);
    BOOST_TEST(r.message.find("write_timeout of 0.4 s") != std::string::npos, r.message);
    BOOST_TEST(took < 10.0);

    // A long upload that keeps moving is not cut by a write_timeout shorter than itself:
    // the timeout is the longest stall, restarted by every piece sent.
    auto big = h2c("/sink-upload");
    big.method = corest::method::post;
    big.body = corest::text_body{std::string(48u << 20, 'b')};
    big.write_timeout = corest::seconds(0.3);
    auto b = call(big);
    BOOST_TEST(b.ok(), b.message);
}

BOOST_AUTO_TEST_CASE(broken_responses_are_protocol_errors)
{
    for (const char* path : {"/big-headers", "/conn-header", "/push", "/big-frame", "/settings-flood"}) {
        auto r = call(h2c(path));
        BOOST_TEST((r.error == corest::error::protocol_error), path << ": " << r.error_name() << " " << r.message);
    }
    auto big = call(h2c("/big-headers"));
    BOOST_TEST(big.message.find("64 KiB") != std::string::npos, big.message);
}

BOOST_AUTO_TEST_CASE(a_stream_cut_short_is_connection_closed)
{
    auto reset = call(h2c("/reset"));
    BOOST_TEST((reset.error == corest::error::connection_closed), reset.message);
    BOOST_TEST(reset.message.find("reset the HTTP/2 stream") != std::string::npos, reset.message);
    auto closed = call(h2c("/close"));
    BOOST_TEST((closed.error == corest::error::connection_closed), closed.message);
}

BOOST_AUTO_TEST_CASE(a_decompression_bomb_stays_bounded)
{
    auto req = h2c("/bomb/gzip");
    req.max_response_bytes = 1000000;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::response_too_large), r.message);
    BOOST_TEST(r.body.empty());
    BOOST_TEST(r.http_version == "2");
}

BOOST_AUTO_TEST_CASE(tls_with_alpn_and_a_cancelled_stream)
{
    auto tls = get(servers().wire_h2 + "/over-tls");
    tls.cacert = servers().cert("ca.pem");
    auto r = call(tls);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.http_version == "2");
    BOOST_TEST(seen("/over-tls").has_value());

    // A caller's cancel resets its stream; a call beside it on the same connection goes on.
    auto results = corest::test::run_coro(
        [](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::pair<corest::result, corest::result>> {
            corest::client c{ex};
            std::optional<corest::result> first;
            boost::asio::cancellation_signal cancel;
            boost::asio::co_spawn(ex, c.execute(h2c("/stall-head")),
                                  boost::asio::bind_cancellation_slot(
                                      cancel.slot(), [&](std::exception_ptr, corest::result r) { first = std::move(r); }));
            boost::asio::steady_timer timer(ex, std::chrono::milliseconds(200));
            co_await timer.async_wait(boost::asio::use_awaitable);
            cancel.emit(boost::asio::cancellation_type::terminal);
            auto second = co_await c.execute(h2c("/after-cancel/respond?delay=0.3&body=fine"));
            while (!first) {
                timer.expires_after(std::chrono::milliseconds(10));
                co_await timer.async_wait(boost::asio::use_awaitable);
            }
            co_return std::pair{std::move(*first), std::move(second)};
        });
    BOOST_TEST((results.first.error == corest::error::cancelled));
    BOOST_TEST(results.second.ok(), results.second.message);
    BOOST_TEST(results.second.body == "fine");
}

BOOST_AUTO_TEST_SUITE_END()

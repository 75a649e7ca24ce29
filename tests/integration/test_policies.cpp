// Policies end to end: the retrier, stale keep-alive replay, the pool, caller
// cancellation, the circuit breaker and one client shared by several threads,
// against the in-process fault server.

#include "support/call.hpp"
#include "support/cancel.hpp"
#include "support/fault_server.hpp"
#include "support/servers.hpp"

#include <corest/batch.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <thread>

using corest::test::call;
using corest::test::cancelled_after;
using corest::test::fault_server;
using corest::test::get;
using corest::test::run_coro;
using corest::test::servers;

namespace {
const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

bool log_has(const corest::result& r, std::string_view text)
{
    for (const auto& line : r.log)
        if (line.find(text) != std::string::npos) return true;
    return false;
}

/// Runs `reqs` one after the other on one client and returns their results.
std::vector<corest::result> sequential_calls(const std::vector<corest::request>& reqs,
                                             corest::client_options options = {})
{
    return run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        corest::client c{ex, options};
        std::vector<corest::result> out;
        for (const auto& req : reqs) out.push_back(co_await c.execute(req));
        co_return out;
    });
}

/// Runs `n` sequential calls of `req` on one client and returns their results.
std::vector<corest::result> sequential_calls(const corest::request& req, int n, corest::client_options options = {})
{
    return sequential_calls(std::vector<corest::request>(static_cast<std::size_t>(n), req), options);
}
} // namespace

BOOST_AUTO_TEST_SUITE(retries)

BOOST_AUTO_TEST_CASE(retry_after_503_then_success)
{
    fault_server srv(corest::test::respond_sequence({
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n",
        ok_response,
    }));
    auto req = get(srv.url("/"));
    req.retry_backoff.initial = 0.05;
    auto started = std::chrono::steady_clock::now();
    auto r = call(req);
    auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.attempts == 3u);
    BOOST_TEST(took >= 1.9);   // two Retry-After waits of 1 s replaced the 0.05 s back-off
    BOOST_TEST(log_has(r, "retrying in 1s"));
}

BOOST_AUTO_TEST_CASE(log_explains_a_stop_only_for_an_unexpected_status)
{
    // An expected answer that is not retried needs no explanation; an unexpected one
    // says why it was not retried.
    fault_server ok_srv(corest::test::respond(ok_response));
    auto ok = call(get(ok_srv.url("/")));
    BOOST_TEST_REQUIRE(ok.ok(), ok.message);
    const std::vector<std::string> expected_log{"GET " + ok_srv.url("/"), "attempt 1: 200"};
    BOOST_TEST(ok.log == expected_log, boost::test_tools::per_element());

    fault_server missing_srv(corest::test::respond("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
    auto missing = call(get(missing_srv.url("/")));
    BOOST_TEST((missing.error == corest::error::not_found));
    BOOST_TEST(missing.attempts == 1u);
    BOOST_TEST(log_has(missing, "status 404 is not in retry_status_code"));
}

BOOST_AUTO_TEST_CASE(retry_status_exhausted_by_deadline)
{
    fault_server srv(corest::test::respond("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"));
    auto req = get(srv.url("/"));
    req.retry_backoff = {0.1, 0.1, 1, 0.35};
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::bad_gateway));
    BOOST_TEST(r.attempts >= 3u);
    BOOST_TEST(r.attempts <= 5u);
    BOOST_TEST(*r.status_code == 502u);
}

BOOST_AUTO_TEST_CASE(total_timeout_during_back_off_is_timeout)
{
    fault_server srv(corest::test::respond("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n"));
    auto req = get(srv.url("/"));
    req.total_timeout = corest::seconds(0.5);
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::timeout));
    BOOST_TEST(r.message.find("total") != std::string::npos, r.message);
}

BOOST_AUTO_TEST_CASE(connection_errors_retried_only_for_idempotent_methods)
{
    fault_server srv(corest::test::reset_after_request());
    auto req = get(srv.url("/"));
    req.retry_backoff = {0.01, 0.01, 1, 0.3};   // retries every 10 ms for 0.3 s
    auto g = call(req);
    BOOST_TEST((g.error == corest::error::connection_closed));
    BOOST_TEST(g.attempts > 1u);

    req.method = corest::method::post;
    auto p = call(req);
    BOOST_TEST((p.error == corest::error::connection_closed));
    BOOST_TEST(p.attempts == 1u);

    req.retry_non_idempotent = true;
    BOOST_TEST(call(req).attempts > 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pool)

BOOST_AUTO_TEST_CASE(keep_alive_connections_are_reused)
{
    fault_server srv(corest::test::respond(ok_response));
    auto results = sequential_calls(get(srv.url("/")), 5);
    for (const auto& r : results) BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(srv.connections_accepted() == 1u);
    BOOST_TEST(results[4].timings.connect == 0.0);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured)
{
    fault_server srv(corest::test::respond("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
    auto results = sequential_calls(get(srv.url("/")), 3);
    for (const auto& r : results) BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(srv.connections_accepted() == 3u);
}

BOOST_AUTO_TEST_CASE(tls_settings_keep_connections_apart)
{
    // One client, one mutual-TLS origin: the connection made with the client certificate
    // is not reused by a call without it (nginx answers that one 400), and is by the next
    // call with the same certificate.
    auto with_cert = get(servers().mtls + "/get");
    with_cert.cacert = servers().cert("ca.pem");
    with_cert.client_cert = servers().cert("client.pem");
    with_cert.client_key = servers().cert("client-key.pem");
    auto without_cert = with_cert;
    without_cert.client_cert.reset();
    without_cert.client_key.reset();
    auto results = sequential_calls({with_cert, without_cert, with_cert});
    BOOST_TEST_REQUIRE(results[0].ok(), results[0].message);
    BOOST_TEST_REQUIRE(results[1].status_code.has_value(), results[1].message);
    BOOST_TEST(*results[1].status_code == 400u);
    BOOST_TEST(results[1].timings.connect > 0.0);
    BOOST_TEST_REQUIRE(results[2].ok(), results[2].message);
    BOOST_TEST(results[2].timings.connect == 0.0);
}

BOOST_AUTO_TEST_CASE(bytes_after_a_response_end_its_connection)
{
    // The first answer carries a second, unasked-for response behind it: the next call must
    // not take that for its own, so the connection is not pooled.
    fault_server srv(corest::test::respond_sequence(
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirstHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra",
         "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"}));
    auto results = sequential_calls(get(srv.url("/")), 2);
    BOOST_TEST_REQUIRE(results[0].ok(), results[0].message);
    BOOST_TEST_REQUIRE(results[1].ok(), results[1].message);
    BOOST_TEST(results[0].body == "first");
    BOOST_TEST(results[1].body == "second");
    BOOST_TEST(srv.connections_accepted() == 2u);
}

BOOST_AUTO_TEST_CASE(stale_pooled_connection_is_replaced_once)
{
    // Answers one request per connection, then closes without announcing it.
    fault_server srv([](corest::test::fault_connection& c) -> boost::asio::awaitable<void> {
        auto head = co_await c.read_request_head();
        if (!head.empty()) {
            co_await c.write(ok_response);
            co_await c.sleep(std::chrono::milliseconds(50));
            c.close();
        }
    });
    auto req = get(srv.url("/"));
    req.method = corest::method::post;   // not retried: only the stale replay can save it
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        corest::client c{ex};
        std::vector<corest::result> out;
        out.push_back(co_await c.execute(req));
        boost::asio::steady_timer t(ex, std::chrono::milliseconds(200));
        co_await t.async_wait(boost::asio::use_awaitable);
        out.push_back(co_await c.execute(req));
        co_return out;
    });
    BOOST_TEST_REQUIRE(results[1].ok(), results[1].message);
    BOOST_TEST(results[1].attempts == 1u);
    BOOST_TEST(log_has(results[1], "re-sending on a new connection"));
    BOOST_TEST(srv.connections_accepted() == 2u);
}

BOOST_AUTO_TEST_CASE(per_origin_cap_queues_calls)
{
    fault_server srv(corest::test::respond(ok_response));
    corest::client_options options;
    options.pool.max_connections_per_origin = 1;
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        corest::client c{ex, options};
        std::vector<corest::request> reqs(8, get(srv.url("/")));
        std::vector<corest::result> out;
        std::size_t next = 0;
        co_await corest::run_batch(
            c,
            [&]() -> std::optional<corest::batch_item> {
                if (next == reqs.size()) return std::nullopt;
                return corest::batch_item{reqs[next++], {}};
            },
            [&](std::size_t, corest::result&& r) { out.push_back(std::move(r)); }, 8);
        co_return out;
    });
    BOOST_TEST(results.size() == 8u);
    for (const auto& r : results) BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(srv.connections_accepted() == 1u);
}

BOOST_AUTO_TEST_CASE(waiting_for_a_slot_is_bounded_by_total_timeout)
{
    fault_server srv(corest::test::silent());
    corest::client_options options;
    options.pool.max_connections_per_origin = 1;
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        using namespace boost::asio::experimental::awaitable_operators;
        corest::client c{ex, options};
        auto slow = get(srv.url("/"));
        slow.total_timeout = corest::seconds(2);
        auto waiting = get(srv.url("/"));
        waiting.total_timeout = corest::seconds(0.3);
        auto [a, b] = co_await (c.execute(slow) && c.execute(waiting));
        co_return std::vector<corest::result>{a, b};
    });
    BOOST_TEST((results[0].error == corest::error::timeout));
    BOOST_TEST((results[1].error == corest::error::timeout));
    BOOST_TEST(results[1].message == "the total_timeout of 0.3 s ran out while waiting for a free connection to " +
                                         srv.url("").substr(0, srv.url("").size() - 1) + " (pool)",
               results[1].message);
}

BOOST_AUTO_TEST_CASE(batch_preserves_input_order)
{
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<std::size_t>> {
        corest::client c{ex};
        std::vector<std::size_t> order;
        std::size_t next = 0;
        co_await corest::run_batch(
            c,
            [&]() -> std::optional<corest::batch_item> {
                if (next == 20) return std::nullopt;
                // Earlier items are slower, so they finish last.
                auto r = get(servers().httpbin + "/delay/" + (next < 3 ? std::string("1") : std::string("0")));
                ++next;
                return corest::batch_item{std::move(r), {}};
            },
            [&](std::size_t index, corest::result&& r) {
                BOOST_TEST(r.ok(), r.message);
                order.push_back(index);
            },
            8);
        co_return order;
    });
    BOOST_TEST_REQUIRE(results.size() == 20u);
    for (std::size_t i = 0; i < results.size(); ++i) BOOST_TEST(results[i] == i);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cancellation)

BOOST_AUTO_TEST_CASE(caller_cancellation_is_cancelled)
{
    // The caller's cancellation slot fires while the call waits on a silent peer:
    // execute() itself must end, with CANCELLED, long before any timeout.
    fault_server srv(corest::test::silent());
    const auto started = std::chrono::steady_clock::now();
    auto r = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<corest::result> {
        corest::client c{ex};
        co_return co_await cancelled_after(c, get(srv.url("/")), std::chrono::milliseconds(100));
    });
    BOOST_TEST((r.error == corest::error::cancelled), r.message);
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(10)));
}

BOOST_AUTO_TEST_CASE(cancellation_while_sending_the_body)
{
    // A peer that never reads: 64 MiB cannot all fit in the socket buffers, so the call is
    // still sending when the caller cancels, and the send itself must end.
    fault_server srv([](corest::test::fault_connection& c) -> boost::asio::awaitable<void> {
        co_await c.sleep(std::chrono::seconds(30));
    });
    auto req = get(srv.url("/upload"));
    req.method = corest::method::post;
    req.body = corest::text_body{std::string(64 * 1024 * 1024, 'x')};
    const auto started = std::chrono::steady_clock::now();
    auto r = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<corest::result> {
        corest::client c{ex};
        co_return co_await cancelled_after(c, req, std::chrono::milliseconds(200));
    });
    BOOST_TEST((r.error == corest::error::cancelled), r.error << ": " << r.message);
    BOOST_TEST(r.message.find("(write ") != std::string::npos, r.message);   // cut off while sending
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(10)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(breaker)

BOOST_AUTO_TEST_CASE(opens_after_failures_and_half_opens)
{
    fault_server srv(corest::test::respond("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"));
    auto req = get(srv.url("/"));
    req.circuit_breaker = {true, 2, 0.3};
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        corest::client c{ex};
        std::vector<corest::result> out;
        out.push_back(co_await c.execute(req));
        out.push_back(co_await c.execute(req));
        out.push_back(co_await c.execute(req));   // open: fails fast
        boost::asio::steady_timer t(ex, std::chrono::milliseconds(400));
        co_await t.async_wait(boost::asio::use_awaitable);
        out.push_back(co_await c.execute(req));   // half-open trial reaches the server
        out.push_back(co_await c.execute(req));   // trial failed: open again
        co_return out;
    });
    BOOST_TEST((results[0].error == corest::error::internal_server_error));
    BOOST_TEST((results[1].error == corest::error::internal_server_error));
    BOOST_TEST((results[2].error == corest::error::circuit_open));
    BOOST_TEST((results[3].error == corest::error::internal_server_error));
    BOOST_TEST((results[4].error == corest::error::circuit_open));
    BOOST_TEST(srv.requests().size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(threads)

BOOST_AUTO_TEST_CASE(one_client_from_four_threads)
{
    // One client shared by 400 coroutines on an io_context run by 4 threads, half of
    // them on strands of their own and half on the bare io_context executor (corest
    // then serializes each call itself): plain successes, read timeouts, cancellations
    // and TLS calls interleave on the shared pool, TLS context cache and breaker registry.
    namespace net = boost::asio;
    fault_server ok(corest::test::respond(ok_response));
    fault_server silent(corest::test::silent());
    constexpr int calls_per_kind = 100;
    std::array<std::atomic<int>, 4> expected_outcomes{};
    std::atomic<int> finished{0};
    {
        net::io_context ioc;
        corest::client c{ioc.get_executor()};
        for (int i = 0; i < 4 * calls_per_kind; ++i) {
            const net::any_io_executor where =
                (i / 4) % 2 == 0 ? net::any_io_executor(net::make_strand(ioc)) : net::any_io_executor(ioc.get_executor());
            net::co_spawn(where, [&, kind = i % 4]() -> net::awaitable<void> {
                corest::result r;
                if (kind == 0) {
                    r = co_await c.execute(get(ok.url("/")));
                    if (r.ok()) ++expected_outcomes[0];
                } else if (kind == 1) {
                    auto q = get(silent.url("/"));
                    q.read_timeout = corest::seconds(0.05);
                    q.retry_on_connection_error = false;
                    r = co_await c.execute(q);
                    if (r.error == corest::error::timeout) ++expected_outcomes[1];
                } else if (kind == 2) {
                    auto q = get(silent.url("/"));
                    q.read_timeout = corest::seconds(5);   // a lost cancellation fails, not hangs
                    q.retry_on_connection_error = false;
                    r = co_await cancelled_after(c, q, std::chrono::milliseconds(20));
                    if (r.error == corest::error::cancelled) ++expected_outcomes[2];
                } else {
                    auto q = get(servers().tls + "/");
                    q.cacert = servers().cert("ca.pem");
                    r = co_await c.execute(q);
                    if (r.ok()) ++expected_outcomes[3];
                }
                ++finished;
            }, net::detached);
        }
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) threads.emplace_back([&ioc] { ioc.run(); });
        for (auto& t : threads) t.join();
    }
    BOOST_TEST(finished.load() == 4 * calls_per_kind);
    for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(expected_outcomes[k].load() == calls_per_kind, "kind " << k);
}

BOOST_AUTO_TEST_SUITE_END()

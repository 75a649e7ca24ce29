// The asynchronous surface of an Asio library: client.async_execute with any completion
// token (callback, use_future, deferred, parallel_group), its cancellation slot, and a
// batch stopped by its caller's cancellation.

#include "support/call.hpp"
#include "support/fault_server.hpp"
#include "support/run_coro.hpp"
#include "support/servers.hpp"

#include <corest/batch.hpp>
#include <corest/client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

using corest::test::fault_server;
using corest::test::get;
using corest::test::run_coro;
using corest::test::servers;

namespace {
const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
}

BOOST_AUTO_TEST_SUITE(async_api)

BOOST_AUTO_TEST_CASE(a_callback_gets_the_result)
{
    fault_server srv(corest::test::respond(ok_response));
    boost::asio::io_context ioc;
    corest::client c{ioc.get_executor()};
    std::optional<corest::result> got;
    corest::request req = get(srv.url("/callback"));
    c.async_execute(req, [&](corest::result r) { got = std::move(r); });
    req.url = "http://127.0.0.1:1/changed";   // the call owns its copy
    ioc.run();
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->ok(), got->message);
    BOOST_TEST(got->body == "ok");
}

BOOST_AUTO_TEST_CASE(use_future_from_another_thread)
{
    fault_server srv(corest::test::respond(ok_response));
    boost::asio::io_context ioc;
    auto work = boost::asio::make_work_guard(ioc);
    std::thread runner([&] { ioc.run(); });
    corest::client c{ioc.get_executor()};
    std::future<corest::result> f = c.async_execute(get(srv.url("/future")), boost::asio::use_future);
    const corest::result r = f.get();
    work.reset();
    runner.join();
    BOOST_TEST(r.ok(), r.message);
}

BOOST_AUTO_TEST_CASE(deferred_and_a_parallel_group)
{
    fault_server srv(corest::test::respond(ok_response));
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        namespace net = boost::asio;
        corest::client c{ex};
        auto later = c.async_execute(get(srv.url("/deferred")), net::deferred);
        std::vector<corest::result> out;
        out.push_back(co_await std::move(later)(net::use_awaitable));
        auto [order, a, b] = co_await net::experimental::make_parallel_group(
                                 c.async_execute(get(srv.url("/a")), net::deferred),
                                 c.async_execute(get(srv.url("/b")), net::deferred))
                                 .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
        (void)order;
        out.push_back(std::move(a));
        out.push_back(std::move(b));
        co_return out;
    });
    BOOST_TEST_REQUIRE(results.size() == 3u);
    for (const auto& r : results) BOOST_TEST(r.ok(), r.message);
}

BOOST_AUTO_TEST_CASE(the_handlers_cancellation_slot_cancels_the_call)
{
    fault_server srv(corest::test::silent());
    boost::asio::io_context ioc;
    corest::client c{ioc.get_executor()};
    boost::asio::cancellation_signal cancel;
    std::optional<corest::result> got;
    auto req = get(srv.url("/silent"));
    req.read_timeout = corest::seconds(10);
    c.async_execute(req, boost::asio::bind_cancellation_slot(cancel.slot(), [&](corest::result r) { got = std::move(r); }));
    boost::asio::steady_timer t(ioc, std::chrono::milliseconds(100));
    t.async_wait([&](boost::system::error_code) { cancel.emit(boost::asio::cancellation_type::terminal); });
    const auto started = std::chrono::steady_clock::now();
    ioc.run();
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST((got->error == corest::error::cancelled), got->message);
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(a_batch_stops_when_its_caller_is_cancelled)
{
    fault_server srv(corest::test::silent());
    std::vector<corest::result> delivered;
    const auto started = std::chrono::steady_clock::now();
    run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<void> {
        using namespace boost::asio::experimental::awaitable_operators;
        namespace net = boost::asio;
        corest::client c{ex};
        std::size_t next = 0;
        net::steady_timer timer(ex, std::chrono::milliseconds(200));
        co_await (corest::run_batch(
                      c,
                      [&]() -> std::optional<corest::batch_item> {
                          if (next == 50) return std::nullopt;
                          ++next;
                          auto req = get(srv.url("/batch"));
                          req.read_timeout = corest::seconds(10);
                          return corest::batch_item{std::move(req), {}};
                      },
                      [&](std::size_t, corest::result&& r) { delivered.push_back(std::move(r)); }, 4) ||
                  timer.async_wait(net::use_awaitable));
    });
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(5)));
    BOOST_TEST(delivered.size() == 4u);   // the calls in flight, and nothing after them
    for (const auto& r : delivered) BOOST_TEST((r.error == corest::error::cancelled), r.message);
}

BOOST_AUTO_TEST_SUITE_END()

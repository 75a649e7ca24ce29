// Tutorial 9: cancellation and deadlines.
//
//   ./example_09_cancellation_and_deadlines [BASE_URL]        (default https://httpbin.org)
//
// A call stops when its caller's cancellation slot fires: racing it against a timer
// with Asio's `||` operator, or a cancellation_signal bound to async_execute. The call
// then ends CANCELLED and its connection is closed (it is never returned to the pool
// half-read). Timeouts are inputs too: read_timeout, connect_timeout, total_timeout.

#include <corest/client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <iostream>
#include <string>
#include <variant>

namespace net = boost::asio;

net::awaitable<int> race(std::string base)
{
    using namespace boost::asio::experimental::awaitable_operators;
    auto ex = co_await net::this_coro::executor;
    corest::client client{ex};

    corest::request slow;
    slow.url = base + "/delay/5";   // answers after 5 seconds

    // 1. Whichever finishes first wins; the loser is cancelled.
    net::steady_timer timer(ex, std::chrono::milliseconds(300));
    std::variant<corest::result, std::monostate> winner =
        co_await (client.execute(slow) || timer.async_wait(net::use_awaitable));
    std::cout << "race against 0.3 s: " << (winner.index() == 0 ? "the call" : "the timer") << " won\n";

    // 2. A signal we emit ourselves; the call's own result says CANCELLED.
    net::cancellation_signal stop;
    net::steady_timer later(ex, std::chrono::milliseconds(300));
    later.async_wait([&](boost::system::error_code) { stop.emit(net::cancellation_type::terminal); });
    corest::result r =
        co_await client.async_execute(slow, net::bind_cancellation_slot(stop.slot(), net::use_awaitable));
    std::cout << "cancelled by a signal: " << r.error_name() << '\n';

    // 3. A deadline as an input: nothing arrives within read_timeout.
    slow.read_timeout = corest::seconds(0.3);
    slow.retry_on_connection_error = false;   // a timeout would otherwise be retried
    r = co_await client.execute(slow);
    std::cout << "read_timeout 0.3 s: " << r.error_name() << " (" << r.message << ")\n";
    co_return 0;
}

int main(int argc, char** argv)
{
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, race(argc > 1 ? argv[1] : "https://httpbin.org"), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

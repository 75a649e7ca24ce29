#ifndef COREST_TESTS_SUPPORT_CANCEL_HPP
#define COREST_TESTS_SUPPORT_CANCEL_HPP

// A call its caller cancels (terminal cancellation through the completion's slot) after a
// while, as a `||` race or a service's own deadline would.

#include <corest/client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <memory>

namespace corest::test {

inline boost::asio::awaitable<corest::result> cancelled_after(corest::client& c, corest::request req,
                                                              std::chrono::milliseconds after)
{
    namespace net = boost::asio;
    auto ex = co_await net::this_coro::executor;
    auto signal = std::make_shared<net::cancellation_signal>();
    net::steady_timer timer(ex, after);
    timer.async_wait([signal](boost::system::error_code ec) {
        if (!ec) signal->emit(net::cancellation_type::terminal);
    });
    auto r = co_await net::co_spawn(ex, c.execute(std::move(req)),
                                    net::bind_cancellation_slot(signal->slot(), net::use_awaitable));
    timer.cancel();
    co_return r;
}

} // namespace corest::test

#endif

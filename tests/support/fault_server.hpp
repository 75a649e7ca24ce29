#ifndef COREST_TESTS_SUPPORT_FAULT_SERVER_HPP
#define COREST_TESTS_SUPPORT_FAULT_SERVER_HPP

// An in-process TCP server on 127.0.0.1:<ephemeral> that misbehaves on purpose, on its own
// thread and io_context. Each accepted connection runs the handler coroutine:
//
//   corest::test::fault_server srv{corest::test::respond(
//       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")};
//   req.url = srv.url("/x");
//   ... srv.connections_accepted(), srv.requests()[0] ...
//
//   corest::test::fault_server custom{[](corest::test::fault_connection& c)
//                                         -> boost::asio::awaitable<void> {
//       std::string head = co_await c.read_request_head();
//       if (head.empty()) co_return;   // the peer closed (GCC 12 rejects `(co_await x).f()`)
//       co_await c.sleep(std::chrono::milliseconds(200));
//       co_await c.write("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
//   }};
//
// The destructor cancels everything (sleeps, reads, writes, accepts) and joins the thread:
// while stopping, every helper throws system_error(operation_aborted), so handlers unwind.
// A helper's peer-side failure does not throw: read_request_head() returns "" and write()
// marks the connection closed (is_open() == false).

#include "support/fault_connection.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace corest::test {

class fault_server
{
public:
    using handler = fault_handler;

    explicit fault_server(handler h) : handler_(std::move(h))
    {
        namespace ip = boost::asio::ip;
        ip::tcp::endpoint ep(ip::make_address_v4("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(ip::tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        boost::asio::co_spawn(ioc_, accept_loop(), [](std::exception_ptr) {});
        thread_ = std::thread([this] {
            try { ioc_.run(); } catch (...) {}
            finished_.set_value();
        });
    }

    fault_server(const fault_server&) = delete;
    fault_server& operator=(const fault_server&) = delete;

    ~fault_server()
    {
        boost::asio::post(ioc_, [this] { stop_all(); });
        // Handlers awaiting something of their own would keep run() going: cut them off.
        if (finished_.get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready)
            ioc_.stop();
        thread_.join();
        live_.clear();  // frames still pending (only after ioc_.stop()) die with ioc_
    }

    std::uint16_t port() const { return port_; }

    std::string url(std::string_view path = "/") const
    {
        std::string u = "http://127.0.0.1:" + std::to_string(port_);
        if (path.empty() || path.front() != '/')
            u += '/';
        u += path;
        return u;
    }

    std::size_t connections_accepted() const { return state_.accepted.load(); }

    // Raw request heads received so far (all connections, in arrival order).
    std::vector<std::string> requests() const
    {
        std::lock_guard lock(state_.mutex);
        std::vector<std::string> out;
        for (const auto& r : state_.records)
            out.push_back(r.head);
        return out;
    }

    // The bodies of those requests, same order ("" when none).
    std::vector<std::string> bodies() const
    {
        std::lock_guard lock(state_.mutex);
        std::vector<std::string> out;
        for (const auto& r : state_.records)
            out.push_back(r.body);
        return out;
    }

    // Exceptions that escaped a handler (other than the stop), to debug a handler.
    std::vector<std::string> handler_errors() const
    {
        std::lock_guard lock(state_.mutex);
        return state_.handler_errors;
    }

private:
    boost::asio::awaitable<void> accept_loop()
    {
        for (;;)
        {
            auto [ec, socket] = co_await acceptor_.async_accept(detail::fault_tuple);
            if (state_.stopping.load() || !acceptor_.is_open())
                co_return;
            if (ec)
                continue;
            const std::size_t idx = state_.accepted.fetch_add(1);
            auto conn = std::make_shared<fault_connection>(std::move(socket), idx, state_);
            live_.push_back(conn);
            boost::asio::co_spawn(ioc_, session(conn), [](std::exception_ptr) {});
        }
    }

    boost::asio::awaitable<void> session(std::shared_ptr<fault_connection> conn)
    {
        try
        {
            co_await handler_(*conn);
        }
        catch (const std::exception& e)
        {
            if (!state_.stopping.load())
            {
                std::lock_guard lock(state_.mutex);
                state_.handler_errors.push_back(e.what());
            }
        }
        conn->close();
        live_.erase(std::remove(live_.begin(), live_.end(), conn), live_.end());
    }

    void stop_all()
    {
        state_.stopping.store(true);
        boost::system::error_code ec;
        acceptor_.close(ec);
        for (auto& c : live_)
            c->abort();
    }

    // Declaration order is destruction order in reverse: the io_context goes after the
    // sockets it owns and before the state and handler its pending frames may still use.
    detail::fault_state state_;
    handler handler_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    std::vector<std::shared_ptr<fault_connection>> live_;
    std::uint16_t port_ = 0;
    std::promise<void> finished_;
    std::thread thread_;
};

// ---- ready-made handlers ---------------------------------------------------------------

namespace detail {

// Answers every request on the connection with what `next()` gives, until the peer closes
// or the response implies a close.
template <class Next>
boost::asio::awaitable<void> keep_alive(fault_connection& c, Next next,
                                        std::chrono::milliseconds gap = std::chrono::milliseconds(0))
{
    for (;;)
    {
        const std::string head = co_await c.read_request_head();
        if (head.empty())
            co_return;
        const std::string raw = next();
        if (gap.count() == 0)
            co_await c.write(raw);
        else
            for (std::size_t i = 0; i < raw.size() && c.is_open(); ++i)
            {
                co_await c.write(std::string_view(raw).substr(i, 1));
                if (i + 1 < raw.size())
                    co_await c.sleep(gap);
            }
        if (!c.is_open() || response_closes(raw))
            co_return;
    }
}

}  // namespace detail

// Every request on every connection gets `raw_response` (keep-alive unless it implies close).
inline fault_handler respond(std::string raw_response)
{
    return [raw = std::move(raw_response)](fault_connection& c) {
        return detail::keep_alive(c, [raw] { return raw; });
    };
}

// The n-th request across all connections gets the n-th response; the last one repeats.
inline fault_handler respond_sequence(std::vector<std::string> raw_responses)
{
    if (raw_responses.empty())
        raw_responses.emplace_back("HTTP/1.1 500 No Responses Given\r\nContent-Length: 0\r\n\r\n");
    auto list = std::make_shared<const std::vector<std::string>>(std::move(raw_responses));
    auto counter = std::make_shared<std::atomic<std::size_t>>(0);
    return [list, counter](fault_connection& c) {
        return detail::keep_alive(c, [list, counter] {
            const std::size_t n = counter->fetch_add(1);
            return (*list)[std::min(n, list->size() - 1)];
        });
    };
}

// Accepts and reads requests, never answers (until the peer closes or the server stops).
inline fault_handler silent()
{
    return [](fault_connection& c) -> boost::asio::awaitable<void> {
        for (;;)
        {
            const std::string head = co_await c.read_request_head();
            if (head.empty())
                co_return;
        }
    };
}

// Reads one request, then resets the connection (the client sees ECONNRESET).
inline fault_handler reset_after_request()
{
    return [](fault_connection& c) -> boost::asio::awaitable<void> {
        const std::string head = co_await c.read_request_head();
        if (!head.empty())
            c.reset();
    };
}

// Reads one request, writes `raw` (e.g. a head promising more body than sent), then closes.
inline fault_handler truncated(std::string raw)
{
    return [raw = std::move(raw)](fault_connection& c) -> boost::asio::awaitable<void> {
        const std::string bytes = raw;  // the frame owns its copy
        const std::string head = co_await c.read_request_head();
        if (!head.empty())
        {
            co_await c.write(bytes);
            c.close();
        }
    };
}

// Like respond(), but one byte every `gap`.
inline fault_handler drip(std::string raw, std::chrono::milliseconds gap)
{
    return [raw = std::move(raw), gap](fault_connection& c) {
        return detail::keep_alive(c, [raw] { return raw; }, gap);
    };
}

}  // namespace corest::test

#endif

#ifndef COREST_DETAIL_TIMED_SOCKET_HPP
#define COREST_DETAIL_TIMED_SOCKET_HPP

// A TCP socket with a deadline: an operation still pending when the deadline passes
// ends with beast::error::timeout (the socket is closed, as Beast's tcp_stream does).
//
// Why not Beast's tcp_stream: it arms a timer wait for every read and write and cancels
// it when the operation completes, and a waiting call holds that wait. Here one
// "watchdog" wait covers the whole time a call uses the connection. Moving the deadline
// later (each read restarts read_timeout) costs nothing: a watchdog that fires before
// the deadline it guards waits again until that deadline. Only a deadline earlier than
// the pending wait re-arms it. finish_use() cancels the wait once, when the call gives
// the connection up, so a pooled connection keeps no timer pending (an io_context whose
// calls are all done runs out of work and returns).
//
// The watchdog runs on the executor of the operation that armed it, which is the call's
// (its strand, or a single-threaded io_context: see serial.hpp), so it never runs at the
// same time as the call's own code. A pooled connection moves between calls on different
// strands: every arm and every finish_use() starts a new epoch, and a watchdog of an
// earlier epoch (already fired and queued when it was cancelled) does nothing. The epoch
// is shared with the watchdog, which may run after the socket is gone.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

namespace corest::detail {

class timed_socket;

/// A completion handler that reports an error of an operation cut off by the deadline
/// as beast::error::timeout. Every associated property (executor, allocator,
/// cancellation slot) is the wrapped handler's.
template <class Handler>
struct timeout_reporting_handler {
    Handler handler;
    const timed_socket* socket;

    template <class... Args>
    void operator()(boost::system::error_code ec, Args&&... args);
};

class timed_socket {
public:
    using executor_type = boost::asio::any_io_executor;
    using lowest_layer_type = timed_socket;   // what asio::ssl::stream asks of its next layer
    using clock_type = std::chrono::steady_clock;

    explicit timed_socket(const executor_type& ex)
        : socket_(ex), watchdog_(ex), epoch_(std::make_shared<std::atomic<unsigned>>(0))
    {
    }
    ~timed_socket() { finish_use(); }
    timed_socket(const timed_socket&) = delete;
    timed_socket& operator=(const timed_socket&) = delete;

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    lowest_layer_type& lowest_layer() noexcept { return *this; }
    boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }

    void expires_after(clock_type::duration d) { deadline_ = clock_type::now() + d; }
    void expires_never() noexcept { deadline_ = clock_type::time_point::max(); }
    bool timed_out() const noexcept { return timed_out_; }

    /// The call is done with the socket: no deadline, and the watchdog wait is cancelled.
    void finish_use() noexcept
    {
        deadline_ = clock_type::time_point::max();
        if (wait_ends_ == clock_type::time_point::max()) return;
        wait_ends_ = clock_type::time_point::max();
        epoch_->fetch_add(1, std::memory_order_release);
        watchdog_.cancel();
    }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBufferSequence& b) {
                watch(handler);
                socket_.async_read_some(b, report_timeout(std::move(handler)));
            },
            token, buffers);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                watch(handler);
                socket_.async_write_some(b, report_timeout(std::move(handler)));
            },
            token, buffers);
    }

    template <class Token>
    auto async_connect(const boost::asio::ip::tcp::endpoint& to, Token&& token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler, const boost::asio::ip::tcp::endpoint& e) {
                watch(handler);
                socket_.async_connect(e, report_timeout(std::move(handler)));
            },
            token, to);
    }

private:
    // The watchdog's completion handler, on `Executor`: the executor of the operation that
    // armed it. On a plain io_context that is the context's own 8-byte executor type, not
    // any_io_executor: the wait's operation, which every call in flight holds, carries the
    // executor twice (in the handler and in its work guard).
    template <class Executor>
    struct watchdog_handler {
        using executor_type = Executor;

        timed_socket* owner;
        std::shared_ptr<std::atomic<unsigned>> epoch;
        unsigned armed_in;
        executor_type executor;

        executor_type get_executor() const noexcept { return executor; }

        void operator()(boost::system::error_code ec)
        {
            // Cancelled, replaced by an earlier wait, or left over from a use that ended.
            if (ec || epoch->load(std::memory_order_acquire) != armed_in) return;
            timed_socket& s = *owner;
            s.wait_ends_ = clock_type::time_point::max();
            if (s.deadline_ == clock_type::time_point::max()) return;   // nothing pending is bounded
            if (clock_type::now() < s.deadline_) {   // the deadline moved on: wait for it
                s.wait_ends_ = s.deadline_;
                s.watchdog_.expires_at(s.deadline_);
                s.watchdog_.async_wait(std::move(*this));
                return;
            }
            s.timed_out_ = true;
            boost::system::error_code ignored;
            s.socket_.close(ignored);   // what is pending ends with operation_aborted
        }
    };

    /// Arms the watchdog for an operation starting now, when no wait will fire by the deadline.
    template <class Handler>
    void watch(const Handler& handler)
    {
        if (deadline_ >= wait_ends_) return;   // no deadline, or the pending wait fires first
        wait_ends_ = deadline_;
        const unsigned epoch = epoch_->fetch_add(1, std::memory_order_relaxed) + 1;   // a replaced wait is stale
        watchdog_.expires_at(deadline_);
        const executor_type on = boost::asio::get_associated_executor(handler, socket_.get_executor());
        using context_executor = boost::asio::io_context::executor_type;
        if (const auto* context = on.target<context_executor>())
            watchdog_.async_wait(watchdog_handler<context_executor>{this, epoch_, epoch, *context});
        else
            watchdog_.async_wait(watchdog_handler<executor_type>{this, epoch_, epoch, on});
    }

    template <class Handler>
    timeout_reporting_handler<Handler> report_timeout(Handler&& handler) const
    {
        return {std::forward<Handler>(handler), this};
    }

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer watchdog_;
    clock_type::time_point deadline_ = clock_type::time_point::max();
    clock_type::time_point wait_ends_ = clock_type::time_point::max();   // max: no wait pending
    std::shared_ptr<std::atomic<unsigned>> epoch_;
    bool timed_out_ = false;
};

template <class Handler>
template <class... Args>
void timeout_reporting_handler<Handler>::operator()(boost::system::error_code ec, Args&&... args)
{
    if (ec && socket->timed_out()) ec = boost::beast::error::timeout;
    std::move(handler)(ec, std::forward<Args>(args)...);
}

} // namespace corest::detail

template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct boost::asio::associator<Associator, corest::detail::timeout_reporting_handler<Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(const corest::detail::timeout_reporting_handler<Handler>& h) noexcept
    {
        return Associator<Handler, DefaultCandidate>::get(h.handler);
    }

    static auto get(const corest::detail::timeout_reporting_handler<Handler>& h, const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c))
    {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};

#endif

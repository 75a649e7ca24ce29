#ifndef COREST_BATCH_HPP
#define COREST_BATCH_HPP

// Many calls through one client with bounded concurrency, results delivered in
// input order as soon as every earlier one was delivered (so a million-line
// batch never holds a million results). A batch is nothing special: it is
// execute() calls on one client, sharing its pool, token cache and breakers.

#include <corest/client.hpp>
#include <corest/detail/await.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace corest {

/// One line of a batch: a request to run, or a result already known (bad input).
struct batch_item {
    std::optional<corest::request> request;   ///< The request to run; empty when `ready` is the answer.
    corest::result ready;                     ///< The result of an item that is not run (e.g. INVALID_INPUT).
};

/// Where a batch takes its items from: the next item, or nullopt at the end.
using batch_source = std::function<std::optional<batch_item>()>;
/// Where a batch delivers its results: the item's index (from 0) and its result, in input order.
using batch_sink = std::function<void(std::size_t index, corest::result&&)>;

/// Stops a running batch: no new item is started, calls in flight end CANCELLED.
/// Thread safety: cancel() may be called from any thread, e.g. a signal handler's io_context.
class batch_control {
public:
    /// Stops the batch: starts no further item and cancels the calls in flight.
    void cancel()
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        for (auto& [strand, signal] : signals_)
            boost::asio::post(strand, [s = signal] { s->emit(boost::asio::cancellation_type::terminal); });
    }
    /// True once cancel() was called.
    bool cancelled() const
    {
        std::lock_guard lock(mutex_);
        return cancelled_;
    }

    /// Registers a running call's cancellation signal; used by the batch runner only.
    void attach(boost::asio::any_io_executor strand, std::shared_ptr<boost::asio::cancellation_signal> s)
    {
        std::lock_guard lock(mutex_);
        signals_.emplace_back(std::move(strand), std::move(s));
    }

private:
    mutable std::mutex mutex_;
    bool cancelled_ = false;
    std::vector<std::pair<boost::asio::any_io_executor, std::shared_ptr<boost::asio::cancellation_signal>>> signals_;
};

namespace detail {

/// The state of one running batch, shared by its workers on one strand.
struct batch_runner {
    using source = batch_source;
    using sink = batch_sink;

    corest::client& client;
    source next;
    sink deliver;
    std::size_t concurrency;
    batch_control* control;

    std::size_t next_index = 0;       // the next item to take
    std::size_t next_delivery = 0;    // the next index to deliver
    bool exhausted = false;
    std::map<std::size_t, corest::result> pending;   // finished, waiting for earlier ones
    std::unique_ptr<boost::asio::steady_timer> room;   // wakes workers held back by the window

    // A worker takes a new item only within this distance of the next delivery,
    // which bounds the results held out of order.
    std::size_t window() const { return concurrency * 4; }

    void flush()
    {
        for (auto it = pending.find(next_delivery); it != pending.end(); it = pending.find(next_delivery)) {
            deliver(next_delivery, std::move(it->second));
            pending.erase(it);
            ++next_delivery;
        }
        room->cancel();
    }

    boost::asio::awaitable<void> worker(std::shared_ptr<boost::asio::cancellation_signal> signal)
    {
        namespace net = boost::asio;
        for (;;) {
            while (!exhausted && next_index >= next_delivery + window() && !(control && control->cancelled())) {
                co_await room->async_wait(detail::as_result);
            }
            if (exhausted || (control && control->cancelled())) co_return;
            auto item = next();
            if (!item) {
                exhausted = true;
                room->cancel();
                co_return;
            }
            const std::size_t index = next_index++;
            corest::result r;
            if (item->request) {
                r = co_await net::co_spawn(co_await net::this_coro::executor, client.execute(std::move(*item->request)),
                                           net::bind_cancellation_slot(signal->slot(), net::use_awaitable));
            } else {
                r = std::move(item->ready);
            }
            pending.emplace(index, std::move(r));
            flush();
        }
    }
};

inline boost::asio::awaitable<void> run_batch_on_strand(corest::client& client, batch_runner::source next,
                                                        batch_runner::sink deliver, std::size_t concurrency,
                                                        batch_control* control)
{
    namespace net = boost::asio;
    co_await net::this_coro::throw_if_cancelled(false);
    auto strand = co_await net::this_coro::executor;
    // The caller's cancellation stops the batch as batch_control::cancel() does.
    batch_control own_control;
    if (!control) control = &own_control;
    auto runner = std::make_shared<batch_runner>(batch_runner{client, std::move(next), std::move(deliver), concurrency,
                                                              control, 0, 0, false, {}, nullptr});
    runner->room = std::make_unique<net::steady_timer>(strand, net::steady_timer::time_point::max());
    net::steady_timer done(strand, net::steady_timer::time_point::max());
    auto remaining = std::make_shared<std::size_t>(concurrency);
    for (std::size_t i = 0; i < concurrency; ++i) {
        auto signal = std::make_shared<net::cancellation_signal>();
        if (control) control->attach(strand, signal);
        net::co_spawn(strand, runner->worker(signal), [runner, signal, remaining, &done](std::exception_ptr) {
            if (--*remaining == 0) done.cancel();
        });
    }
    while (*remaining > 0) {
        co_await done.async_wait(as_result);
        const auto state = co_await net::this_coro::cancellation_state;
        if (state.cancelled() != net::cancellation_type::none && !control->cancelled()) {
            control->cancel();
            co_await net::this_coro::reset_cancellation_state();
        }
    }
}
} // namespace detail

/// Runs every item `next` yields (until it returns nullopt) on `client`, at most
/// `concurrency` at a time, and calls `deliver(index, result)` in input order.
/// `next` and `deliver` run on one strand, never concurrently with each other.
/// With `control`, the batch can be stopped: items not started are not delivered,
/// calls in flight end CANCELLED (and are delivered). Cancelling the awaiting coroutine
/// (its cancellation slot, e.g. an `||` race) stops the batch the same way; run_batch
/// returns once the calls in flight have ended.
inline boost::asio::awaitable<void> run_batch(corest::client& client, batch_source next, batch_sink deliver,
                                              std::size_t concurrency = 64,
                                              batch_control* control = nullptr)
{
    namespace net = boost::asio;
    if (concurrency == 0) concurrency = 1;
    // Workers and their bookkeeping live on one strand: no lock needed, safe on a
    // multi-threaded io_context.
    auto strand = net::make_strand(co_await net::this_coro::executor);
    co_await net::co_spawn(strand,
                           detail::run_batch_on_strand(client, std::move(next), std::move(deliver), concurrency, control),
                           net::use_awaitable);
}

} // namespace corest

#endif

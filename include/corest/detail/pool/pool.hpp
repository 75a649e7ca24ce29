#ifndef COREST_DETAIL_POOL_POOL_HPP
#define COREST_DETAIL_POOL_POOL_HPP

// The connection pool of a client: the bookkeeping (book.hpp) behind one mutex, and the
// waiting. Thread-safe: one client may be used from several threads. Connections that
// the book hands out for closing are closed here, outside the lock; calls waiting for a
// slot are woken through a concurrent channel each, so a grant made on one thread
// reaches a waiter on another. Calls hold what they take in a lease (lease.hpp).

#include <corest/detail/await.hpp>
#include <corest/detail/connection.hpp>
#include <corest/detail/pool/book.hpp>
#include <corest/pool.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace corest::detail {

enum class slot_wait { granted, timed_out, cancelled };

/// The outcome of waiting for a slot: a slot to connect with, or, when a call on the
/// same key gave its connection back while we waited, that open connection itself.
struct slot_grant {
    slot_wait status = slot_wait::granted;
    std::unique_ptr<connection> handed;   // set: reuse this instead of connecting
};

class connection_pool {
public:
    using book_type = pool_book<std::unique_ptr<connection>>;

    explicit connection_pool(pool_options options = {}) : book_(options) {}

    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    const pool_options& options() const noexcept { return book_.options(); }

    /// The most recently used idle connection for `key` that has not expired, or null.
    /// Expired ones are closed on the way (and give up their slots).
    std::unique_ptr<connection> take_idle(const std::string& key,
                                          std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now())
    {
        std::vector<std::unique_ptr<connection>> closing;
        std::vector<book_type::grant> woken;
        std::optional<std::unique_ptr<connection>> found;
        {
            std::lock_guard lock(mutex_);
            found = book_.take_idle(
                key, now, [](const std::unique_ptr<connection>& c) { return c->is_open(); }, closing, woken);
            deliver_locked(woken);
        }
        for (auto& c : closing) c->close();
        return found ? std::move(*found) : nullptr;
    }

    /// Takes a slot for a new connection to `key` when one is free and nobody waits:
    /// acquire_slot without a coroutine frame, for the common case.
    bool try_acquire_slot(const std::string& key)
    {
        std::lock_guard lock(mutex_);
        return book_.try_acquire(key);
    }

    /// Takes a slot for a new connection to `key`, waiting FIFO behind earlier callers
    /// when a cap is reached, at most until `wait_until`.
    boost::asio::awaitable<slot_grant> acquire_slot(std::string key,
                                                   std::optional<std::chrono::steady_clock::time_point> wait_until)
    {
        namespace net = boost::asio;
        std::shared_ptr<waiter> w;
        std::optional<std::unique_ptr<connection>> to_close;
        {
            std::lock_guard lock(mutex_);
            if (book_.try_acquire(key)) co_return slot_grant{};
            w = std::make_shared<waiter>(co_await net::this_coro::executor);
            std::vector<book_type::grant> woken;
            w->id = book_.wait(key, to_close, woken);
            waiters_.emplace(w->id, w);
            deliver_locked(woken);
        }
        // Made room: an idle connection of another key held the slot this call needs.
        if (to_close) (*to_close)->close();
        net::steady_timer timer(w->channel.get_executor());
        if (wait_until) {
            timer.expires_at(*wait_until);
            timer.async_wait([w](boost::system::error_code ec) {
                if (!ec) w->channel.cancel();
            });
        }
        auto [ec] = co_await w->channel.async_receive(as_result);
        timer.cancel();
        std::lock_guard lock(mutex_);
        if (w->granted) co_return slot_grant{slot_wait::granted, std::move(w->handed)};
        book_.forget(w->id);
        waiters_.erase(w->id);
        co_return slot_grant{
            ec == net::error::operation_aborted && !(wait_until && std::chrono::steady_clock::now() >= *wait_until)
                ? slot_wait::cancelled
                : slot_wait::timed_out,
            nullptr};
    }

    /// Returns a connection whose response was read to its end and that may be kept alive.
    void give_back(std::unique_ptr<connection> c)
    {
        c->finish_use();
        ++c->requests_served;
        std::optional<std::unique_ptr<connection>> to_close;
        {
            std::lock_guard lock(mutex_);
            std::vector<book_type::grant> woken;
            const std::string key = c->pool_key;
            book_.give_back(key, std::move(c), std::chrono::steady_clock::now(), woken, to_close);
            deliver_locked(woken);
        }
        if (to_close) (*to_close)->close();
    }

    /// Closes a connection that will not be reused and frees its slot.
    void discard(std::unique_ptr<connection> c)
    {
        if (!c) return;
        c->close();
        release_slot(c->pool_key);
    }

    /// Frees the slot of a connection that was never made (connect failed).
    void release_slot(const std::string& key)
    {
        std::lock_guard lock(mutex_);
        std::vector<book_type::grant> woken;
        book_.release(key, woken);
        deliver_locked(woken);
    }

    std::size_t idle_count()
    {
        std::lock_guard lock(mutex_);
        return book_.idle_count();
    }

    std::size_t live_count()
    {
        std::lock_guard lock(mutex_);
        return book_.live_count();
    }

    /// Closes every idle connection (client shutdown).
    void close_idle()
    {
        std::vector<std::unique_ptr<connection>> idle;
        {
            std::lock_guard lock(mutex_);
            std::vector<book_type::grant> woken;
            idle = book_.take_all_idle(woken);
            deliver_locked(woken);
        }
        for (auto& c : idle) c->close();
    }

private:
    struct waiter {
        explicit waiter(boost::asio::any_io_executor ex) : channel(std::move(ex), 1) {}
        // Thread-safe wake-up: a grant sent before the waiter starts receiving is buffered.
        boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> channel;
        book_type::waiter_id id = 0;
        bool granted = false;                 // guarded by the pool's mutex
        std::unique_ptr<connection> handed;   // guarded by the pool's mutex
    };

    // Under the lock: hands the book's grants to their waiters and wakes them.
    void deliver_locked(std::vector<book_type::grant>& woken)
    {
        for (auto& g : woken) {
            auto it = waiters_.find(g.id);
            if (it == waiters_.end()) continue;
            auto w = it->second;
            waiters_.erase(it);
            w->granted = true;
            if (g.handed) w->handed = std::move(*g.handed);
            w->channel.try_send(boost::system::error_code{});
        }
        woken.clear();
    }

    std::mutex mutex_;
    book_type book_;
    std::map<book_type::waiter_id, std::shared_ptr<waiter>> waiters_;
};

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_POOL_STATE_HPP
#define COREST_DETAIL_POOL_STATE_HPP

// The pool's shared state: idle connections per key (origin + TLS settings) and
// the live-connection counts the caps are enforced on, with calls waiting FIFO
// for a slot. Thread-safe: one client may be used from several threads.
//
// A slot is a live connection (in use or idle). acquire_slot() takes one before
// connecting; a connection taken from idle already owns its slot; release_slot()
// is called when a connection is closed instead of being returned.

#include <corest/detail/await.hpp>
#include <corest/detail/connection.hpp>
#include <corest/pool.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <deque>
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
    explicit connection_pool(pool_options options = {}) : options_(options) {}

    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    const pool_options& options() const noexcept { return options_; }

    /// The most recently used idle connection for `key` that has not expired, or null.
    /// Expired ones are closed on the way (and give up their slots).
    std::unique_ptr<connection> take_idle(const std::string& key,
                                          std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now())
    {
        std::vector<std::unique_ptr<connection>> expired;
        std::unique_ptr<connection> found;
        {
            std::lock_guard lock(mutex_);
            auto it = idle_.find(key);
            if (it == idle_.end()) return nullptr;
            auto& list = it->second;
            while (!list.empty()) {
                auto c = std::move(list.back());
                list.pop_back();
                if (now - c->idle_since < options_.idle_timeout && c->is_open()) {
                    found = std::move(c);
                    break;
                }
                expired.push_back(std::move(c));
            }
            // An emptied list stays for the connection's return (no map node and vector
            // to allocate again per call), unless the pool has many keys to forget.
            if (list.empty() && idle_.size() > keep_empty_idle_lists) idle_.erase(it);
        }
        for (auto& c : expired) discard(std::move(c));
        return found;
    }

    /// Takes a slot for a new connection to `key` when one is free and nobody waits:
    /// acquire_slot without a coroutine frame, for the common case.
    bool try_acquire_slot(const std::string& key)
    {
        std::lock_guard lock(mutex_);
        if (!waiters_.empty() || !fits(key)) return false;
        count(key, +1);
        return true;
    }

    /// Takes a slot for a new connection to `key`, waiting FIFO behind earlier
    /// callers when a cap is reached, at most until `wait_until`.
    boost::asio::awaitable<slot_grant> acquire_slot(std::string key,
                                                   std::optional<std::chrono::steady_clock::time_point> wait_until)
    {
        namespace net = boost::asio;
        std::shared_ptr<waiter> w;
        {
            std::lock_guard lock(mutex_);
            if (waiters_.empty() && fits(key)) {
                count(key, +1);
                co_return slot_grant{};
            }
            w = std::make_shared<waiter>(co_await net::this_coro::executor, key);
            waiters_.push_back(w);
        }
        // Make room: idle connections of other keys hold slots a waiter could use.
        close_one_idle_for(key);
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
        std::erase(waiters_, w);
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
        c->idle_since = std::chrono::steady_clock::now();
        ++c->requests_served;
        std::unique_lock lock(mutex_);
        // The earliest call waiting for this key gets the open connection (and its slot).
        for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
            if ((*it)->key != c->pool_key) continue;
            auto w = *it;
            waiters_.erase(it);
            w->handed = std::move(c);
            w->granted = true;
            w->channel.try_send(boost::system::error_code{});
            return;
        }
        auto& list = idle_[c->pool_key];
        if (list.size() >= options_.max_idle_per_origin || !waiters_.empty()) {
            // A waiter for another key needs the slot more than this idle connection does.
            lock.unlock();
            discard(std::move(c));
            return;
        }
        list.push_back(std::move(c));
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
        count(key, -1);
        wake_waiters();
    }

    std::size_t idle_count()
    {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (auto& [k, list] : idle_) n += list.size();
        return n;
    }

    std::size_t live_count()
    {
        std::lock_guard lock(mutex_);
        return live_total_;
    }

    /// Closes every idle connection (client shutdown).
    void close_idle()
    {
        std::map<std::string, std::vector<std::unique_ptr<connection>>> idle;
        {
            std::lock_guard lock(mutex_);
            idle.swap(idle_);
        }
        for (auto& [k, list] : idle)
            for (auto& c : list) discard(std::move(c));
    }

private:
    struct waiter {
        waiter(boost::asio::any_io_executor ex, std::string k) : channel(std::move(ex), 1), key(std::move(k)) {}
        // Thread-safe wake-up: a grant sent before the waiter starts receiving is buffered.
        boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> channel;
        std::string key;
        bool granted = false;                 // guarded by the pool's mutex
        std::unique_ptr<connection> handed;   // guarded by the pool's mutex
    };

    bool fits(const std::string& key) const
    {
        if (options_.max_connections_total && live_total_ >= options_.max_connections_total) return false;
        if (options_.max_connections_per_origin) {
            auto it = live_.find(key);
            if (it != live_.end() && it->second >= options_.max_connections_per_origin) return false;
        }
        return true;
    }

    void count(const std::string& key, int delta)
    {
        auto& n = live_[key];
        if (delta > 0) {
            ++n;
            ++live_total_;
        } else if (n > 0) {
            --n;
            --live_total_;
        }
        if (n == 0) live_.erase(key);
    }

    // Under the lock: grant slots to the earliest waiters that fit now.
    void wake_waiters()
    {
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            if (!fits((*it)->key)) {
                ++it;
                continue;
            }
            count((*it)->key, +1);
            (*it)->granted = true;
            (*it)->channel.try_send(boost::system::error_code{});
            it = waiters_.erase(it);
        }
    }

    void close_one_idle_for(const std::string& key)
    {
        std::unique_ptr<connection> victim;
        {
            std::lock_guard lock(mutex_);
            for (auto it = idle_.begin(); it != idle_.end(); ++it) {
                if (it->first == key && options_.max_connections_per_origin) continue;
                if (it->second.empty()) continue;
                victim = std::move(it->second.front());
                it->second.erase(it->second.begin());
                if (it->second.empty()) idle_.erase(it);
                break;
            }
        }
        discard(std::move(victim));
    }

    static constexpr std::size_t keep_empty_idle_lists = 64;

    pool_options options_;
    std::mutex mutex_;
    std::map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
    std::map<std::string, std::size_t> live_;
    std::size_t live_total_ = 0;
    std::deque<std::shared_ptr<waiter>> waiters_;
};

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_POOL_BOOK_HPP
#define COREST_DETAIL_POOL_BOOK_HPP

// The pool's bookkeeping, without I/O, locks or clocks of its own: which connections are
// idle per key (origin, TLS settings, proxy), how many are live per key and in all (the
// caps count live connections: in use and idle), and the calls waiting FIFO for a slot.
// The shell (pool.hpp) locks it, closes what it hands out for closing and wakes waiters;
// tests drive it with a test clock and plain handles.
//
// A slot is a live connection or one being made. take_idle() hands out a connection
// that keeps its slot; try_acquire() takes a slot to connect with; release() frees the
// slot of a connection that is closed or was never made.

#include <corest/pool.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corest::detail {

/// `Handle` is what the book keeps for an idle connection (a std::unique_ptr<connection>
/// in the client); it is only moved.
template <class Handle, class Clock = std::chrono::steady_clock>
class pool_book {
public:
    using time_point = typename Clock::time_point;
    using waiter_id = std::uint64_t;

    /// A waiter given a slot: with `handed`, an open connection to reuse (its slot comes with it).
    struct grant {
        waiter_id id = 0;
        std::optional<Handle> handed;
    };

    explicit pool_book(pool_options options = {}) : options_(options) {}

    const pool_options& options() const noexcept { return options_; }

    /// The most recently returned idle connection for `key` that has not expired and that
    /// `usable(handle)` accepts, if any. Expired or unusable ones go to `closing` (their
    /// slots are freed here; the caller closes them and wakes the grants of `woken`).
    template <class Usable>
    std::optional<Handle> take_idle(const std::string& key, time_point now, Usable&& usable,
                                    std::vector<Handle>& closing, std::vector<grant>& woken)
    {
        auto it = idle_.find(key);
        if (it == idle_.end()) return std::nullopt;
        auto& list = it->second;
        std::optional<Handle> found;
        while (!list.empty()) {
            idle_entry e = std::move(list.back());
            list.pop_back();
            if (now - e.since < options_.idle_timeout && usable(e.handle)) {
                found.emplace(std::move(e.handle));
                break;
            }
            closing.push_back(std::move(e.handle));
            count(key, -1);
        }
        // An emptied list stays for the connection's return (no map node and vector to
        // allocate again per call), unless the pool has many keys to forget.
        if (list.empty() && idle_.size() > keep_empty_idle_lists) idle_.erase(it);
        if (!closing.empty()) wake(woken);
        return found;
    }

    /// A slot for a new connection to `key`, when one is free and nobody waits.
    bool try_acquire(const std::string& key)
    {
        if (!waiters_.empty() || !fits(key)) return false;
        count(key, +1);
        return true;
    }

    /// Queues a call that waits for a slot to `key`; its grant comes in a later `woken`
    /// (of give_back, release or take_idle). To make room, an idle connection of another
    /// key may go to `to_close` (its slot freed here): then `woken` may grant this very
    /// waiter at once.
    waiter_id wait(const std::string& key, std::optional<Handle>& to_close, std::vector<grant>& woken)
    {
        const waiter_id id = ++last_id_;
        waiters_.push_back({id, key});
        to_close = close_one_idle_for(key);
        if (to_close) wake(woken);
        return id;
    }

    /// A waiter gave up (its deadline passed, it was cancelled). False when it was granted
    /// meanwhile: the grant is then the caller's to use or give up.
    bool forget(waiter_id id)
    {
        auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const waiter& w) { return w.id == id; });
        if (it == waiters_.end()) return false;
        waiters_.erase(it);
        return true;
    }

    /// What became of a connection given back after a complete response.
    enum class returned { handed, kept, close };

    /// A connection to `key` whose response was read to its end: the earliest call
    /// waiting for `key` gets it (and its slot) in `woken`; else it is kept idle; or, when
    /// the idle list is full or calls wait for other keys, it is to be closed (its slot is
    /// freed then, and those waiters may be granted).
    returned give_back(const std::string& key, Handle handle, time_point now, std::vector<grant>& woken,
                       std::optional<Handle>& to_close)
    {
        for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
            if (it->key != key) continue;
            woken.push_back({it->id, std::optional<Handle>(std::move(handle))});
            waiters_.erase(it);
            return returned::handed;
        }
        auto& list = idle_[key];
        if (list.size() >= options_.max_idle_per_origin || !waiters_.empty()) {
            // A waiter for another key needs the slot more than this idle connection does.
            to_close.emplace(std::move(handle));
            release(key, woken);
            return returned::close;
        }
        list.push_back({std::move(handle), now});
        return returned::kept;
    }

    /// Frees the slot of a connection to `key` that was closed or never made; grants
    /// the earliest waiters that fit now into `woken`.
    void release(const std::string& key, std::vector<grant>& woken)
    {
        count(key, -1);
        wake(woken);
    }

    /// Every idle connection, for closing (the client goes away); their slots are freed
    /// and go to waiters in `woken`.
    std::vector<Handle> take_all_idle(std::vector<grant>& woken)
    {
        std::vector<Handle> out;
        for (auto& [key, list] : idle_)
            for (auto& e : list) {
                out.push_back(std::move(e.handle));
                count(key, -1);
            }
        idle_.clear();
        if (!out.empty()) wake(woken);
        return out;
    }

    std::size_t idle_count() const
    {
        std::size_t n = 0;
        for (const auto& [k, list] : idle_) n += list.size();
        return n;
    }
    std::size_t live_count() const noexcept { return live_total_; }
    std::size_t live_count(const std::string& key) const
    {
        auto it = live_.find(key);
        return it == live_.end() ? 0 : it->second;
    }
    std::size_t waiting() const noexcept { return waiters_.size(); }

private:
    struct idle_entry {
        Handle handle;
        time_point since;
    };
    struct waiter {
        waiter_id id;
        std::string key;
    };

    bool fits(const std::string& key) const
    {
        if (options_.max_connections_total && live_total_ >= options_.max_connections_total) return false;
        if (options_.max_connections_per_origin && live_count(key) >= options_.max_connections_per_origin)
            return false;
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

    // Grants slots to the earliest waiters that fit now.
    void wake(std::vector<grant>& woken)
    {
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            if (!fits(it->key)) {
                ++it;
                continue;
            }
            count(it->key, +1);
            woken.push_back({it->id, std::nullopt});
            it = waiters_.erase(it);
        }
    }

    // An idle connection of another key (or of any key, without a per-origin cap) whose
    // slot a waiter for `key` could use.
    std::optional<Handle> close_one_idle_for(const std::string& key)
    {
        for (auto it = idle_.begin(); it != idle_.end(); ++it) {
            if (it->first == key && options_.max_connections_per_origin) continue;
            if (it->second.empty()) continue;
            std::optional<Handle> victim(std::move(it->second.front().handle));
            it->second.erase(it->second.begin());
            const std::string victim_key = it->first;
            if (it->second.empty()) idle_.erase(it);
            count(victim_key, -1);
            return victim;
        }
        return std::nullopt;
    }

    static constexpr std::size_t keep_empty_idle_lists = 64;

    pool_options options_;
    std::map<std::string, std::vector<idle_entry>> idle_;
    std::map<std::string, std::size_t> live_;
    std::size_t live_total_ = 0;
    std::deque<waiter> waiters_;
    waiter_id last_id_ = 0;
};

} // namespace corest::detail

#endif

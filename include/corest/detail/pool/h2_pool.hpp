#ifndef COREST_DETAIL_POOL_H2_POOL_HPP
#define COREST_DETAIL_POOL_H2_POOL_HPP

// The HTTP/2 connections of a client, by pool key (origin, TLS settings, proxy): shared by
// every call to that key while the server lets them carry streams. Beside them, what each
// key is known to speak, and the one connection being opened to it: calls that start
// together towards an origin that speaks HTTP/2 (or whose protocol is not yet known) wait
// for that connection instead of opening one each. Thread-safe.
//
// An HTTP/2 connection holds a slot of the HTTP/1.1 pool's book (pool.hpp) for as long as
// it lives, so the pool's caps count connections whichever protocol they speak.

#include <corest/detail/await.hpp>
#include <corest/detail/http2/connection.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace corest::detail {

class h2_pool {
public:
    /// What a pool key is known to speak, from the last connection opened to it.
    enum class protocol : unsigned char { unknown, http1, http2 };

    /// A connection to `key` that takes a new stream now, or null. Connections that died,
    /// or have been idle longer than `idle_timeout`, are dropped (and closed) on the way.
    std::shared_ptr<h2_connection> find(const std::string& key, std::chrono::steady_clock::duration idle_timeout)
    {
        // Most clients have no HTTP/2 connection at all (every https call asks): no lock then.
        if (count_.load(std::memory_order_acquire) == 0) return nullptr;
        std::vector<std::shared_ptr<h2_connection>> closing;
        std::shared_ptr<h2_connection> found;
        {
            std::lock_guard lock(mutex_);
            auto it = connections_.find(key);
            if (it == connections_.end()) return nullptr;
            const auto stale_before = std::chrono::steady_clock::now() - idle_timeout;
            auto& list = it->second;
            for (auto c = list.begin(); c != list.end();) {
                // A server that ends its connections with GOAWAY after N requests (nginx's
                // keepalive_requests): the connections to it start at most N streams, so
                // a stream is not sent where it would be refused.
                if (auto processed = (*c)->goaway_processed(); processed && *processed > 0) {
                    auto& budget = stream_budgets_[key];
                    if (budget == 0 || *processed < budget) budget = *processed;
                }
                const bool drop = (*c)->is_dead() || (*c)->idle_since(stale_before) ||
                                  (!(*c)->accepts_streams() && (*c)->idle_since(std::chrono::steady_clock::now()));
                if (drop) {
                    closing.push_back(std::move(*c));
                    c = list.erase(c);
                    count_.fetch_sub(1, std::memory_order_release);
                } else {
                    if (!found && (*c)->accepts_streams()) found = *c;
                    ++c;
                }
            }
            if (list.empty()) connections_.erase(it);
        }
        for (auto& c : closing) c->close();
        return found;
    }

    void add(std::shared_ptr<h2_connection> c)
    {
        std::lock_guard lock(mutex_);
        if (auto it = stream_budgets_.find(c->pool_key()); it != stream_budgets_.end()) c->limit_streams(it->second);
        protocols_[c->pool_key()] = protocol::http2;
        connections_[c->pool_key()].push_back(std::move(c));
        count_.fetch_add(1, std::memory_order_release);
    }

    /// The server of `key` picked HTTP/1.1 (or no protocol) by ALPN.
    void learned_http1(const std::string& key)
    {
        std::lock_guard lock(mutex_);
        protocols_[key] = protocol::http1;
    }

    protocol known(const std::string& key)
    {
        std::lock_guard lock(mutex_);
        auto it = protocols_.find(key);
        return it == protocols_.end() ? protocol::unknown : it->second;
    }

    /// The caller is about to open a connection to `key`: true when it is the one to open
    /// it (and calls finished_opening() after); false when another call is opening one,
    /// and the caller should wait_for_opening() and look again.
    bool start_opening(const std::string& key)
    {
        std::lock_guard lock(mutex_);
        return openings_.try_emplace(key).second;
    }

    /// The opener is done (whatever came of it): the calls waiting for it look again.
    void finished_opening(const std::string& key)
    {
        std::vector<std::shared_ptr<h2_bell>> woken;
        {
            std::lock_guard lock(mutex_);
            auto it = openings_.find(key);
            if (it == openings_.end()) return;
            woken.swap(it->second.waiters);
            openings_.erase(it);
        }
        for (auto& w : woken) w->try_send(boost::system::error_code{});
    }

    /// Waits until the connection being opened to `key` is made or has failed, at most
    /// until `until`. False when the wait was cancelled or ran out.
    boost::asio::awaitable<bool> wait_for_opening(std::string key, std::optional<std::chrono::steady_clock::time_point> until)
    {
        namespace net = boost::asio;
        auto bell = std::make_shared<h2_bell>(co_await net::this_coro::executor, 1);
        {
            std::lock_guard lock(mutex_);
            auto it = openings_.find(key);
            if (it == openings_.end()) co_return true;   // done already: look again
            it->second.waiters.push_back(bell);
        }
        if (!until) {
            auto [ec] = co_await bell->async_receive(as_result);
            co_return !ec;
        }
        net::steady_timer timer(co_await net::this_coro::executor, *until);
        auto [order, bell_ec, timer_ec] =
            co_await net::experimental::make_parallel_group(bell->async_receive(net::deferred),
                                                            timer.async_wait(net::deferred))
                .async_wait(net::experimental::wait_for_one(), net::deferred);
        (void)timer_ec;
        co_return order[0] == 0 && !bell_ec;
    }

    /// Closes every connection (the client is going away).
    void close_all()
    {
        std::map<std::string, std::vector<std::shared_ptr<h2_connection>>> all;
        {
            std::lock_guard lock(mutex_);
            all.swap(connections_);
            count_.store(0, std::memory_order_release);
        }
        for (auto& [key, list] : all)
            for (auto& c : list) c->close();
    }

    std::size_t connection_count()
    {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& [key, list] : connections_) n += list.size();
        return n;
    }

private:
    struct opening {
        std::vector<std::shared_ptr<h2_bell>> waiters;   // the calls that wait for the connection
    };

    std::mutex mutex_;
    std::atomic<std::size_t> count_{0};   // connections in connections_
    std::map<std::string, std::vector<std::shared_ptr<h2_connection>>> connections_;
    std::map<std::string, protocol> protocols_;
    std::map<std::string, std::uint32_t> stream_budgets_;   // streams a server processes per connection
    std::map<std::string, opening> openings_;
};

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_TOKEN_CACHE_HPP
#define COREST_DETAIL_TOKEN_CACHE_HPP

// The OAuth2 token cache shared by every call of a client, keyed by
// (token_url, client_id, scopes, audience). A token is reused until shortly
// before expires_in runs out (without expires_in: until the target answers 401).
// Single flight: while one call fetches a token, every other call needing the
// same key waits for that fetch instead of starting its own. Thread-safe.
//
// token_store is the decision part (no I/O, injectable clock); token_cache adds
// the waiting.

#include <corest/detail/await.hpp>
#include <corest/secret.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace corest::detail {

struct fetched_token {
    std::optional<corest::secret> token;   // set on success
    std::optional<double> expires_in;      // seconds, when the endpoint said
    std::string failure;                   // why not, on failure (no secrets)
    bool cancelled = false;                // the fetching call was cancelled: others try again
};

/// How long before expiry a token stops being handed out: a tenth of its life, at most 30 s.
template <class Duration>
Duration refresh_margin(Duration lifetime)
{
    auto tenth = lifetime / 10;
    auto cap = std::chrono::duration_cast<Duration>(std::chrono::seconds(30));
    return tenth < cap ? tenth : cap;
}

template <class Clock = std::chrono::steady_clock>
class token_store {
public:
    using time_point = typename Clock::time_point;

    enum class action { use, fetch, wait };
    struct lookup_result {
        action what;
        std::optional<corest::secret> token;
    };

    /// What a call needing a token for `key` does now. `fetch` makes it the fetcher.
    lookup_result lookup(const std::string& key, time_point now)
    {
        auto& e = entries_[key];
        if (e.token && (!e.usable_until || now < *e.usable_until)) return {action::use, e.token};
        if (e.fetching) return {action::wait, std::nullopt};
        e.fetching = true;
        e.token.reset();
        return {action::fetch, std::nullopt};
    }

    /// The fetcher reports; waiters are woken by the caller.
    void complete(const std::string& key, const fetched_token& t, time_point now)
    {
        auto& e = entries_[key];
        e.fetching = false;
        e.token = t.token;
        e.usable_until.reset();
        if (t.token && t.expires_in && *t.expires_in > 0) {
            auto life = std::chrono::duration_cast<typename Clock::duration>(std::chrono::duration<double>(*t.expires_in));
            e.usable_until = now + life - refresh_margin(life);
        }
    }

    /// Drops `token` for `key` (the target answered 401), unless a newer one replaced it.
    void invalidate(const std::string& key, const corest::secret& token)
    {
        auto it = entries_.find(key);
        if (it != entries_.end() && it->second.token && *it->second.token == token) it->second.token.reset();
    }

private:
    struct entry {
        std::optional<corest::secret> token;
        std::optional<time_point> usable_until;
        bool fetching = false;
    };
    std::map<std::string, entry> entries_;
};

template <class Clock = std::chrono::steady_clock>
class token_cache {
public:
    using fetch_function = std::function<boost::asio::awaitable<fetched_token>()>;

    /// A token for `key`: cached, fetched by this call, or awaited from the call fetching it.
    /// A waiter gives up at `wait_until` (its call's deadline).
    boost::asio::awaitable<fetched_token> get(std::string key, fetch_function fetch,
                                              std::optional<std::chrono::steady_clock::time_point> wait_until)
    {
        namespace net = boost::asio;
        for (;;) {
            std::shared_ptr<waiter> w;
            {
                std::lock_guard lock(mutex_);
                auto found = store_.lookup(key, Clock::now());
                if (found.what == token_store<Clock>::action::use) co_return fetched_token{found.token, {}, {}, false};
                if (found.what == token_store<Clock>::action::wait) {
                    w = std::make_shared<waiter>(co_await net::this_coro::executor);
                    waiters_[key].push_back(w);
                }
            }
            if (!w) {
                fetched_token t = co_await fetch();
                std::vector<std::shared_ptr<waiter>> woken;
                {
                    std::lock_guard lock(mutex_);
                    store_.complete(key, t, Clock::now());
                    woken.swap(waiters_[key]);
                    waiters_.erase(key);
                    for (auto& x : woken) {
                        x->result = t;
                        x->done = true;
                    }
                }
                for (auto& x : woken) x->channel.try_send(boost::system::error_code{});
                co_return t;
            }
            net::steady_timer timer(w->channel.get_executor());
            if (wait_until) {
                timer.expires_at(*wait_until);
                timer.async_wait([w](boost::system::error_code ec) {
                    if (!ec) w->channel.cancel();
                });
            }
            auto [ec] = co_await w->channel.async_receive(as_result);
            (void)ec;
            timer.cancel();
            std::unique_lock lock(mutex_);
            if (!w->done) {
                // This call's deadline passed or it was cancelled while waiting.
                std::erase(waiters_[key], w);
                const bool timed_out = wait_until && std::chrono::steady_clock::now() >= *wait_until;
                co_return fetched_token{std::nullopt, {},
                                        timed_out ? "timed out waiting for the token another call is fetching"
                                                  : "the call was cancelled while waiting for a token",
                                        !timed_out};
            }
            if (!w->result.cancelled) co_return w->result;
            // The fetching call was cancelled: try again (one of the waiters becomes the fetcher).
        }
    }

    void invalidate(const std::string& key, const corest::secret& token)
    {
        std::lock_guard lock(mutex_);
        store_.invalidate(key, token);
    }

private:
    struct waiter {
        explicit waiter(boost::asio::any_io_executor ex) : channel(std::move(ex), 1) {}
        boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> channel;
        fetched_token result;   // guarded by the cache's mutex
        bool done = false;
    };

    std::mutex mutex_;
    token_store<Clock> store_;
    std::map<std::string, std::vector<std::shared_ptr<waiter>>> waiters_;
};

} // namespace corest::detail

#endif

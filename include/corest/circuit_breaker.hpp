#ifndef COREST_CIRCUIT_BREAKER_HPP
#define COREST_CIRCUIT_BREAKER_HPP

// The per-origin circuit breaker (the `circuit_breaker` input),
// as a state machine without I/O. Time is passed in (`Clock::time_point now`),
// so tests move a fake clock instead of sleeping.
//
//   closed --(failure_threshold consecutive failed calls)--> open
//   open --(open_seconds passed; the next allow() is the trial)--> half_open
//   half_open --(trial succeeds)--> closed      --(trial fails)--> open
//
// It counts calls, not attempts: the caller records one outcome per call.

#include <corest/error.hpp>
#include <corest/request.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace corest {

/// Whether a call's final outcome counts as a breaker failure: CONNECT_FAILED,
/// DNS_FAILED, TLS_ERROR, TIMEOUT, CONNECTION_CLOSED,
/// or a 5xx final status. Any other outcome resets the failure count.
/// A call that failed fast with CIRCUIT_OPEN never reached the origin: the caller
/// does not record it. A CANCELLED call is "any other outcome" and resets the count.
constexpr bool counts_as_breaker_failure(error e, std::optional<unsigned> status) noexcept
{
    switch (e) {
    case error::connect_failed:
    case error::dns_failed:
    case error::tls_error:
    case error::timeout:
    case error::connection_closed: return true;
    default: break;
    }
    return status && *status >= 500 && *status <= 599;
}

/// One origin's breaker. Not thread-safe on its own: circuit_breaker_registry
/// guards it with a mutex.
template <class Clock = std::chrono::steady_clock>
class circuit_breaker {
public:
    /// A point in time of the breaker's clock.
    using time_point = typename Clock::time_point;
    /// Where the breaker stands.
    enum class state {
        closed,    ///< calls go out; failures are counted
        open,      ///< calls fail at once with CIRCUIT_OPEN
        half_open  ///< open_seconds passed: one trial call decides
    };

    /// Uses `failure_threshold` (0 is taken as 1) and `open_seconds`; `enabled` is the caller's business.
    explicit circuit_breaker(circuit_breaker_options opts) : opts_(opts)
    {
        opts_.failure_threshold = std::max(1u, opts_.failure_threshold);
    }

    /// Whether a call may go out now; false means fail fast with CIRCUIT_OPEN.
    /// Once `open_seconds` have passed since the breaker opened, exactly one
    /// call (the trial) is let through until it reports with record(). A trial
    /// that never reports (cancelled, lost) expires after another `open_seconds`,
    /// and the next call becomes a new trial, so the breaker cannot stay stuck.
    bool allow(time_point now)
    {
        switch (state_) {
        case state::closed: return true;
        case state::open:
            if (!elapsed(since_, now)) return false;
            state_ = state::half_open;
            since_ = now;  // the trial's start
            return true;
        case state::half_open:
            if (!elapsed(since_, now)) return false;  // the trial is still out
            since_ = now;                             // it expired: a new trial
            return true;
        }
        return false;
    }

    /// Reports the outcome of a call that allow() let through
    /// (`failure` = counts_as_breaker_failure(...)).
    /// While half-open, the first report decides (the breaker does not tell
    /// the trial apart from calls that left before it opened). Reports that
    /// arrive while open, from calls that left before it opened, change nothing.
    void record(bool failure, time_point now)
    {
        switch (state_) {
        case state::closed:
            if (!failure) {
                failures_ = 0;
            } else if (++failures_ >= opts_.failure_threshold) {
                state_ = state::open;
                since_ = now;
            }
            break;
        case state::open: break;
        case state::half_open:
            failures_ = 0;
            since_ = now;
            state_ = failure ? state::open : state::closed;
            break;
        }
    }

    /// The state as seen at `now`: an open breaker whose `open_seconds` have
    /// passed reads as half_open (the next allow() is the trial).
    state current(time_point now) const
    {
        if (state_ == state::open && elapsed(since_, now)) return state::half_open;
        return state_;
    }

    /// Consecutive failures counted while closed.
    unsigned consecutive_failures() const noexcept { return failures_; }
    /// The options it was made with (failure_threshold at least 1).
    const circuit_breaker_options& options() const noexcept { return opts_; }

private:
    // Compared in double seconds, so a huge open_seconds cannot overflow the clock's ticks.
    bool elapsed(time_point since, time_point now) const
    {
        return std::chrono::duration<double>(now - since).count() >= opts_.open_seconds;
    }

    circuit_breaker_options opts_;
    state state_ = state::closed;
    unsigned failures_ = 0;
    time_point since_{};  // when it opened (open), when the trial started (half_open)
};

/// Every origin's breaker of one client (shared by all its calls and a whole
/// batch). Thread-safe: one mutex around the map and its breakers.
/// `origin_key` is any stable string per origin, e.g. "https://api.example.com:443".
template <class Clock = std::chrono::steady_clock>
class circuit_breaker_registry {
public:
    using breaker_type = circuit_breaker<Clock>;       ///< One origin's breaker.
    using time_point = typename Clock::time_point;     ///< A point in time of the clock.
    using state = typename breaker_type::state;        ///< Where a breaker stands.

    /// Whether a call to the origin may go out now. The origin's breaker is
    /// created on first use with `opts`; later calls' options are ignored
    /// (the first call that enables it on the client sets it up).
    bool allow(std::string_view origin_key, const circuit_breaker_options& opts, time_point now)
    {
        std::lock_guard lock(mutex_);
        auto it = breakers_.find(origin_key);
        if (it == breakers_.end())
            it = breakers_.emplace(std::string(origin_key), breaker_type(opts)).first;
        return it->second.allow(now);
    }

    /// Reports a call's outcome; an origin without a breaker is ignored.
    void record(std::string_view origin_key, bool failure, time_point now)
    {
        std::lock_guard lock(mutex_);
        auto it = breakers_.find(origin_key);
        if (it != breakers_.end()) it->second.record(failure, now);
    }

    /// The origin's state at `now`, or nullopt when it has no breaker.
    std::optional<state> current(std::string_view origin_key, time_point now) const
    {
        std::lock_guard lock(mutex_);
        auto it = breakers_.find(origin_key);
        if (it == breakers_.end()) return std::nullopt;
        return it->second.current(now);
    }

    /// The options the origin's breaker was created with, or nullopt.
    std::optional<circuit_breaker_options> options(std::string_view origin_key) const
    {
        std::lock_guard lock(mutex_);
        auto it = breakers_.find(origin_key);
        if (it == breakers_.end()) return std::nullopt;
        return it->second.options();
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, breaker_type, std::less<>> breakers_;
};

} // namespace corest

#endif

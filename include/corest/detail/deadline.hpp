#ifndef COREST_DETAIL_DEADLINE_HPP
#define COREST_DETAIL_DEADLINE_HPP

// The whole-call deadline (total_timeout) and how it bounds each I/O step:
// every wait is min(its own timeout, what is left of the call), and when the
// call's remainder is the tighter bound, an expiry is reported as the "total" phase.

#include <corest/request.hpp>

#include <chrono>
#include <optional>

namespace corest::detail {

using clock = std::chrono::steady_clock;

struct wait_limit {
    std::optional<clock::duration> duration;   // nullopt = unbounded
    bool total_binds = false;                  // the call's deadline is the tighter bound
    double limit_seconds = 0;                  // the value of the limit that binds (for messages)
};

class call_deadline {
public:
    call_deadline() = default;
    explicit call_deadline(corest::seconds total, clock::time_point start = clock::now())
    {
        if (total.count() > 0) {
            at_ = start + std::chrono::duration_cast<clock::duration>(total);
            total_ = total.count();
        }
    }

    /// total_timeout in seconds (0: none), for messages.
    double total_seconds() const noexcept { return total_; }

    bool bounded() const noexcept { return at_.has_value(); }
    std::optional<clock::time_point> at() const noexcept { return at_; }

    // The overloads without `now` read the clock only when there is a deadline: an
    // unbounded call (the default) pays nothing for asking.
    bool expired(clock::time_point now) const noexcept { return at_ && now >= *at_; }
    bool expired() const noexcept { return at_ && expired(clock::now()); }

    clock::duration remaining() const noexcept { return at_ ? remaining(clock::now()) : clock::duration::max(); }
    clock::duration remaining(clock::time_point now) const noexcept
    {
        if (!at_) return clock::duration::max();
        return *at_ > now ? *at_ - now : clock::duration::zero();
    }

    /// The bound for one step whose own timeout is `step` (zero = none).
    wait_limit limit(corest::seconds step) const noexcept
    {
        return limit(step, at_ ? clock::now() : clock::time_point{});
    }

    wait_limit limit(corest::seconds step, clock::time_point now) const noexcept
    {
        std::optional<clock::duration> own;
        if (step.count() > 0) own = std::chrono::duration_cast<clock::duration>(step);
        if (!at_) return {own, false, step.count()};
        auto left = remaining(now);
        if (!own || left < *own) return {left, true, total_};
        return {own, false, step.count()};
    }

private:
    std::optional<clock::time_point> at_;
    double total_ = 0;
};

} // namespace corest::detail

#endif

#ifndef COREST_TESTS_SUPPORT_TEST_CLOCK_HPP
#define COREST_TESTS_SUPPORT_TEST_CLOCK_HPP

// A clock for the sans-io state machines (breaker, token store): its now() is never
// used; the tests pass the time points themselves and move them by hand.

#include <chrono>

namespace corest::test {

struct test_clock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<test_clock>;
    static constexpr bool is_steady = true;
    static time_point now() noexcept { return time_point{}; }
};

} // namespace corest::test

#endif

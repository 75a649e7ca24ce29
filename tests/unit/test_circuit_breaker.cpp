#include <boost/test/unit_test.hpp>

#include "support/test_clock.hpp"

#include <corest/circuit_breaker.hpp>

#include <chrono>
#include <optional>
#include <string_view>
#include <ostream>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using corest::error;

using corest::test::test_clock;

using breaker = corest::circuit_breaker<test_clock>;
using state = breaker::state;
const test_clock::time_point t0 = test_clock::time_point{} + 1000h;

corest::circuit_breaker_options opts(unsigned threshold, double open_seconds)
{
    corest::circuit_breaker_options o;
    o.enabled = true;
    o.failure_threshold = threshold;
    o.open_seconds = open_seconds;
    return o;
}

std::string_view name(state s)
{
    switch (s) {
    case state::closed: return "closed";
    case state::open: return "open";
    case state::half_open: return "half_open";
    }
    return "?";
}

/// Opens `b` at t0 with `threshold` failures.
void trip(breaker& b, unsigned threshold)
{
    for (unsigned i = 0; i < threshold; ++i) {
        BOOST_TEST_REQUIRE(b.allow(t0));
        b.record(true, t0);
    }
    BOOST_TEST_REQUIRE(name(b.current(t0)) == "open");
}

} // namespace

BOOST_AUTO_TEST_SUITE(circuit_breaker)

BOOST_AUTO_TEST_CASE(what_counts_as_a_failure)
{
    for (error e : {error::connect_failed, error::dns_failed, error::tls_error, error::timeout,
                    error::connection_closed}) {
        BOOST_TEST_CONTEXT(e)
        BOOST_TEST(corest::counts_as_breaker_failure(e, std::nullopt));
    }
    for (unsigned s : {500u, 502u, 503u, 504u, 599u})
        BOOST_TEST(corest::counts_as_breaker_failure(error::internal_server_error, s));
    BOOST_TEST(corest::counts_as_breaker_failure(error::ok, 503u));  // 503 expected by the caller: still 5xx
    for (unsigned s : {200u, 302u, 400u, 404u, 429u, 499u, 600u})
        BOOST_TEST(!corest::counts_as_breaker_failure(error::unexpected_status, s));
    for (error e : {error::ok, error::protocol_error, error::auth_failed, error::response_too_large,
                    error::too_many_redirects, error::redirect_refused, error::io_error,
                    error::invalid_input, error::cancelled}) {
        BOOST_TEST_CONTEXT(e)
        BOOST_TEST(!corest::counts_as_breaker_failure(e, std::nullopt));
    }
}

BOOST_AUTO_TEST_CASE(opens_after_threshold_consecutive_failures)
{
    breaker b(opts(3, 30));
    BOOST_TEST(name(b.current(t0)) == "closed");
    b.record(true, t0);
    b.record(true, t0);
    BOOST_TEST(b.consecutive_failures() == 2u);
    b.record(false, t0);  // a success resets the count
    BOOST_TEST(b.consecutive_failures() == 0u);
    b.record(true, t0);
    b.record(true, t0);
    BOOST_TEST(name(b.current(t0)) == "closed");
    BOOST_TEST(b.allow(t0));
    b.record(true, t0);
    BOOST_TEST(name(b.current(t0)) == "open");
    BOOST_TEST(!b.allow(t0));
    BOOST_TEST(!b.allow(t0 + 29999ms));
    BOOST_TEST(name(b.current(t0 + 29999ms)) == "open");
    BOOST_TEST(name(b.current(t0 + 30s)) == "half_open");
}

BOOST_AUTO_TEST_CASE(half_open_lets_exactly_one_trial_through)
{
    breaker b(opts(2, 30));
    trip(b, 2);
    BOOST_TEST(b.allow(t0 + 30s));  // the trial
    BOOST_TEST(name(b.current(t0 + 30s)) == "half_open");
    BOOST_TEST(!b.allow(t0 + 30s));
    BOOST_TEST(!b.allow(t0 + 45s));
    BOOST_TEST(!b.allow(t0 + 59999ms));
}

BOOST_AUTO_TEST_CASE(trial_success_closes_and_resets)
{
    breaker b(opts(2, 30));
    trip(b, 2);
    BOOST_TEST(b.allow(t0 + 31s));
    b.record(false, t0 + 32s);
    BOOST_TEST(name(b.current(t0 + 32s)) == "closed");
    BOOST_TEST(b.consecutive_failures() == 0u);
    BOOST_TEST(b.allow(t0 + 32s));
    BOOST_TEST(b.allow(t0 + 32s));
    b.record(true, t0 + 33s);  // one failure after closing does not reopen (threshold 2)
    BOOST_TEST(name(b.current(t0 + 33s)) == "closed");
    b.record(true, t0 + 34s);
    BOOST_TEST(name(b.current(t0 + 34s)) == "open");
}

BOOST_AUTO_TEST_CASE(trial_failure_reopens_for_open_seconds)
{
    breaker b(opts(2, 30));
    trip(b, 2);
    BOOST_TEST(b.allow(t0 + 30s));
    b.record(true, t0 + 40s);
    BOOST_TEST(name(b.current(t0 + 40s)) == "open");
    BOOST_TEST(!b.allow(t0 + 41s));
    BOOST_TEST(!b.allow(t0 + 69999ms));  // open_seconds count from the trial's failure
    BOOST_TEST(b.allow(t0 + 70s));       // next trial
    BOOST_TEST(!b.allow(t0 + 70s));
}

BOOST_AUTO_TEST_CASE(a_trial_that_never_reports_expires)
{
    breaker b(opts(1, 10));
    trip(b, 1);
    BOOST_TEST(b.allow(t0 + 10s));   // trial 1, then cancelled: never records
    BOOST_TEST(!b.allow(t0 + 15s));
    BOOST_TEST(!b.allow(t0 + 19999ms));
    BOOST_TEST(b.allow(t0 + 20s));   // trial 2
    BOOST_TEST(!b.allow(t0 + 20s));
    b.record(false, t0 + 21s);
    BOOST_TEST(name(b.current(t0 + 21s)) == "closed");
}

BOOST_AUTO_TEST_CASE(reports_while_open_change_nothing)
{
    breaker b(opts(1, 10));
    trip(b, 1);
    b.record(false, t0 + 1s);  // a call that left before the breaker opened
    BOOST_TEST(name(b.current(t0 + 1s)) == "open");
    BOOST_TEST(!b.allow(t0 + 9s));
    b.record(true, t0 + 9s);   // does not extend the open period
    BOOST_TEST(b.allow(t0 + 10s));
}

BOOST_AUTO_TEST_CASE(zero_threshold_is_one_and_fractional_open_seconds)
{
    breaker b(opts(0, 0.5));
    b.record(true, t0);
    BOOST_TEST(name(b.current(t0)) == "open");
    BOOST_TEST(!b.allow(t0 + 499ms));
    BOOST_TEST(b.allow(t0 + 500ms));

    breaker huge(opts(1, 1e300));  // no overflow converting open_seconds
    huge.record(true, t0);
    BOOST_TEST(!huge.allow(t0 + 1000000h));
}

BOOST_AUTO_TEST_CASE(registry_is_per_origin_and_first_options_win)
{
    corest::circuit_breaker_registry<test_clock> reg;
    BOOST_TEST(!reg.current("https://a:443", t0).has_value());
    reg.record("https://a:443", true, t0);  // no breaker yet: ignored
    BOOST_TEST(!reg.current("https://a:443", t0).has_value());

    BOOST_TEST(reg.allow("https://a:443", opts(2, 30), t0));
    BOOST_TEST(reg.allow("https://a:443", opts(100, 1), t0));  // later options ignored
    BOOST_TEST(reg.options("https://a:443")->failure_threshold == 2u);
    BOOST_TEST(reg.options("https://a:443")->open_seconds == 30.0);
    reg.record("https://a:443", true, t0);
    reg.record("https://a:443", true, t0);
    BOOST_TEST(name(*reg.current("https://a:443", t0)) == "open");
    BOOST_TEST(!reg.allow("https://a:443", opts(100, 1), t0 + 2s));  // still open after 2s: 30s won

    // Another origin is independent.
    BOOST_TEST(reg.allow("https://b:443", opts(1, 5), t0));
    BOOST_TEST(name(*reg.current("https://b:443", t0)) == "closed");
    reg.record("https://b:443", true, t0);
    BOOST_TEST(!reg.allow("https://b:443", opts(1, 5), t0 + 1s));
    BOOST_TEST(reg.allow("https://b:443", opts(1, 5), t0 + 5s));
    BOOST_TEST(reg.allow("https://a:443", opts(2, 30), t0 + 30s));
}

BOOST_AUTO_TEST_CASE(registry_is_thread_safe)
{
    corest::circuit_breaker_registry<test_clock> reg;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&reg, t] {
            for (int i = 0; i < 1000; ++i) {
                const char* key = (i % 2) ? "https://x:443" : "https://y:443";
                if (reg.allow(key, opts(1000000, 30), t0)) reg.record(key, t % 2 == 0, t0);
            }
        });
    for (auto& th : threads) th.join();
    BOOST_TEST(name(*reg.current("https://x:443", t0)) == "closed");
    BOOST_TEST(name(*reg.current("https://y:443", t0)) == "closed");
}

BOOST_AUTO_TEST_CASE(default_clock_compiles)
{
    corest::circuit_breaker<> b(opts(1, 30));
    auto now = std::chrono::steady_clock::now();
    BOOST_TEST(b.allow(now));
    b.record(true, now);
    BOOST_TEST(!b.allow(now + 1s));
}

BOOST_AUTO_TEST_SUITE_END()

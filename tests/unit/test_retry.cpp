#include <boost/test/unit_test.hpp>

#include <corest/retry.hpp>

#include <chrono>
#include <cmath>
#include <optional>
#include <string>

namespace {

using namespace std::chrono_literals;
using corest::error;
using corest::method;
using sys_clock = std::chrono::system_clock;

// 1994-11-06 08:49:37 UTC, the RFC 9110 example date.
const sys_clock::time_point rfc_date = sys_clock::time_point(std::chrono::seconds(784111777));

double secs(std::optional<std::chrono::duration<double>> d) { return d ? d->count() : -1.0; }

corest::request request_with(method m)
{
    corest::request r;
    r.method = m;
    return r;
}

corest::retry_decision after_status(const corest::request& r, unsigned status, unsigned done = 0,
                                    std::optional<std::string_view> retry_after = std::nullopt,
                                    double elapsed = 0)
{
    return corest::decide_retry(r, done, status, error::ok, retry_after,
                                std::chrono::duration<double>(elapsed), rfc_date);
}

corest::retry_decision after_error(const corest::request& r, error e, unsigned done = 0, double elapsed = 0)
{
    return corest::decide_retry(r, done, std::nullopt, e, std::nullopt,
                                std::chrono::duration<double>(elapsed), rfc_date);
}

} // namespace

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(backoff_table_with_defaults)
{
    corest::retry_backoff_policy p;  // initial 1, maximum 60, multiplier 2
    const double expected[] = {1, 2, 4, 8, 16, 32, 60, 60, 60};
    for (unsigned k = 0; k < std::size(expected); ++k)
        BOOST_TEST(corest::backoff_delay(p, k).count() == expected[k]);
    BOOST_TEST(corest::backoff_delay(p, 2000).count() == 60.0);
    BOOST_TEST(corest::backoff_delay(p, 4294967295u).count() == 60.0);
}

BOOST_AUTO_TEST_CASE(backoff_other_policies)
{
    corest::retry_backoff_policy p{0.5, 10, 3, 600};
    BOOST_TEST(corest::backoff_delay(p, 0).count() == 0.5);
    BOOST_TEST(corest::backoff_delay(p, 1).count() == 1.5);
    BOOST_TEST(corest::backoff_delay(p, 2).count() == 4.5);
    BOOST_TEST(corest::backoff_delay(p, 3).count() == 10.0);

    corest::retry_backoff_policy constant{2, 60, 1, 600};
    BOOST_TEST(corest::backoff_delay(constant, 0).count() == 2.0);
    BOOST_TEST(corest::backoff_delay(constant, 2000).count() == 2.0);

    corest::retry_backoff_policy zero{0, 60, 2, 600};  // 0 * inf must not be NaN
    BOOST_TEST(corest::backoff_delay(zero, 2000).count() == 0.0);

    corest::retry_backoff_policy shrinking{8, 60, 0.5, 600};
    BOOST_TEST(corest::backoff_delay(shrinking, 2).count() == 2.0);
    BOOST_TEST(corest::backoff_delay(shrinking, 2000).count() == 0.0);

    corest::retry_backoff_policy capped_low{5, 3, 2, 600};  // maximum below initial
    BOOST_TEST(corest::backoff_delay(capped_low, 0).count() == 3.0);
    for (unsigned k : {0u, 10u, 2000u}) {
        double d = corest::backoff_delay(p, k).count();
        BOOST_TEST(std::isfinite(d));
    }
}

BOOST_AUTO_TEST_CASE(retry_after_seconds)
{
    BOOST_TEST(secs(corest::parse_retry_after("120", rfc_date)) == 120.0);
    BOOST_TEST(secs(corest::parse_retry_after("0", rfc_date)) == 0.0);
    BOOST_TEST(secs(corest::parse_retry_after("  7 ", rfc_date)) == 7.0);
    BOOST_TEST(secs(corest::parse_retry_after("99999999999999999999999999", rfc_date)) ==
               18446744073709551615.0);
    for (std::string_view bad : {"", " ", "-1", "1.5", "+3", "12s", "0x10", "soon", "1 2"}) {
        BOOST_TEST_CONTEXT("value '" << bad << "'")
        BOOST_TEST(!corest::parse_retry_after(bad, rfc_date).has_value());
    }
}

BOOST_AUTO_TEST_CASE(retry_after_dates)
{
    // The three HTTP-date forms, 30 seconds after `now`.
    BOOST_TEST(secs(corest::parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", rfc_date)) == 30.0);
    BOOST_TEST(secs(corest::parse_retry_after("Sunday, 06-Nov-94 08:50:07 GMT", rfc_date)) == 30.0);
    BOOST_TEST(secs(corest::parse_retry_after("Sun Nov  6 08:50:07 1994", rfc_date)) == 30.0);
    BOOST_TEST(secs(corest::parse_retry_after("Sun Nov 06 08:50:07 1994", rfc_date)) == 30.0);
    // A day later, across a month end.
    BOOST_TEST(secs(corest::parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", rfc_date)) == 86400.0);
    BOOST_TEST(secs(corest::parse_retry_after("Thu, 01 Dec 1994 00:00:00 GMT", rfc_date)) == 2128223.0);
    // In the past: no wait.
    BOOST_TEST(secs(corest::parse_retry_after("Sun, 06 Nov 1994 08:49:36 GMT", rfc_date)) == 0.0);
    BOOST_TEST(secs(corest::parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", rfc_date)) == 0.0);
    // Far future does not overflow.
    BOOST_TEST(secs(corest::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", rfc_date)) == 252618189022.0);
}

BOOST_AUTO_TEST_CASE(retry_after_rfc850_two_digit_year)
{
    // now = 2025-06-01: "30" is 2030 (5 years ahead), "94" is 1994 (2094 is > 50 years ahead).
    const auto now = sys_clock::time_point(std::chrono::sys_days{std::chrono::year{2025} / 6 / 1});
    auto in_2030 = corest::parse_retry_after("Saturday, 01-Jun-30 00:00:00 GMT", now);
    BOOST_TEST(secs(in_2030) == 157766400.0);
    BOOST_TEST(secs(corest::parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now)) == 0.0);
}

BOOST_AUTO_TEST_CASE(retry_after_garbage_dates)
{
    for (std::string_view bad : {
             "Sun, 06 Nov 1994 08:49:37 UTC",   // not GMT
             "Sun, 6 Nov 1994 08:49:37 GMT",    // one-digit day in IMF-fixdate
             "Sun, 31 Feb 1994 08:49:37 GMT",   // no such day
             "Sun, 06 Foo 1994 08:49:37 GMT",   // no such month
             "Sun, 06 Nov 1994 24:00:00 GMT",   // no such hour
             "Xyz, 06 Nov 1994 08:49:37 GMT",   // no such day name
             "Sun, 06 Nov 1994 08:49 GMT",      // no seconds
             "Sunday, 06-Nov-1994 08:49:37 GMT",
             "Sun Nov  6 08:49:37 94",
             "Sun Nov 6 8:49:37 1994",
             "06 Nov 1994 08:49:37 GMT",
             "tomorrow",
         }) {
        BOOST_TEST_CONTEXT("value '" << bad << "'")
        BOOST_TEST(!corest::parse_retry_after(bad, rfc_date).has_value());
    }
}

BOOST_AUTO_TEST_CASE(retryable_transport_errors)
{
    BOOST_TEST(corest::is_retryable_transport_error(error::connect_failed));
    BOOST_TEST(corest::is_retryable_transport_error(error::connection_closed));
    BOOST_TEST(corest::is_retryable_transport_error(error::timeout));
    for (error e : {error::ok, error::dns_failed, error::tls_error, error::auth_failed, error::protocol_error,
                    error::cancelled, error::circuit_open, error::response_too_large, error::io_error}) {
        BOOST_TEST_CONTEXT(e)
        BOOST_TEST(!corest::is_retryable_transport_error(e));
    }
}

BOOST_AUTO_TEST_CASE(format_seconds_is_short)
{
    BOOST_TEST(corest::format_seconds(1.5) == "1.5s");
    BOOST_TEST(corest::format_seconds(0.25) == "0.25s");
    BOOST_TEST(corest::format_seconds(60) == "60s");
    BOOST_TEST(corest::format_seconds(0) == "0s");
    BOOST_TEST(corest::format_seconds(0.0004) == "0s");
    BOOST_TEST(corest::format_seconds(2.0005) == "2.001s");  // 2.0005 is stored just above .0005
    BOOST_TEST(corest::format_seconds(1e6) == "1000000s");
    BOOST_TEST(corest::format_seconds(-1.5) == "-1.5s");
    BOOST_TEST(corest::format_seconds(1e300).size() == 302u);
    BOOST_TEST(corest::format_seconds(INFINITY) == "infs");
}

BOOST_AUTO_TEST_CASE(status_codes_are_retried_for_every_method)
{
    for (method m : {method::get, method::head, method::post, method::put, method::patch, method::delete_,
                     method::options, method::trace}) {
        BOOST_TEST_CONTEXT(corest::method_name(m))
        {
            auto r = request_with(m);
            for (unsigned s : {502u, 503u, 504u}) {
                auto d = after_status(r, s, 1);
                BOOST_TEST(d.retry);
                BOOST_TEST(d.delay.count() == 2.0);
            }
            for (unsigned s : {200u, 400u, 404u, 429u, 500u}) BOOST_TEST(!after_status(r, s).retry);
        }
    }
    auto d = after_status(request_with(method::post), 503, 2);
    BOOST_TEST(d.reason == "status 503 is in retry_status_code: retry 3 in 4s");
    auto no = after_status(request_with(method::get), 500);
    BOOST_TEST(no.reason == "status 500 is not in retry_status_code");
    BOOST_TEST(no.delay.count() == 0.0);
}

BOOST_AUTO_TEST_CASE(custom_retry_status_codes)
{
    auto r = request_with(method::get);
    r.retry_status_code = {429, 500};
    BOOST_TEST(after_status(r, 429).retry);
    BOOST_TEST(after_status(r, 500).retry);
    BOOST_TEST(!after_status(r, 503).retry);
    r.retry_status_code.clear();
    BOOST_TEST(!after_status(r, 503).retry);
}

BOOST_AUTO_TEST_CASE(retry_after_replaces_backoff_capped_at_maximum)
{
    auto r = request_with(method::get);
    auto d = after_status(r, 503, 0, "7");
    BOOST_TEST(d.retry);
    BOOST_TEST(d.delay.count() == 7.0);
    BOOST_TEST(d.reason == "status 503 is in retry_status_code: retry 1 in 7s (Retry-After)");
    BOOST_TEST(after_status(r, 503, 0, "3600").delay.count() == 60.0);
    BOOST_TEST(after_status(r, 503, 0, "0").delay.count() == 0.0);
    BOOST_TEST(after_status(r, 503, 0, "Sun, 06 Nov 1994 08:50:07 GMT").delay.count() == 30.0);
    BOOST_TEST(after_status(r, 503, 0, "Sun, 06 Nov 1994 08:00:00 GMT").delay.count() == 0.0);
    // Unparsable: the back-off delay stays.
    auto g = after_status(r, 503, 3, "later");
    BOOST_TEST(g.delay.count() == 8.0);
    BOOST_TEST(g.reason == "status 503 is in retry_status_code: retry 4 in 8s");
}

BOOST_AUTO_TEST_CASE(connection_errors_by_method)
{
    for (error e : {error::connect_failed, error::connection_closed, error::timeout}) {
        for (method m : {method::get, method::head, method::put, method::delete_, method::options, method::trace})
            BOOST_TEST(after_error(request_with(m), e).retry);
        for (method m : {method::post, method::patch}) {
            auto r = request_with(m);
            BOOST_TEST(!after_error(r, e).retry);
            r.retry_non_idempotent = true;
            BOOST_TEST(after_error(r, e).retry);
        }
    }
    auto d = after_error(request_with(method::post), error::timeout);
    BOOST_TEST(d.reason == "TIMEOUT is not retried for POST, which is not idempotent (set retry_non_idempotent to retry it)");
    auto ok = after_error(request_with(method::get), error::connect_failed, 1);
    BOOST_TEST(ok.delay.count() == 2.0);
    BOOST_TEST(ok.reason == "CONNECT_FAILED: retry 2 in 2s");
}

BOOST_AUTO_TEST_CASE(connection_errors_off_and_final_errors)
{
    auto r = request_with(method::get);
    r.retry_on_connection_error = false;
    auto d = after_error(r, error::connect_failed);
    BOOST_TEST(!d.retry);
    BOOST_TEST(d.reason == "CONNECT_FAILED is not retried because retry_on_connection_error is false");
    // Status retries do not depend on retry_on_connection_error.
    BOOST_TEST(after_status(r, 503).retry);

    auto g = request_with(method::get);
    g.retry_non_idempotent = true;
    for (error e : {error::dns_failed, error::tls_error, error::auth_failed, error::protocol_error,
                    error::response_too_large, error::cancelled}) {
        BOOST_TEST_CONTEXT(e)
        BOOST_TEST(!after_error(g, e).retry);
    }
    BOOST_TEST(after_error(g, error::dns_failed).reason == "DNS_FAILED is not retried");
}

BOOST_AUTO_TEST_CASE(deadline)
{
    auto r = request_with(method::get);  // deadline 600
    // retry k=3 waits 8s: starting at 592 + 8 = 600 is still allowed, 592.5 + 8 is not.
    BOOST_TEST(after_error(r, error::timeout, 3, 592).retry);
    auto late = after_error(r, error::timeout, 3, 592.5);
    BOOST_TEST(!late.retry);
    BOOST_TEST(late.delay.count() == 0.0);
    BOOST_TEST(late.reason ==
               "TIMEOUT, but no retry: waiting 8s would start it 600.5s after the first attempt, "
               "past retry_backoff.deadline (600s)");
    BOOST_TEST(!after_status(r, 503, 0, std::nullopt, 601).retry);
    // Retry-After counts towards the deadline too.
    BOOST_TEST(!after_status(r, 503, 0, "30", 580).retry);
    BOOST_TEST(after_status(r, 503, 0, "20", 580).retry);

    r.retry_backoff.deadline = 5;
    BOOST_TEST(after_status(r, 503, 2, std::nullopt, 1).retry);   // 1 + 4 = 5
    BOOST_TEST(!after_status(r, 503, 3, std::nullopt, 0).retry);  // 0 + 8 > 5

    r.retry_backoff.deadline = 0;  // zero means none
    BOOST_TEST(after_status(r, 503, 2000, std::nullopt, 1e9).retry);
}

BOOST_AUTO_TEST_CASE(a_status_in_the_list_wins_over_a_later_transport_error)
{
    auto r = request_with(method::post);
    auto d = corest::decide_retry(r, 0, 503u, error::connection_closed, std::nullopt,
                                  std::chrono::duration<double>(0), rfc_date);
    BOOST_TEST(d.retry);
    // A 200 whose body broke off: transport rules (POST is not retried).
    auto e = corest::decide_retry(r, 0, 200u, error::connection_closed, std::nullopt,
                                  std::chrono::duration<double>(0), rfc_date);
    BOOST_TEST(!e.retry);
}

BOOST_AUTO_TEST_CASE(success_is_not_retried)
{
    auto d = after_status(request_with(method::get), 200);
    BOOST_TEST(!d.retry);
    auto n = corest::decide_retry(request_with(method::get), 0, std::nullopt, error::ok, std::nullopt,
                                  std::chrono::duration<double>(0), rfc_date);
    BOOST_TEST(!n.retry);
    BOOST_TEST(n.reason == "the attempt succeeded");
}

BOOST_AUTO_TEST_SUITE_END()

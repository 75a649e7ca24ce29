#ifndef COREST_RETRY_HPP
#define COREST_RETRY_HPP

// The retrier's decisions (docs/inputs.md, "Status codes and retries"), without I/O:
// the back-off delay, Retry-After parsing, which errors are retried, and
// whether one more attempt starts. The coroutine that sleeps and re-sends
// lives elsewhere; everything here is a pure function of its arguments
// (time is passed in, never read), so it is tested without sockets or sleeps.

#include <corest/detail/ascii.hpp>
#include <corest/error.hpp>
#include <corest/method.hpp>
#include <corest/request.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace corest {

/// The wait before retry k (k = 0 for the first retry):
/// `min(initial * multiplier^k, maximum)`, never negative, never NaN or inf
/// for finite settings whatever k is (a huge k just gives `maximum`).
/// Example: defaults {1, 60, 2} give 1s, 2s, 4s, ... 32s, 60s, 60s.
inline std::chrono::duration<double> backoff_delay(const retry_backoff_policy& p, unsigned k)
{
    double d = p.initial;
    if (!(d > 0)) return std::chrono::duration<double>(0);
    // pow() overflows to +inf for a big k; inf * initial (> 0) is still inf and
    // min(inf, maximum) is maximum, so only NaN needs a guard.
    d *= std::pow(p.multiplier, static_cast<double>(k));
    if (std::isnan(d)) d = 0;
    d = std::min(d, p.maximum);
    if (!(d > 0)) d = 0;
    return std::chrono::duration<double>(d);
}

// Date helpers shared with the cookie jar, in their own namespace so they
// cannot collide with other headers' small helpers.
namespace detail::datetime {

inline std::string_view trim_ows(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// 1..12 for a three-letter English month name (any case), else 0.
inline unsigned month_from_name(std::string_view s) noexcept
{
    constexpr std::string_view names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
    for (unsigned i = 0; i < 12; ++i)
        if (detail::iequals(s, names[i])) return i + 1;
    return 0;
}

inline bool is_day_name(std::string_view s, bool long_form) noexcept
{
    constexpr std::string_view short_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    constexpr std::string_view long_names[] = {"monday", "tuesday", "wednesday", "thursday",
                                               "friday", "saturday", "sunday"};
    for (int i = 0; i < 7; ++i)
        if (detail::iequals(s, long_form ? long_names[i] : short_names[i])) return true;
    return false;
}

/// Exactly n ASCII digits -> their value; nullopt otherwise.
inline std::optional<int> fixed_digits(std::string_view s, std::size_t n) noexcept
{
    if (s.size() != n) return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

/// A checked calendar date and time of day (UTC) as seconds since the epoch.
inline std::optional<std::chrono::sys_seconds> make_utc(int y, unsigned mo, unsigned d, int h,
                                                       int mi, int s) noexcept
{
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{mo}, day{d}};
    if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return std::nullopt;
    // A leap second (60) is read as the next second, as most parsers do.
    return sys_seconds{sys_days{ymd}} + hours{h} + minutes{mi} + std::chrono::seconds{s};
}

/// "HH:MM:SS" -> {h, m, s}.
inline bool parse_hms(std::string_view t, int& h, int& m, int& s) noexcept
{
    if (t.size() != 8 || t[2] != ':' || t[5] != ':') return false;
    auto hh = fixed_digits(t.substr(0, 2), 2), mm = fixed_digits(t.substr(3, 2), 2),
         ss = fixed_digits(t.substr(6, 2), 2);
    if (!hh || !mm || !ss) return false;
    h = *hh, m = *mm, s = *ss;
    return true;
}

/// An HTTP-date (RFC 9110 5.6.7) in any of its three forms:
///   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
///   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: RFC 9110's
///                 rule, a date more than 50 years after `now` is in the past century)
///   asctime      "Sun Nov  6 08:49:37 1994"
/// Names are matched case-insensitively; anything else is nullopt.
inline std::optional<std::chrono::sys_seconds> parse_http_date(
    std::string_view v, std::chrono::system_clock::time_point now)
{
    v = trim_ows(v);
    int h = 0, mi = 0, s = 0;
    auto comma = v.find(',');
    if (comma != std::string_view::npos) {
        auto day_name = v.substr(0, comma);
        auto rest = v.substr(comma + 1);
        if (rest.empty() || rest.front() != ' ') return std::nullopt;
        rest.remove_prefix(1);
        if (is_day_name(day_name, false)) {
            // IMF-fixdate: "06 Nov 1994 08:49:37 GMT"
            if (rest.size() != 24 || rest[2] != ' ' || rest[6] != ' ' || rest[11] != ' ' ||
                rest[20] != ' ' || rest.substr(21) != "GMT")
                return std::nullopt;
            auto d = fixed_digits(rest.substr(0, 2), 2);
            auto mo = month_from_name(rest.substr(3, 3));
            auto y = fixed_digits(rest.substr(7, 4), 4);
            if (!d || !mo || !y || !parse_hms(rest.substr(12, 8), h, mi, s)) return std::nullopt;
            return make_utc(*y, mo, static_cast<unsigned>(*d), h, mi, s);
        }
        if (is_day_name(day_name, true)) {
            // RFC 850: "06-Nov-94 08:49:37 GMT"
            if (rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' ||
                rest[18] != ' ' || rest.substr(19) != "GMT")
                return std::nullopt;
            auto d = fixed_digits(rest.substr(0, 2), 2);
            auto mo = month_from_name(rest.substr(3, 3));
            auto yy = fixed_digits(rest.substr(7, 2), 2);
            if (!d || !mo || !yy || !parse_hms(rest.substr(10, 8), h, mi, s)) return std::nullopt;
            int now_year = static_cast<int>(
                std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)}.year());
            int y = now_year / 100 * 100 + *yy;
            if (y > now_year + 50) y -= 100;
            return make_utc(y, mo, static_cast<unsigned>(*d), h, mi, s);
        }
        return std::nullopt;
    }
    // asctime: "Sun Nov  6 08:49:37 1994" (a one-digit day may also follow one space)
    if (v.size() < 23 || v[3] != ' ' || v[7] != ' ' || !is_day_name(v.substr(0, 3), false))
        return std::nullopt;
    auto mo = month_from_name(v.substr(4, 3));
    auto rest = v.substr(8);
    std::optional<int> d;
    if (rest.size() == 16) {
        d = rest[0] == ' ' ? fixed_digits(rest.substr(1, 1), 1) : fixed_digits(rest.substr(0, 2), 2);
        rest.remove_prefix(2);
    } else if (rest.size() == 15) {
        d = fixed_digits(rest.substr(0, 1), 1);
        rest.remove_prefix(1);
    }
    // rest is now " 08:49:37 1994"
    if (!d || !mo || rest.size() != 14 || rest[0] != ' ' || rest[9] != ' ' ||
        !parse_hms(rest.substr(1, 8), h, mi, s))
        return std::nullopt;
    auto y = fixed_digits(rest.substr(10, 4), 4);
    if (!y) return std::nullopt;
    return make_utc(*y, mo, static_cast<unsigned>(*d), h, mi, s);
}

} // namespace detail::datetime

/// The wait a `Retry-After` header value asks for, relative to `now`:
/// delta-seconds (digits only; a value too big for 64 bits saturates) or an
/// HTTP-date (IMF-fixdate, RFC 850 or asctime; a date in the past gives 0).
/// Surrounding spaces are ignored; anything else is nullopt (the caller then
/// keeps its back-off delay). Not capped here: decide_retry caps at `maximum`.
inline std::optional<std::chrono::duration<double>> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now)
{
    value = detail::datetime::trim_ows(value);
    if (value.empty()) return std::nullopt;
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        std::uint64_t n = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        (void)ptr;
        if (ec == std::errc::result_out_of_range) n = std::numeric_limits<std::uint64_t>::max();
        return std::chrono::duration<double>(static_cast<double>(n));
    }
    auto date = detail::datetime::parse_http_date(value, now);
    if (!date) return std::nullopt;
    // In double seconds: a far-future date cannot overflow a nanosecond clock.
    auto delta = std::chrono::duration<double>(date->time_since_epoch()) -
                 std::chrono::duration<double>(now.time_since_epoch());
    return delta.count() > 0 ? delta : std::chrono::duration<double>(0);
}

/// Transport errors a retry may cure: CONNECT_FAILED,
/// CONNECTION_CLOSED and TIMEOUT. DNS_FAILED, TLS_ERROR, AUTH_FAILED, ... are final.
constexpr bool is_retryable_transport_error(error e) noexcept
{
    return e == error::connect_failed || e == error::connection_closed || e == error::timeout;
}

/// Seconds in a short human form for log lines: "1.5s", "0.25s", "60s"
/// (at most millisecond precision, trailing zeros dropped).
inline std::string format_seconds(double s)
{
    if (std::isnan(s)) return "NaNs";
    if (std::isinf(s)) return s > 0 ? "infs" : "-infs";
    char buf[400];  // fixed notation of the largest double fits in ~320 characters
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s, std::chars_format::fixed, 3);
    if (ec != std::errc()) return "?s";
    std::string out(buf, end);
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
    if (out == "-0") out = "0";
    out += 's';
    return out;
}

/// What the retrier does after one attempt.
struct retry_decision {
    bool retry = false;                      ///< Whether another attempt follows.
    std::chrono::duration<double> delay{0};  ///< The wait before the next attempt (with retry).
    std::string reason;                      ///< One log-ready sentence, no secrets.
};

/// Whether attempt `retries_done + 1` is followed by another one, and after what wait.
///
/// - `status`: the final status of this attempt, when a response arrived. A code
///   in `r.retry_status_code` is retried for every method.
/// - `transport_error`: error::ok, or how the attempt failed. CONNECT_FAILED,
///   CONNECTION_CLOSED and TIMEOUT are retried when `retry_on_connection_error`
///   holds and the method is idempotent (or `retry_non_idempotent` is set).
/// - The wait is `backoff_delay(r.retry_backoff, retries_done)`, or the
///   `retry_after` header value when it parses, capped at `retry_backoff.maximum`.
/// - Deadline: no retry *starts* after `deadline` seconds from the first
///   attempt. The retry starts when its wait ends, so it is refused when
///   `elapsed + delay > deadline` (a retry that would start exactly at the deadline
///   is still made). A deadline of 0 (or less) means none, as every zero duration
///   in corest's configuration does.
/// `total_timeout` is not checked here: the caller's whole-call timer ends a
/// back-off wait that outlives it with TIMEOUT, as the contract asks.
inline retry_decision decide_retry(const request& r, unsigned retries_done,
                                   std::optional<unsigned> status, error transport_error,
                                   std::optional<std::string_view> retry_after,
                                   std::chrono::duration<double> elapsed_since_first_attempt,
                                   std::chrono::system_clock::time_point now)
{
    retry_decision d;
    std::string cause;
    bool status_retry = status && std::find(r.retry_status_code.begin(), r.retry_status_code.end(),
                                            *status) != r.retry_status_code.end();
    if (status_retry) {
        cause = "status " + std::to_string(*status) + " is in retry_status_code";
    } else if (transport_error == error::ok) {
        d.reason = status ? "status " + std::to_string(*status) + " is not in retry_status_code"
                          : "the attempt succeeded";
        return d;
    } else {
        std::string name(error_name(transport_error));
        if (!is_retryable_transport_error(transport_error)) {
            d.reason = name + " is not retried";
            return d;
        }
        if (!r.retry_on_connection_error) {
            d.reason = name + " is not retried because retry_on_connection_error is false";
            return d;
        }
        if (!is_idempotent(r.method) && !r.retry_non_idempotent) {
            d.reason = name + " is not retried for " + std::string(method_name(r.method)) +
                       ", which is not idempotent (set retry_non_idempotent to retry it)";
            return d;
        }
        cause = name;
    }

    d.delay = backoff_delay(r.retry_backoff, retries_done);
    bool from_header = false;
    if (retry_after) {
        if (auto ra = parse_retry_after(*retry_after, now)) {
            d.delay = std::chrono::duration<double>(
                std::max(0.0, std::min(ra->count(), r.retry_backoff.maximum)));
            from_header = true;
        }
    }

    double deadline = r.retry_backoff.deadline;
    double starts_at = elapsed_since_first_attempt.count() + d.delay.count();
    if (deadline > 0 && starts_at > deadline) {
        d.reason = cause + ", but no retry: waiting " + format_seconds(d.delay.count()) +
                   " would start it " + format_seconds(starts_at) +
                   " after the first attempt, past retry_backoff.deadline (" +
                   format_seconds(deadline) + ")";
        d.delay = std::chrono::duration<double>(0);
        return d;
    }
    d.retry = true;
    d.reason = cause + ": retry " + std::to_string(retries_done + 1) + " in " +
               format_seconds(d.delay.count()) + (from_header ? " (Retry-After)" : "");
    return d;
}

} // namespace corest

#endif

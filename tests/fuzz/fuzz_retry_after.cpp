// fuzz_retry_after: Retry-After values and the HTTP-date parser (include/corest/retry.hpp),
// plus the lenient cookie-date parser that shares its calendar helpers.
//
// Input: the header value, raw bytes (no framing).
// Properties:
//   - parse_retry_after gives nothing or a wait that is >= 0 and not NaN;
//   - a date parse_http_date accepts, printed back as an IMF-fixdate, parses to the same instant;
//   - decide_retry's delay is within [0, retry_backoff.maximum];
//   - a cookie-date is not before 1601.

#include "fuzz_common.hpp"

#include <corest/detail/cookie_jar.hpp>
#include <corest/request.hpp>
#include <corest/retry.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono;
using corest_fuzz::check;

std::string imf_fixdate(sys_seconds t)
{
    static constexpr const char* day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto day_point = floor<days>(t);
    year_month_day ymd{day_point};
    hh_mm_ss hms{t - day_point};
    weekday wd{day_point};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", day_names[wd.c_encoding()],
                  static_cast<unsigned>(ymd.day()), month_names[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buf;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view value(reinterpret_cast<const char*>(data), size);

    // Fixed clocks keep the target deterministic: the epoch, a date in this century,
    // and the last instant system_clock can hold (nanoseconds: year 2262).
    const system_clock::time_point nows[] = {
        system_clock::time_point{},
        sys_days{year{2024} / May / 1} + hours{12},
        system_clock::time_point::max(),
    };
    for (auto now : nows) {
        if (auto wait = corest::parse_retry_after(value, now)) {
            check(!std::isnan(wait->count()) && wait->count() >= 0, "parse_retry_after: negative or NaN wait",
                  corest::format_seconds(wait->count()));
            auto shown = corest::format_seconds(wait->count());
            check(!shown.empty() && shown.back() == 's', "format_seconds: no trailing 's'", shown);
        }

        if (auto date = corest::detail::datetime::parse_http_date(value, now)) {
            // Years 0-9999 print as four digits; the printed form must read back the same.
            const int y = static_cast<int>(year_month_day{floor<days>(*date)}.year());
            if (y >= 0 && y <= 9999) {
                auto again_text = imf_fixdate(*date);
                auto again = corest::detail::datetime::parse_http_date(again_text, now);
                check(again.has_value(), "parse_http_date: its own IMF-fixdate does not parse", again_text);
                check(*again == *date, "parse_http_date: IMF-fixdate round trip differs", again_text);
            }
        }

        corest::request r;   // defaults: backoff {1, 60, 2, 600}
        auto d = corest::decide_retry(r, 0, 503u, corest::error::ok, value, duration<double>(0), now);
        check(d.retry, "decide_retry: a 503 at the first attempt is retried");
        check(d.delay.count() >= 0 && d.delay.count() <= r.retry_backoff.maximum,
              "decide_retry: delay outside [0, maximum]", d.reason);
    }

    if (auto t = corest::detail::cookies::parse_cookie_date(value)) {
        check(*t >= sys_days{year{1601} / January / 1}, "parse_cookie_date: a date before 1601");
        (void)corest::detail::cookies::clamp_to_clock(*t);
    }
    return 0;
}

#ifndef COREST_RESULT_HPP
#define COREST_RESULT_HPP

// The outputs of one call; its JSON form is to_json(result) in json.hpp.

#include <corest/error.hpp>
#include <corest/request.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace corest {

struct history_entry {
    unsigned status_code = 0;
    std::string url;          // the URL that answered with the 3xx (secrets masked)
};

/// Seconds spent in each phase of the final attempt.
struct timings {
    double dns = 0;
    double connect = 0;
    double tls = 0;
    double ttfb = 0;
    double total = 0;
};

/// How a body kept in memory is reported: exactly one of json / text / bytes.
enum class body_kind { none, json, text, bytes };

struct result {
    corest::error error = corest::error::ok;
    std::string message;

    std::optional<unsigned> status_code;
    std::string reason;
    header_list headers;                 // lower-cased names, repeats joined with ", "
    header_list cookies;                 // every cookie set during the execution

    std::string body;                    // the decoded body kept in memory
    body_kind kind = body_kind::none;
    boost::json::value json_body;        // with body_kind::json
    std::optional<std::string> encoding; // declared charset, else utf-8 when valid UTF-8

    std::optional<std::string> dst;      // with the dst input, on success
    std::optional<std::uint64_t> size;

    std::string url;
    std::string http_version;            // "1.1" or "2" when a response arrived, else empty
    std::vector<history_entry> history;
    unsigned attempts = 0;
    corest::timings timings;
    std::vector<std::string> log;

    bool ok() const noexcept { return error == corest::error::ok; }
    std::string_view error_name() const noexcept { return corest::error_name(error); }

    /// The first header with this (lower-case) name, or nullptr.
    const std::string* header(std::string_view lower_name) const noexcept { return find_header(headers, lower_name); }
};

/// A result carrying only an error (nothing was sent, or nothing arrived).
inline result make_error_result(corest::error code, std::string message)
{
    result r;
    r.error = code;
    r.message = std::move(message);
    return r;
}

inline std::ostream& operator<<(std::ostream& os, const result& r)
{
    os << "result{" << (r.ok() ? std::string_view("success") : r.error_name());
    if (r.status_code) os << ", " << *r.status_code;
    if (!r.message.empty()) os << ", \"" << r.message << '"';
    return os << '}';
}

} // namespace corest

#endif

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

/// One redirect of a call: the 3xx status and the URL that answered with it.
struct history_entry {
    unsigned status_code = 0;   ///< 301, 302, 303, 307 or 308.
    std::string url;            ///< The URL that answered with the 3xx (secrets masked).
};

/// Seconds spent in each phase of the final attempt.
struct timings {
    double dns = 0;       ///< Name resolution.
    double connect = 0;   ///< TCP connect, a proxy tunnel included.
    double tls = 0;       ///< The TLS handshake.
    double ttfb = 0;      ///< From sending the request to the first response byte.
    double total = 0;     ///< The whole call.
};

/// How a body kept in memory is reported: exactly one of json / text / bytes.
enum class body_kind {
    none,    ///< no body kept (none arrived, it went to `dst`, or the call failed before one)
    json,    ///< a JSON Content-Type with a body that parses: `json_body`
    text,    ///< text in a known charset: `body`
    bytes    ///< anything else: `body` holds the bytes (base64 in the JSON form)
};

/// The outcome of one call: a success, or an error with a precise code. Never thrown.
/// An error result keeps what arrived: when a final response came, its status, headers
/// and body are here as on success. `message`, `url`, `history` and `log` never hold a
/// secret. A value type; its JSON form is to_json(result) in json.hpp.
///
///     corest::result r = co_await client.execute(req);
///     if (r.ok()) use(r.json_body);
///     else log(r.error_name(), r.message);
struct result {
    corest::error error = corest::error::ok;   ///< error::ok, or what went wrong (docs/errors.md).
    std::string message;                       ///< A sentence saying what went wrong; empty on success.

    std::optional<unsigned> status_code;   ///< The final response's status, when one arrived.
    std::string reason;                    ///< Its reason phrase ("OK"; on HTTP/2, the standard phrase of the status).
    header_list headers;                   ///< Lower-cased names, repeats joined with ", ".
    header_list cookies;                   ///< Every cookie set during the call, by any hop.

    std::string body;                      ///< The decoded body kept in memory (text or bytes).
    body_kind kind = body_kind::none;      ///< How the body is reported.
    boost::json::value json_body;          ///< The parsed body, with body_kind::json.
    std::optional<std::string> encoding;   ///< The declared charset, else utf-8 when the body is valid UTF-8.

    std::optional<std::string> dst;        ///< With the dst input, on success: the file written.
    std::optional<std::uint64_t> size;     ///< With dst: its size in bytes.

    std::string url;                       ///< The URL that gave the final response (secrets masked).
    std::string http_version;              ///< "1.1" or "2" when a response arrived, else empty.
    std::vector<history_entry> history;    ///< The redirects followed, in order.
    unsigned attempts = 0;                 ///< Attempts made (1 without retries); redirects are not attempts.
    corest::timings timings;               ///< Seconds per phase of the final attempt.
    std::vector<std::string> log;          ///< What happened, in order; never a secret.

    /// True for a success (error::ok).
    bool ok() const noexcept { return error == corest::error::ok; }
    /// The error's upper-case name ("TIMEOUT"); empty for a success.
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

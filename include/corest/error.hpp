#ifndef COREST_ERROR_HPP
#define COREST_ERROR_HPP

// The one error enum of corest, one value per error code of the result (values from 1;
// 0 is success), in a boost::system error category whose message() is a sentence per
// value, and error conditions for its families (input, status, transport, policy,
// local). Foreign codes (asio, ssl, beast) become these in detail/error_mapping.hpp only.

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/error_condition.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace corest {

enum class error {
    ok = 0,
    missing_input,
    invalid_input,
    bad_request,
    unauthorized,
    forbidden,
    not_found,
    method_not_allowed,
    not_acceptable,
    proxy_authentication_required,
    request_timeout,
    conflict,
    gone,
    internal_server_error,
    not_implemented,
    bad_gateway,
    service_unavailable,
    gateway_timeout,
    unexpected_status,
    dns_failed,
    connect_failed,
    tls_error,
    timeout,
    connection_closed,
    protocol_error,
    too_many_redirects,
    redirect_refused,
    response_too_large,
    circuit_open,
    auth_failed,
    proxy_error,
    io_error,
    cancelled,
    unknown_error,
};

/// The name of an error code in docs/errors.md and the tool's output, e.g. "NOT_FOUND"; "" for error::ok.
constexpr std::string_view error_name(error e) noexcept
{
    switch (e) {
    case error::ok: return "";
    case error::missing_input: return "MISSING_INPUT";
    case error::invalid_input: return "INVALID_INPUT";
    case error::bad_request: return "BAD_REQUEST";
    case error::unauthorized: return "UNAUTHORIZED";
    case error::forbidden: return "FORBIDDEN";
    case error::not_found: return "NOT_FOUND";
    case error::method_not_allowed: return "METHOD_NOT_ALLOWED";
    case error::not_acceptable: return "NOT_ACCEPTABLE";
    case error::proxy_authentication_required: return "PROXY_AUTHENTICATION_REQUIRED";
    case error::request_timeout: return "REQUEST_TIMEOUT";
    case error::conflict: return "CONFLICT";
    case error::gone: return "GONE";
    case error::internal_server_error: return "INTERNAL_SERVER_ERROR";
    case error::not_implemented: return "NOT_IMPLEMENTED";
    case error::bad_gateway: return "BAD_GATEWAY";
    case error::service_unavailable: return "SERVICE_UNAVAILABLE";
    case error::gateway_timeout: return "GATEWAY_TIMEOUT";
    case error::unexpected_status: return "UNEXPECTED_STATUS";
    case error::dns_failed: return "DNS_FAILED";
    case error::connect_failed: return "CONNECT_FAILED";
    case error::tls_error: return "TLS_ERROR";
    case error::timeout: return "TIMEOUT";
    case error::connection_closed: return "CONNECTION_CLOSED";
    case error::protocol_error: return "PROTOCOL_ERROR";
    case error::too_many_redirects: return "TOO_MANY_REDIRECTS";
    case error::redirect_refused: return "REDIRECT_REFUSED";
    case error::response_too_large: return "RESPONSE_TOO_LARGE";
    case error::circuit_open: return "CIRCUIT_OPEN";
    case error::auth_failed: return "AUTH_FAILED";
    case error::proxy_error: return "PROXY_ERROR";
    case error::io_error: return "IO_ERROR";
    case error::cancelled: return "CANCELLED";
    case error::unknown_error: return "UNKNOWN_ERROR";
    }
    return "UNKNOWN_ERROR";
}

/// The error a final status code maps to when it is not expected.
constexpr error error_for_status(unsigned status) noexcept
{
    switch (status) {
    case 400: return error::bad_request;
    case 401: return error::unauthorized;
    case 403: return error::forbidden;
    case 404: return error::not_found;
    case 405: return error::method_not_allowed;
    case 406: return error::not_acceptable;
    case 407: return error::proxy_authentication_required;
    case 408: return error::request_timeout;
    case 409: return error::conflict;
    case 410: return error::gone;
    case 500: return error::internal_server_error;
    case 501: return error::not_implemented;
    case 502: return error::bad_gateway;
    case 503: return error::service_unavailable;
    case 504: return error::gateway_timeout;
    default: return error::unexpected_status;
    }
}

/// What kind of failure an error is, as error conditions: compare an error code with
/// them (`ec == corest::condition::transport`) to handle a family at once.
enum class condition {
    input = 1,   // MISSING_INPUT, INVALID_INPUT: nothing was sent
    status,      // a final status code that is not in expected_status_code
    transport,   // DNS_FAILED, CONNECT_FAILED, TLS_ERROR, TIMEOUT, CONNECTION_CLOSED, PROTOCOL_ERROR
    policy,      // TOO_MANY_REDIRECTS, REDIRECT_REFUSED, RESPONSE_TOO_LARGE, CIRCUIT_OPEN, AUTH_FAILED, PROXY_ERROR
    local,       // IO_ERROR, CANCELLED, UNKNOWN_ERROR
};

/// The family of an error code (for error::ok, which is no error, it says local).
constexpr condition condition_of(error e) noexcept
{
    switch (e) {
    case error::missing_input:
    case error::invalid_input: return condition::input;
    case error::dns_failed:
    case error::connect_failed:
    case error::tls_error:
    case error::timeout:
    case error::connection_closed:
    case error::protocol_error: return condition::transport;
    case error::too_many_redirects:
    case error::redirect_refused:
    case error::response_too_large:
    case error::circuit_open:
    case error::auth_failed:
    case error::proxy_error: return condition::policy;
    case error::io_error:
    case error::cancelled:
    case error::unknown_error:
    case error::ok: return condition::local;
    default: return condition::status;
    }
}

/// One sentence saying what an error code means (the result's `message` says what
/// happened in the call itself).
constexpr std::string_view error_sentence(error e) noexcept
{
    switch (e) {
    case error::ok: return "The call succeeded.";
    case error::missing_input: return "A required input is missing.";
    case error::invalid_input: return "An input is not valid.";
    case error::bad_request: return "The server answered 400 Bad Request.";
    case error::unauthorized: return "The server answered 401 Unauthorized.";
    case error::forbidden: return "The server answered 403 Forbidden.";
    case error::not_found: return "The server answered 404 Not Found.";
    case error::method_not_allowed: return "The server answered 405 Method Not Allowed.";
    case error::not_acceptable: return "The server answered 406 Not Acceptable.";
    case error::proxy_authentication_required: return "The proxy answered 407 Proxy Authentication Required.";
    case error::request_timeout: return "The server answered 408 Request Timeout.";
    case error::conflict: return "The server answered 409 Conflict.";
    case error::gone: return "The server answered 410 Gone.";
    case error::internal_server_error: return "The server answered 500 Internal Server Error.";
    case error::not_implemented: return "The server answered 501 Not Implemented.";
    case error::bad_gateway: return "The server answered 502 Bad Gateway.";
    case error::service_unavailable: return "The server answered 503 Service Unavailable.";
    case error::gateway_timeout: return "The server answered 504 Gateway Timeout.";
    case error::unexpected_status: return "The server answered with a status code that is not expected.";
    case error::dns_failed: return "The host name could not be resolved.";
    case error::connect_failed: return "No connection could be made to the server.";
    case error::tls_error: return "The TLS handshake or the certificate check failed.";
    case error::timeout: return "A time limit ran out.";
    case error::connection_closed: return "The connection closed before the response was complete.";
    case error::protocol_error: return "The response is not valid HTTP.";
    case error::too_many_redirects: return "The server redirected more often than max_redirects allows.";
    case error::redirect_refused: return "A redirect to a scheme other than http or https was refused.";
    case error::response_too_large: return "The response body is larger than max_response_bytes.";
    case error::circuit_open: return "The circuit breaker of the origin is open after repeated failures.";
    case error::auth_failed: return "No OAuth2 token could be obtained.";
    case error::proxy_error: return "The proxy refused or failed to open the way to the server.";
    case error::io_error: return "A local file could not be read or written.";
    case error::cancelled: return "The call was cancelled.";
    case error::unknown_error: return "An unexpected error happened.";
    }
    return "An unexpected error happened.";
}

namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "corest"; }
    std::string message(int ev) const override { return std::string(error_sentence(static_cast<error>(ev))); }
    char const* message(int ev, char*, std::size_t) const noexcept override
    {
        return error_sentence(static_cast<error>(ev)).data();
    }
    boost::system::error_condition default_error_condition(int ev) const noexcept override;
};

class condition_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "corest.condition"; }
    std::string message(int ev) const override
    {
        switch (static_cast<condition>(ev)) {
        case condition::input: return "The inputs are missing or not valid; nothing was sent.";
        case condition::status: return "The server answered with a status code that is not expected.";
        case condition::transport: return "The transport failed: DNS, connect, TLS, a timeout or a broken response.";
        case condition::policy: return "A policy of the call stopped it: redirects, size, breaker or auth.";
        case condition::local: return "A local failure: a file, a cancellation or an unexpected error.";
        }
        return "An unknown condition.";
    }
};

} // namespace detail

/// The category of corest's error codes. Its message() is a sentence per code;
/// error_name() gives the code's name for JSON ("NOT_FOUND").
inline const boost::system::error_category& error_category() noexcept
{
    static const detail::error_category_impl instance;
    return instance;
}

/// The category of corest's error conditions (condition::input ... condition::local).
inline const boost::system::error_category& condition_category() noexcept
{
    static const detail::condition_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

inline boost::system::error_condition make_error_condition(condition c) noexcept
{
    return {static_cast<int>(c), condition_category()};
}

inline boost::system::error_condition detail::error_category_impl::default_error_condition(int ev) const noexcept
{
    if (ev == 0) return {};
    return make_error_condition(condition_of(static_cast<error>(ev)));
}

inline std::ostream& operator<<(std::ostream& os, error e)
{
    auto n = error_name(e);
    return os << (n.empty() ? std::string_view("OK") : n);
}

/// Thrown only by C++ convenience paths that cannot return a result
/// (programmer errors); execute() reports bad input as a result instead.
class input_error : public std::runtime_error {
public:
    /// An error with its code (INVALID_INPUT, MISSING_INPUT) and a message naming the input.
    input_error(error code, const std::string& message)
        : std::runtime_error(message), code_(code) {}
    /// The code given.
    error code() const noexcept { return code_; }
private:
    error code_;
};

} // namespace corest

/// @cond COREST_TRAITS
template <>
struct boost::system::is_error_code_enum<corest::error> : std::true_type {};
template <>
struct boost::system::is_error_condition_enum<corest::condition> : std::true_type {};
// std::error_code too: a corest error converts into either.
template <>
struct std::is_error_code_enum<corest::error> : std::true_type {};
/// @endcond

#endif

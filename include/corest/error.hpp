#ifndef COREST_ERROR_HPP
#define COREST_ERROR_HPP

// The one error enum of corest, mirroring SPEC.md's error codes, with its
// std::error_category. Foreign codes (asio, ssl, beast) become these in
// detail/error_mapping.hpp only.

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
    io_error,
    cancelled,
    unknown_error,
};

/// SPEC.md's name of an error code, e.g. "NOT_FOUND"; "" for error::ok.
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

namespace detail {
class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "corest"; }
    std::string message(int ev) const override
    {
        auto n = error_name(static_cast<error>(ev));
        return n.empty() ? std::string("success") : std::string(n);
    }
};
} // namespace detail

inline const std::error_category& error_category() noexcept
{
    static const detail::error_category_impl instance;
    return instance;
}

inline std::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
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
    input_error(error code, const std::string& message)
        : std::runtime_error(message), code_(code) {}
    error code() const noexcept { return code_; }
private:
    error code_;
};

} // namespace corest

template <>
struct std::is_error_code_enum<corest::error> : std::true_type {};

#endif

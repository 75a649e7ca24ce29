#ifndef COREST_DETAIL_ERROR_MAPPING_HPP
#define COREST_DETAIL_ERROR_MAPPING_HPP

// The one place where foreign error codes (asio, ssl, beast) become corest's.
// Our own timers firing are TIMEOUT; the caller's cancellation is CANCELLED.

#include <corest/detail/deadline.hpp>
#include <corest/error.hpp>

#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <charconv>
#include <string>
#include <string_view>
#include <system_error>

namespace corest::detail {

/// The phase of an attempt an I/O error happened in; named in messages.
enum class phase { dns, connect, tls, write, read, total, pool };

constexpr std::string_view phase_name(phase p) noexcept
{
    switch (p) {
    case phase::dns: return "dns";
    case phase::connect: return "connect";
    case phase::tls: return "tls";
    case phase::write: return "write";
    case phase::read: return "read";
    case phase::total: return "total";
    case phase::pool: return "pool";
    }
    return "?";
}

struct mapped_error {
    corest::error code = corest::error::ok;
    std::string message;
};

/// Seconds as a message shows a limit: "0.5 s", "20 s" (at most millisecond precision).
inline std::string seconds_text(double s)
{
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s < 0 || s > 1e15 ? 0.0 : s, std::chars_format::fixed, 3);
    std::string out(buf, ec == std::errc() ? end : buf);
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
    return (out.empty() ? "0" : out) + " s";
}

/// The input that bounds a phase when the call's total_timeout does not.
constexpr std::string_view own_limit_name(phase p) noexcept
{
    switch (p) {
    case phase::dns:
    case phase::connect:
    case phase::tls: return "connect_timeout";
    case phase::write: return "write_timeout";
    case phase::read: return "read_timeout";
    case phase::total:
    case phase::pool: return "total_timeout";
    }
    return "?";
}

/// What a phase was doing, for a TIMEOUT message.
inline std::string phase_activity(phase p, std::string_view target)
{
    const std::string t(target);
    switch (p) {
    case phase::dns: return "while looking up the address of " + t;
    case phase::connect: return "while connecting to " + t;
    case phase::tls: return "during the TLS handshake with " + t;
    case phase::write: return "while sending the request to " + t;
    case phase::read: return "while waiting for the response from " + t;
    case phase::pool: return "while waiting for a free connection to " + t;
    case phase::total: return "talking to " + t;
    }
    return t;
}

/// A TIMEOUT: which limit ran out (`limit_name`, of `limit_seconds`), what was happening
/// and where, and the phase: "the read_timeout of 20 s ran out while waiting for the
/// response from http://h:8080 (read)".
inline mapped_error timeout_error(phase p, std::string_view limit_name, double limit_seconds, std::string_view target)
{
    return {corest::error::timeout, "the " + std::string(limit_name) + " of " + seconds_text(limit_seconds) +
                                        " ran out " + phase_activity(p, target) + " (" +
                                        std::string(phase_name(p)) + ")"};
}

/// Why a TLS handshake failed, in words a person can act on.
inline std::string tls_failure_reason(const boost::system::error_code& ec)
{
    if (ec.category() == boost::asio::error::get_ssl_category()) {
        const auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
        switch (reason) {
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            return "the server certificate could not be verified";
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
            return "the server does not trust our client certificate (unknown CA)";
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            return "the server requires a client certificate";
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
            return "no TLS version in common with the server (check tls_min_version)";
        case SSL_R_WRONG_VERSION_NUMBER:
            return "the server did not answer with TLS (is it plain http?)";
        default:
            break;
        }
    }
    return ec.message();
}

/// Words for an X509 verification result (from SSL_get_verify_result).
inline std::string verify_failure_reason(long verify_result)
{
    switch (verify_result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return "the certificate does not match the host name (host name mismatch)";
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return "the server certificate has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return "the server certificate is not valid yet";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return "the server certificate is signed by an unknown CA (unknown CA; set cacert)";
    default:
        return std::string("the server certificate failed verification: ") +
               X509_verify_cert_error_string(verify_result);
    }
}

/// An I/O error code of a phase, mapped. `target` names the peer (origin, redacted).
inline mapped_error map_io_error(const boost::system::error_code& ec, phase p, std::string_view target)
{
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    const std::string where = std::string(" (") + std::string(phase_name(p)) + " " + std::string(target) + ")";

    if (ec == boost::beast::error::timeout)   // callers with a limit use map_limited_error
        return {corest::error::timeout, "timed out" + where};
    if (ec == net::error::operation_aborted)
        return {corest::error::cancelled, "the call was cancelled" + where};

    if (p == phase::dns) {
        return {corest::error::dns_failed, "could not resolve the host: " + ec.message() +
                                               "; check the name, or give its addresses in `resolve`" + where};
    }
    if (p == phase::connect) {
        return {corest::error::connect_failed,
                "could not connect: " + ec.message() + "; check the port and that the server is up" + where};
    }
    if (p == phase::tls) {
        if (ec == net::error::eof || ec == net::error::connection_reset ||
            ec == net::ssl::error::stream_truncated)
            return {corest::error::tls_error, "the server closed the connection during the TLS handshake" + where};
        return {corest::error::tls_error, "TLS handshake failed: " + tls_failure_reason(ec) + where};
    }

    // write / read
    if (ec == net::error::eof || ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == net::error::connection_reset || ec == net::error::broken_pipe ||
        ec == net::ssl::error::stream_truncated || ec == net::error::connection_aborted ||
        ec == net::error::not_connected)
        return {corest::error::connection_closed,
                "the connection was closed before the response was complete: " + ec.message() + where};
    if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
        if (ec == http::error::header_limit)
            return {corest::error::protocol_error, "the response header block exceeds 64 KiB" + where};
        return {corest::error::protocol_error, "malformed response: " + ec.message() + where};
    }
    if (ec.category() == net::error::get_ssl_category())
        return {corest::error::connection_closed, "TLS error while talking to the server: " + ec.message() + where};
    return {corest::error::unknown_error, ec.message() + where};
}

/// A cancellation seen between two operations of a phase (none was pending to be
/// aborted): the same error as one that aborted an operation of that phase.
inline mapped_error cancelled_during(phase p, std::string_view target)
{
    return map_io_error(boost::asio::error::operation_aborted, p, target);
}

/// The TIMEOUT of a step of phase `p` bounded by `limit`.
inline mapped_error limited_timeout(phase p, const wait_limit& limit, std::string_view target)
{
    return timeout_error(p, limit.total_binds ? std::string_view("total_timeout") : own_limit_name(p),
                         limit.limit_seconds, target);
}

/// A TIMEOUT of a step bounded by `limit` (naming total_timeout when the call's deadline
/// was the bound, else the phase's own limit), or any other error of the phase.
inline mapped_error map_limited_error(const boost::system::error_code& ec, phase p, const wait_limit& limit,
                                      std::string_view target)
{
    if (ec == boost::beast::error::timeout) return limited_timeout(p, limit, target);
    return map_io_error(ec, p, target);
}

/// Whether the caller's cancellation has been seen by this call's coroutine.
inline bool is_cancelled(const boost::asio::cancellation_state& cs)
{
    return cs.cancelled() != boost::asio::cancellation_type::none;
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_NET_CONNECT_STEPS_HPP
#define COREST_DETAIL_NET_CONNECT_STEPS_HPP

// The steps of opening a connection, shared by the direct way (connect.hpp) and the way
// through a proxy (proxied_connect.hpp): where it goes, name resolution, the connection
// object, the TCP connect, the TLS handshake with its ALPN offer.

#include <corest/detail/await.hpp>
#include <corest/detail/connection.hpp>
#include <corest/detail/deadline.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http1/stream_limits.hpp>
#include <corest/detail/resolve_overrides.hpp>
#include <corest/detail/tls_context.hpp>
#include <corest/result.hpp>
#include <corest/tls.hpp>
#include <corest/url.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace corest::detail {

struct connect_target {
    std::string host;       // without IPv6 brackets
    std::uint16_t port = 0;
    bool use_tls = false;
    bool ip_literal = false;
    const boost::urls::url_view_base* url = nullptr;   // the caller keeps it alive

    /// The origin, for messages: built only when one is written.
    std::string display() const { return display_origin(*url); }
};

/// Where a URL's connection goes.
inline connect_target connect_target_of(const boost::urls::url_view_base& url, bool use_tls)
{
    const auto origin = origin_of(url);
    const bool literal = is_ip_literal(origin.host);
    return {origin.host, origin.port, use_tls, literal, &url};
}

inline double seconds_since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }


/// The addresses a connection tries, in order: plain endpoints, not the resolver's
/// results, which carry the host and service names for every address.
using endpoint_list = std::vector<boost::asio::ip::tcp::endpoint>;

/// The address of a host given as an IP literal; on failure, `error`.
inline endpoint_list literal_endpoint(const connect_target& target, mapped_error& error)
{
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(target.host, ec);
    if (ec) {
        error = map_io_error(ec, phase::dns, target.display());
        return {};
    }
    return {boost::asio::ip::tcp::endpoint(address, target.port)};
}

/// The addresses of a host name, within `limit`; on failure, `error`. A coroutine of
/// its own, so that open_connection's frame (every connecting call has one) holds no
/// resolver state.
inline boost::asio::awaitable<void> resolve_host(const connect_target& target, const wait_limit& limit,
                                                 mapped_error& error, corest::timings& timings,
                                                 endpoint_list& endpoints)
{
    namespace net = boost::asio;
    using tcp = net::ip::tcp;
    const auto t0 = clock::now();
    // Asio's resolver has no timeout of its own: a timer cancels it.
    struct resolve_state {
        explicit resolve_state(const net::any_io_executor& e) : resolver(e), timer(e) {}
        tcp::resolver resolver;
        net::steady_timer timer;
        bool timed_out = false;
    };
    auto state = std::make_shared<resolve_state>(co_await net::this_coro::executor);
    if (limit.duration) {
        state->timer.expires_after(*limit.duration);
        state->timer.async_wait([state](boost::system::error_code ec) {
            if (!ec) {
                state->timed_out = true;
                state->resolver.cancel();
            }
        });
    }
    auto [ec, results] = co_await state->resolver.async_resolve(target.host, std::to_string(target.port), as_result);
    state->timer.cancel();
    timings.dns = seconds_since(t0);
    if (state->timed_out) error = limited_timeout(phase::dns, limit, target.display());
    else if (ec) error = map_io_error(ec, phase::dns, target.display());
    else
        for (const auto& entry : results) endpoints.push_back(entry.endpoint());
}

/// The ALPN protocol list (wire format) a call offers a TLS server for `mode`.
inline std::string_view alpn_offer(http_version_mode mode)
{
    using namespace std::string_view_literals;
    switch (mode) {
    case http_version_mode::v1_1: return "\x08http/1.1"sv;
    case http_version_mode::v2: return "\x02h2"sv;
    default: return "\x02h2\x08http/1.1"sv;
    }
}

/// The protocol the server picked by ALPN ("h2", "http/1.1"), empty when none.
template <class TlsStream>
std::string_view alpn_selected(TlsStream& stream)
{
    const unsigned char* data = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(stream.native_handle(), &data, &len);
    return data ? std::string_view(reinterpret_cast<const char*>(data), len) : std::string_view();
}

/// The TLS handshake of `stream` (over the connection's socket) with `host`, within
/// `limit`; false (with `error` and the socket closed) when it fails. `shown` names the
/// peer in messages; `alpn` (wire format, empty: none) is offered. A coroutine of its own,
/// like resolve_host.
template <class TlsStream>
boost::asio::awaitable<bool> handshake(TlsStream& stream, connection& conn, const std::string& host, bool ip_literal,
                                       std::string shown, const tls_settings& tls, const wait_limit& limit,
                                       mapped_error& error, std::string_view alpn = {})
{
    namespace net = boost::asio;
    if (!prepare_tls_session(stream, host, ip_literal, tls)) {
        error = {corest::error::tls_error, "could not set the TLS server name for " + shown};
        co_return false;
    }
    if (!alpn.empty() &&
        SSL_set_alpn_protos(stream.native_handle(), reinterpret_cast<const unsigned char*>(alpn.data()),
                            static_cast<unsigned>(alpn.size())) != 0) {
        error = {corest::error::tls_error, "could not offer ALPN protocols to " + shown};
        co_return false;
    }
    apply_limit(conn.tcp(), limit);
    auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::client, as_result_on_tls<TlsStream>());
    if (!ec) co_return true;
    long verify = SSL_get_verify_result(stream.native_handle());
    if (ec.category() == net::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL)
        error = {corest::error::protocol_error, "the server " + shown +
                                                    " refused every protocol corest offered by ALPN (" +
                                                    (alpn == alpn_offer(http_version_mode::v2) ? "h2" : "h2, http/1.1") +
                                                    "): it does not speak HTTP/2"};
    else if (ec != boost::beast::error::timeout && tls.verify_ssl && verify != X509_V_OK)
        error = {corest::error::tls_error, "TLS handshake with " + shown + " failed: " + verify_failure_reason(verify)};
    else
        error = map_limited_error(ec, phase::tls, limit, shown);
    conn.close();
    co_return false;
}

/// The SSL context for `settings`, or INVALID_INPUT in `error`.
inline std::shared_ptr<boost::asio::ssl::context> context_for(tls_context_cache& contexts, const tls_settings& settings,
                                                              mapped_error& error)
{
    auto built = contexts.get(settings);
    if (!built.context) error = {corest::error::invalid_input, built.problem};
    return built.context;
}

/// A new connection object on the calling coroutine's executor: TLS with `ctx` as its first
/// layer, or plain when `ctx` is null.
inline std::unique_ptr<connection> new_connection(const boost::asio::any_io_executor& ex, boost::asio::ssl::context* ctx,
                                                  const std::string& pool_key)
{
    auto conn = std::make_unique<connection>();
    conn->pool_key = pool_key;
    if (ctx) {
        conn->tls = std::make_unique<tls_stream>(ex, *ctx);
        // Asio turns on SSL_MODE_RELEASE_BUFFERS: OpenSSL then frees its record buffer
        // whenever it is empty and allocates it again for the next record, a malloc and
        // free (and zeroing) per record read or written; OpenSSL's and libcurl's default
        // is to keep them (benchmarks/README.md).
        SSL_clear_mode(conn->tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    } else {
        conn->plain.emplace(ex);
    }
    return conn;
}

/// Connects the socket to each address in turn until one answers, as a range connect does
/// (Beast's cannot be awaited with `deferred`), under the deadline already applied; `ec`
/// is the last failure (not_found when there was no address). A timeout spends the budget
/// of every address, and a cancellation ends the call: neither tries the next address.
inline boost::asio::awaitable<void> connect_socket(connection& conn, const endpoint_list& endpoints,
                                                   boost::system::error_code& ec)
{
    namespace net = boost::asio;
    ec = net::error::not_found;
    for (const auto& endpoint : endpoints) {
        boost::system::error_code ignored;
        if (conn.tcp().socket().is_open()) conn.tcp().socket().close(ignored);   // after a failed address
        auto [cec] = co_await conn.tcp().async_connect(endpoint, as_result);
        ec = cec;
        if (!ec || ec == boost::beast::error::timeout || ec == net::error::operation_aborted) break;
    }
    if (!ec) {
        boost::system::error_code ignored;
        conn.tcp().socket().set_option(net::ip::tcp::no_delay(true), ignored);
    }
}

/// What is left of `limit` (started at `started`) now.
inline wait_limit remaining_of(const wait_limit& limit, clock::time_point started)
{
    auto left = limit;
    if (left.duration) left.duration = *limit.duration - (clock::now() - started);
    return left;
}

} // namespace corest::detail

#endif

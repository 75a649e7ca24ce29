#ifndef COREST_DETAIL_CONNECT_HPP
#define COREST_DETAIL_CONNECT_HPP

// Opens a connection for one attempt: resolve + TCP connect + TLS handshake,
// all three bounded by connect_timeout (and the call's deadline).

#include <corest/detail/await.hpp>
#include <corest/detail/connection.hpp>
#include <corest/detail/deadline.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http1/stream_limits.hpp>
#include <corest/detail/net/proxy_connect.hpp>
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

/// How a connection goes through a proxy (proxy null: direct).
struct proxy_route {
    const proxy_endpoint* proxy = nullptr;
    const tls_settings* proxy_tls = nullptr;         // with an https:// proxy
    const resolve_override* proxy_fixed = nullptr;   // a `resolve` entry for the proxy's host
    // Where the proxy's status and reason go when it refuses CONNECT (the hop's own, so a
    // 407 is the result's status_code); null: nowhere.
    unsigned* refused_status = nullptr;
    std::string* refused_reason = nullptr;
};

/// Opens a new connection to the origin of `url` into `result`: the SSL context (https),
/// resolution (or the addresses of `fixed`, a `resolve` entry), TCP connect and TLS
/// handshake, within connect_timeout and the call's deadline; through `route`'s proxy when
/// it has one (to the proxy, its TLS, the CONNECT tunnel or the SOCKS5 handshake, then the
/// target's TLS inside). On failure `result` stays null and `error` says why; `timings`
/// gets the dns, connect (the tunnel included) and tls phases. Everything by reference, the
/// outputs included: the caller's frame keeps them, and this frame (every connecting call
/// has one) holds only what connecting needs.
inline boost::asio::awaitable<void> open_connection(const boost::urls::url_view_base& url, bool use_tls,
                                                    const tls_settings* tls, tls_context_cache& contexts,
                                                    corest::seconds connect_timeout, const call_deadline& deadline,
                                                    const std::string& pool_key, const resolve_override* fixed,
                                                    const proxy_route& route, http_version_mode version,
                                                    mapped_error& error, corest::timings& timings,
                                                    std::unique_ptr<connection>& result)
{
    namespace net = boost::asio;
    using tcp = net::ip::tcp;
    using kind = proxy_endpoint::kind;
    const proxy_endpoint* proxy = route.proxy;
    const bool proxy_tls = proxy && proxy->type == kind::https;
    const bool socks = proxy && (proxy->type == kind::socks5 || proxy->type == kind::socks5h);
    std::shared_ptr<net::ssl::context> target_ctx, proxy_ctx;
    if (use_tls && !(target_ctx = context_for(contexts, *tls, error))) co_return;
    if (proxy_tls && !(proxy_ctx = context_for(contexts, *route.proxy_tls, error))) co_return;
    const connect_target target = connect_target_of(url, use_tls);
    const auto started = clock::now();
    const auto limit = deadline.limit(connect_timeout, started);
    // What connect_timeout has left at this moment.
    auto remaining = [&] {
        auto left = limit;
        if (left.duration) left.duration = *limit.duration - (clock::now() - started);
        return left;
    };

    // The addresses to connect to: the proxy's, or the target's.
    endpoint_list endpoints;
    if (proxy) {
        connect_target at{proxy->host, proxy->port, false, is_ip_literal(proxy->host), &url};
        if (route.proxy_fixed) endpoints = route.proxy_fixed->endpoints;
        else if (at.ip_literal) endpoints = literal_endpoint(at, error);
        else co_await resolve_host(at, limit, error, timings, endpoints);
        if (error.code == corest::error::dns_failed)   // a proxy that cannot be reached
            error = {corest::error::connect_failed, "could not reach the proxy " + proxy->shown + ": " + error.message};
    } else if (fixed) {
        endpoints = fixed->endpoints;   // the `resolve` input: no DNS
    } else if (target.ip_literal) {
        endpoints = literal_endpoint(target, error);
    } else {
        co_await resolve_host(target, limit, error, timings, endpoints);
    }
    if (error.code != corest::error::ok) co_return;
    // socks5 (not socks5h): corest resolves the target's name and sends the address.
    std::optional<net::ip::address> target_address;
    if (socks && proxy->type == kind::socks5) {
        endpoint_list target_endpoints;
        if (fixed) target_endpoints = fixed->endpoints;
        else if (target.ip_literal) target_endpoints = literal_endpoint(target, error);
        else co_await resolve_host(target, remaining(), error, timings, target_endpoints);
        if (error.code != corest::error::ok) co_return;
        if (!target_endpoints.empty()) target_address = target_endpoints.front().address();
    } else if (socks && target.ip_literal) {
        target_address = net::ip::make_address(target.host);
    }
    // A per-operation cancellation reaches only the operation in flight when it is
    // emitted: one emitted between two operations, or during name resolution (which
    // ignores it), is seen here, in the coroutine's cancellation state.
    const auto after_resolve = co_await net::this_coro::cancellation_state;
    if (is_cancelled(after_resolve)) {
        error = cancelled_during(phase::dns, target.display());
        co_return;
    }

    auto conn = std::make_unique<connection>();
    conn->pool_key = pool_key;
    {
        const auto ex = co_await net::this_coro::executor;
        if (proxy_tls || use_tls) {
            // The first TLS layer: to an https:// proxy, else to the target.
            conn->tls = std::make_unique<tls_stream>(ex, proxy_tls ? *proxy_ctx : *target_ctx);
            // Asio turns on SSL_MODE_RELEASE_BUFFERS: OpenSSL then frees its record buffer
            // whenever it is empty and allocates it again for the next record, a malloc and
            // free (and zeroing) per record read or written; OpenSSL's and libcurl's default
            // is to keep them (benchmarks/README.md).
            SSL_clear_mode(conn->tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
        } else {
            conn->plain.emplace(ex);
        }
    }

    // TCP connect, within what is left of connect_timeout.
    auto t0 = clock::now();
    const std::string peer = proxy ? proxy->shown : target.display();
    apply_limit(conn->tcp(), remaining());
    // Each address in turn, as a range connect does; Beast's cannot be awaited with
    // `deferred` and would add a coroutine frame and a larger operation per call.
    boost::system::error_code cec = net::error::not_found;   // no address at all
    for (const auto& endpoint : endpoints) {
        boost::system::error_code ignored;
        if (conn->tcp().socket().is_open()) conn->tcp().socket().close(ignored);   // after a failed address
        auto [ec] = co_await conn->tcp().async_connect(endpoint, as_result);
        cec = ec;
        // A timeout spent the budget of every address; a cancellation ends the call.
        if (!ec || ec == boost::beast::error::timeout || ec == net::error::operation_aborted) break;
    }
    if (cec) {
        timings.connect = seconds_since(t0);
        error = map_limited_error(cec, phase::connect, remaining(), peer);
        if (proxy && error.code == corest::error::connect_failed)
            error.message = "could not connect to the proxy " + proxy->shown + ": " + cec.message();
        co_return;
    }
    conn->tcp().socket().set_option(tcp::no_delay(true));
    const auto after_connect = co_await net::this_coro::cancellation_state;
    if (is_cancelled(after_connect)) {
        conn->close();
        error = cancelled_during(phase::connect, peer);
        co_return;
    }

    // The way through the proxy: its TLS, then the tunnel or the SOCKS5 handshake.
    if (proxy_tls && !co_await handshake(*conn->tls, *conn, proxy->host, is_ip_literal(proxy->host), proxy->shown,
                                         *route.proxy_tls, remaining(), error))
        co_return;
    if (proxy && !socks && use_tls) {
        proxy_refusal refusal;
        const std::string authority = connect_authority(target.host, target.port);
        if (proxy_tls)
            co_await open_tunnel(*conn->tls, conn->tcp(), authority, *proxy, remaining(), error, refusal);
        else
            co_await open_tunnel(conn->tcp(), conn->tcp(), authority, *proxy, remaining(), error, refusal);
        // A 407 is the result's status_code; any other answer to CONNECT is not the target's
        // response, and only the message gives it.
        if (refusal.status == 407 && route.refused_status) *route.refused_status = refusal.status;
        if (refusal.status == 407 && route.refused_reason) *route.refused_reason = std::move(refusal.reason);
    } else if (socks) {
        co_await socks5_connect(conn->tcp(), conn->tcp(), target.host, target_address, target.port, *proxy,
                                remaining(), error);
    }
    timings.connect = seconds_since(t0);
    if (error.code != corest::error::ok) {
        conn->close();
        co_return;
    }

    // TLS to the target: over the socket, or inside the proxy's TLS.
    if (use_tls) {
        const auto t1 = clock::now();
        bool ok = false;
        const std::string_view alpn = alpn_offer(version);
        if (proxy_tls) {
            conn->inner = std::make_unique<tls_in_tls_stream>(*conn->tls, *target_ctx);
            ok = co_await handshake(*conn->inner, *conn, target.host, target.ip_literal, target.display(), *tls,
                                    remaining(), error, alpn);
            if (ok) conn->http2 = alpn_selected(*conn->inner) == "h2";
        } else {
            ok = co_await handshake(*conn->tls, *conn, target.host, target.ip_literal, target.display(), *tls,
                                    remaining(), error, alpn);
            if (ok) conn->http2 = alpn_selected(*conn->tls) == "h2";
        }
        timings.tls = seconds_since(t1);
        if (!ok) co_return;
    } else {
        conn->http2 = version == http_version_mode::v2;   // h2c: HTTP/2 by prior knowledge
    }
    conn->tcp().expires_never();
    result = std::move(conn);
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_NET_PROXIED_CONNECT_HPP
#define COREST_DETAIL_NET_PROXIED_CONNECT_HPP

// Opening a connection through a proxy: resolve and connect to the proxy, its TLS for an
// https:// proxy, the CONNECT tunnel or the SOCKS5 handshake (proxy_connect.hpp), then the
// target's TLS inside. A coroutine of its own beside the direct way (connect.hpp), so a
// direct connection's frame holds none of this.

#include <corest/detail/net/connect_steps.hpp>
#include <corest/detail/net/proxy_connect.hpp>
#include <corest/proxy.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include <memory>
#include <optional>
#include <string>

namespace corest::detail {

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

/// open_connection (connect.hpp) through `route.proxy`, with the same parameters and results.
/// `timings.connect` includes the tunnel; connect_timeout covers it all.
inline boost::asio::awaitable<void> open_proxied_connection(const boost::urls::url_view_base& url, bool use_tls,
                                                            const tls_settings* tls, tls_context_cache& contexts,
                                                            corest::seconds connect_timeout,
                                                            const call_deadline& deadline, const std::string& pool_key,
                                                            const resolve_override* fixed, const proxy_route& route,
                                                            http_version_mode version, mapped_error& error,
                                                            corest::timings& timings,
                                                            std::unique_ptr<connection>& result)
{
    namespace net = boost::asio;
    using kind = proxy_endpoint::kind;
    const proxy_endpoint& proxy = *route.proxy;
    const bool proxy_tls = proxy.type == kind::https;
    const bool socks = proxy.type == kind::socks5 || proxy.type == kind::socks5h;
    std::shared_ptr<net::ssl::context> target_ctx, proxy_ctx;
    if (use_tls && !(target_ctx = context_for(contexts, *tls, error))) co_return;
    if (proxy_tls && !(proxy_ctx = context_for(contexts, *route.proxy_tls, error))) co_return;
    const connect_target target = connect_target_of(url, use_tls);
    const auto started = clock::now();
    const auto limit = deadline.limit(connect_timeout, started);

    // The proxy's addresses.
    endpoint_list endpoints;
    {
        const connect_target at{proxy.host, proxy.port, false, is_ip_literal(proxy.host), &url};
        if (route.proxy_fixed) endpoints = route.proxy_fixed->endpoints;
        else if (at.ip_literal) endpoints = literal_endpoint(at, error);
        else co_await resolve_host(at, limit, error, timings, endpoints);
    }
    if (error.code == corest::error::dns_failed)   // a proxy that cannot be reached
        error = {corest::error::connect_failed, "could not reach the proxy " + proxy.shown + ": " + error.message};
    if (error.code != corest::error::ok) co_return;
    // socks5 (not socks5h): corest resolves the target's name and sends the address.
    std::optional<net::ip::address> target_address;
    if (socks && proxy.type == kind::socks5) {
        endpoint_list target_endpoints;
        if (fixed) target_endpoints = fixed->endpoints;
        else if (target.ip_literal) target_endpoints = literal_endpoint(target, error);
        else co_await resolve_host(target, remaining_of(limit, started), error, timings, target_endpoints);
        if (error.code != corest::error::ok) co_return;
        if (!target_endpoints.empty()) target_address = target_endpoints.front().address();
    } else if (socks && target.ip_literal) {
        target_address = net::ip::make_address(target.host);
    }
    if (is_cancelled(co_await net::this_coro::cancellation_state)) {
        error = cancelled_during(phase::dns, target.display());
        co_return;
    }

    // The first TLS layer: to an https:// proxy, else to the target (over the tunnel).
    auto conn = new_connection(co_await net::this_coro::executor, proxy_tls ? proxy_ctx.get() : target_ctx.get(),
                               pool_key);
    const auto t0 = clock::now();
    apply_limit(conn->tcp(), remaining_of(limit, started));
    boost::system::error_code cec;
    co_await connect_socket(*conn, endpoints, cec);
    if (cec) {
        timings.connect = seconds_since(t0);
        error = map_limited_error(cec, phase::connect, remaining_of(limit, started), proxy.shown);
        if (error.code == corest::error::connect_failed)
            error.message = "could not connect to the proxy " + proxy.shown + ": " + cec.message();
        co_return;
    }
    if (is_cancelled(co_await net::this_coro::cancellation_state)) {
        conn->close();
        error = cancelled_during(phase::connect, proxy.shown);
        co_return;
    }

    // The way through the proxy: its TLS, then the tunnel or the SOCKS5 handshake.
    if (proxy_tls && !co_await handshake(*conn->tls, *conn, proxy.host, is_ip_literal(proxy.host), proxy.shown,
                                         *route.proxy_tls, remaining_of(limit, started), error))
        co_return;
    if (!socks && use_tls) {
        proxy_refusal refusal;
        if (proxy_tls)
            co_await open_tunnel(*conn->tls, conn->tcp(), connect_authority(target.host, target.port), proxy,
                                 remaining_of(limit, started), error, refusal);
        else
            co_await open_tunnel(conn->tcp(), conn->tcp(), connect_authority(target.host, target.port), proxy,
                                 remaining_of(limit, started), error, refusal);
        // A 407 is the result's status_code; any other answer to CONNECT is not the target's
        // response, and only the message gives it.
        if (refusal.status == 407 && route.refused_status) *route.refused_status = refusal.status;
        if (refusal.status == 407 && route.refused_reason) *route.refused_reason = std::move(refusal.reason);
    } else if (socks) {
        co_await socks5_connect(conn->tcp(), conn->tcp(), target.host, target_address, target.port, proxy,
                                remaining_of(limit, started), error);
    }
    timings.connect = seconds_since(t0);
    if (error.code != corest::error::ok) {
        conn->close();
        co_return;
    }

    // TLS to the target: over the tunnel, or inside the proxy's TLS.
    if (use_tls) {
        const auto t1 = clock::now();
        bool ok = false;
        if (proxy_tls) {
            conn->inner = std::make_unique<tls_in_tls_stream>(*conn->tls, *target_ctx);
            ok = co_await handshake(*conn->inner, *conn, target.host, target.ip_literal, target.display(), *tls,
                                    remaining_of(limit, started), error, alpn_offer(version));
            if (ok) conn->http2 = alpn_selected(*conn->inner) == "h2";
        } else {
            ok = co_await handshake(*conn->tls, *conn, target.host, target.ip_literal, target.display(), *tls,
                                    remaining_of(limit, started), error, alpn_offer(version));
            if (ok) conn->http2 = alpn_selected(*conn->tls) == "h2";
        }
        timings.tls = seconds_since(t1);
        if (!ok) co_return;
    } else {
        conn->http2 = version == http_version_mode::v2;   // h2c by prior knowledge, through the tunnel
    }
    conn->tcp().expires_never();
    result = std::move(conn);
}

} // namespace corest::detail

#endif

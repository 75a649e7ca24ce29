#ifndef COREST_DETAIL_CONNECT_HPP
#define COREST_DETAIL_CONNECT_HPP

// Opens a connection for one attempt: resolve + TCP connect + TLS handshake (with its
// ALPN offer), all bounded by connect_timeout (and the call's deadline); through a proxy
// when the hop has one (net/proxied_connect.hpp). The steps are net/connect_steps.hpp.

#include <corest/detail/net/connect_steps.hpp>
#include <corest/detail/net/proxied_connect.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include <memory>
#include <string>

namespace corest::detail {

/// Opens a new connection to the origin of `url` into `result`: the SSL context (https),
/// resolution (or the addresses of `fixed`, a `resolve` entry), TCP connect and TLS
/// handshake offering the protocols of `version` by ALPN (`result->http2` says whether the
/// server picked h2; h2c by prior knowledge for "2" over http), within connect_timeout and
/// the call's deadline; through `route`'s proxy when it has one. On failure `result` stays
/// null and `error` says why; `timings` gets the dns, connect and tls phases. Everything
/// by reference, the outputs included: the caller's frame keeps them, and this frame (every
/// connecting call has one) holds only what a direct connection needs.
inline boost::asio::awaitable<void> open_connection(const boost::urls::url_view_base& url, bool use_tls,
                                                    const tls_settings* tls, tls_context_cache& contexts,
                                                    corest::seconds connect_timeout, const call_deadline& deadline,
                                                    const std::string& pool_key, const resolve_override* fixed,
                                                    const proxy_route& route, http_version_mode version,
                                                    mapped_error& error, corest::timings& timings,
                                                    std::unique_ptr<connection>& result)
{
    namespace net = boost::asio;
    if (route.proxy) {
        co_await open_proxied_connection(url, use_tls, tls, contexts, connect_timeout, deadline, pool_key, fixed, route,
                                         version, error, timings, result);
        co_return;
    }
    std::shared_ptr<net::ssl::context> ssl_ctx;
    if (use_tls && !(ssl_ctx = context_for(contexts, *tls, error))) co_return;
    const connect_target target = connect_target_of(url, use_tls);
    const auto started = clock::now();
    const auto limit = deadline.limit(connect_timeout, started);
    endpoint_list endpoints;
    if (fixed) endpoints = fixed->endpoints;   // the `resolve` input: no DNS
    else if (target.ip_literal) endpoints = literal_endpoint(target, error);
    else co_await resolve_host(target, limit, error, timings, endpoints);
    if (error.code != corest::error::ok) co_return;
    // A per-operation cancellation reaches only the operation in flight when it is
    // emitted: one emitted between two operations, or during name resolution (which
    // ignores it), is seen here, in the coroutine's cancellation state.
    if (is_cancelled(co_await net::this_coro::cancellation_state)) {
        error = cancelled_during(phase::dns, target.display());
        co_return;
    }

    auto conn = new_connection(co_await net::this_coro::executor, ssl_ctx.get(), pool_key);
    // TCP connect, within what is left of connect_timeout.
    const auto t0 = clock::now();
    apply_limit(conn->tcp(), remaining_of(limit, started));
    // connect_socket's loop, written out: its coroutine frame would add about 400 bytes to
    // every call that is connecting (benchmarks/README.md, inflight-10000).
    boost::system::error_code cec = net::error::not_found;
    for (const auto& endpoint : endpoints) {
        boost::system::error_code ignored;
        if (conn->tcp().socket().is_open()) conn->tcp().socket().close(ignored);   // after a failed address
        auto [ec] = co_await conn->tcp().async_connect(endpoint, as_result);
        cec = ec;
        if (!ec || ec == boost::beast::error::timeout || ec == net::error::operation_aborted) break;
    }
    timings.connect = seconds_since(t0);
    if (cec) {
        error = map_limited_error(cec, phase::connect, remaining_of(limit, started), target.display());
        co_return;
    }
    conn->tcp().socket().set_option(net::ip::tcp::no_delay(true), cec);
    if (is_cancelled(co_await net::this_coro::cancellation_state)) {
        conn->close();
        error = cancelled_during(phase::connect, target.display());
        co_return;
    }

    if (use_tls) {
        const auto t1 = clock::now();
        if (!co_await handshake(*conn->tls, *conn, target.host, target.ip_literal, target.display(), *tls,
                                remaining_of(limit, started), error, alpn_offer(version)))
            co_return;
        timings.tls = seconds_since(t1);
        conn->http2 = alpn_selected(*conn->tls) == "h2";
    } else {
        conn->http2 = version == http_version_mode::v2;   // h2c: HTTP/2 by prior knowledge
    }
    conn->tcp().expires_never();
    result = std::move(conn);
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_CONNECT_HPP
#define COREST_DETAIL_CONNECT_HPP

// Opens a connection for one attempt: resolve + TCP connect + TLS handshake,
// all three bounded by connect_timeout (and the call's deadline).

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
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

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

/// The TLS handshake on a connected socket, within `limit`; false (with `error` and
/// the socket closed) when it fails. A coroutine of its own, like resolve_host.
inline boost::asio::awaitable<bool> handshake(connection& conn, const connect_target& target, const tls_settings& tls,
                                              const wait_limit& limit, mapped_error& error, corest::timings& timings)
{
    namespace net = boost::asio;
    const auto t0 = clock::now();
    if (!prepare_tls_session(*conn.tls, target.host, target.ip_literal, tls)) {
        error = {corest::error::tls_error, "could not set the TLS server name for " + target.display()};
        co_return false;
    }
    apply_limit(conn.tcp(), limit);
    auto [ec] = co_await conn.tls->async_handshake(net::ssl::stream_base::client, as_result);
    timings.tls = seconds_since(t0);
    if (!ec) co_return true;
    long verify = SSL_get_verify_result(conn.tls->native_handle());
    if (ec != boost::beast::error::timeout && tls.verify_ssl && verify != X509_V_OK)
        error = {corest::error::tls_error,
                 "TLS handshake with " + target.display() + " failed: " + verify_failure_reason(verify)};
    else
        error = map_limited_error(ec, phase::tls, limit, target.display());
    conn.close();
    co_return false;
}

/// Opens a new connection to the origin of `url` into `result`: the SSL context (https),
/// resolution (or the addresses of `fixed`, a `resolve` entry), TCP connect and TLS handshake, within connect_timeout and the call's
/// deadline. On failure `result` stays null and `error` says why; `timings` gets the dns,
/// connect and tls phases. Everything by reference, the outputs included: the caller's
/// frame keeps them, and this frame (every connecting call has one) holds only what
/// connecting needs.
inline boost::asio::awaitable<void> open_connection(const boost::urls::url_view_base& url, bool use_tls,
                                                    const tls_settings* tls, tls_context_cache& contexts,
                                                    corest::seconds connect_timeout, const call_deadline& deadline,
                                                    const std::string& pool_key, const resolve_override* fixed,
                                                    mapped_error& error, corest::timings& timings,
                                                    std::unique_ptr<connection>& result)
{
    namespace net = boost::asio;
    using tcp = net::ip::tcp;
    std::shared_ptr<net::ssl::context> ssl_ctx;
    if (use_tls) {
        auto built = contexts.get(*tls);
        if (!built.context) {
            error = {corest::error::invalid_input, built.problem};
            co_return;
        }
        ssl_ctx = std::move(built.context);
    }
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
    const auto after_resolve = co_await net::this_coro::cancellation_state;
    if (is_cancelled(after_resolve)) {
        error = cancelled_during(phase::dns, target.display());
        co_return;
    }

    auto conn = std::make_unique<connection>();
    conn->pool_key = pool_key;
    {
        const auto ex = co_await net::this_coro::executor;
        if (use_tls) {
            conn->tls = std::make_unique<tls_stream>(ex, *ssl_ctx);
            // Asio turns on SSL_MODE_RELEASE_BUFFERS: OpenSSL then frees its record buffer
            // whenever it is empty and allocates it again for the next record, a 17 KB
            // malloc and free (and zeroing) per record read or written. Keeping the buffers,
            // OpenSSL's and libcurl's default, made pooled TLS calls 11% faster (tls-c64)
            // for about 10 KB more per TLS connection (64 connections: +0.6 MiB).
            SSL_clear_mode(conn->tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
        } else {
            conn->plain.emplace(ex);
        }
    }

    // TCP connect, within what is left of connect_timeout.
    auto t0 = clock::now();
    auto remaining = limit;
    if (remaining.duration) remaining.duration = *limit.duration - (t0 - started);
    apply_limit(conn->tcp(), remaining);
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
    timings.connect = seconds_since(t0);
    if (cec) {
        error = map_limited_error(cec, phase::connect, remaining, target.display());
        co_return;
    }
    conn->tcp().socket().set_option(tcp::no_delay(true));
    const auto after_connect = co_await net::this_coro::cancellation_state;
    if (is_cancelled(after_connect)) {
        conn->close();
        error = cancelled_during(phase::connect, target.display());
        co_return;
    }

    if (use_tls) {
        if (remaining.duration) remaining.duration = *limit.duration - (clock::now() - started);
        if (!co_await handshake(*conn, target, *tls, remaining, error, timings)) co_return;
    }
    conn->tcp().expires_never();
    result = std::move(conn);
}

} // namespace corest::detail

#endif

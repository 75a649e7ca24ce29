#ifndef COREST_DETAIL_NET_PROXY_CONNECT_HPP
#define COREST_DETAIL_NET_PROXY_CONNECT_HPP

// The I/O of the ways through a proxy, on a stream already connected to it: the HTTP
// CONNECT tunnel (connect_reply.hpp decides on the answer) and the SOCKS5 handshake
// (socks5_handshake.hpp decides each step). Both run under the connect stage's limit.

#include <corest/detail/await.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http1/stream_limits.hpp>
#include <corest/detail/net/connect_reply.hpp>
#include <corest/detail/net/socks5_handshake.hpp>
#include <corest/proxy.hpp>
#include <corest/version.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <optional>
#include <string>

namespace corest::detail {

/// What a failed way through a proxy leaves for the result: the proxy's status (a 407
/// to CONNECT) and its reason, besides the error.
struct proxy_refusal {
    unsigned status = 0;
    std::string reason;
};

/// The proxy's own read or write failure, named as the proxy's.
inline mapped_error proxy_io_error(const boost::system::error_code& ec, const wait_limit& limit,
                                   const proxy_endpoint& proxy, const char* what)
{
    if (ec == boost::beast::error::timeout) return limited_timeout(phase::connect, limit, proxy.shown);
    if (ec == boost::asio::error::operation_aborted) return cancelled_during(phase::connect, proxy.shown);
    return {corest::error::proxy_error, "the proxy " + proxy.shown + " " + what + ": " + ec.message()};
}

/// Opens a CONNECT tunnel to `authority` (host:port) through the HTTP proxy on `stream`.
/// On failure `error` says why and `refusal` holds the proxy's status.
template <class Stream, class Timed>
boost::asio::awaitable<void> open_tunnel(Stream& stream, Timed& timed, std::string authority,
                                         const proxy_endpoint& proxy, const wait_limit& limit, mapped_error& error,
                                         proxy_refusal& refusal)
{
    namespace net = boost::asio;
    std::optional<std::string> authorization;
    if (proxy.username) authorization = proxy_basic_authorization(*proxy.username, proxy.password.value_or(""));
    const std::string request = connect_request(authority, authorization, corest::user_agent);
    apply_limit(timed, limit);
    auto [wec, written] = co_await net::async_write(stream, net::buffer(request), as_result_on<Stream>());
    (void)written;
    if (wec) {
        error = proxy_io_error(wec, limit, proxy, "could not be sent CONNECT");
        co_return;
    }
    connect_reply reply;
    reply.credentials_sent(authorization.has_value());
    std::array<char, 2048> chunk;
    std::string pending;
    for (;;) {
        // One byte at a time would be slow, more could take the target's first bytes: read
        // what comes and hand the parser all of it (a 2xx with bytes after it is an error).
        auto [ec, n] = co_await stream.async_read_some(net::buffer(chunk), as_result_on<Stream>());
        if (ec) {
            error = ec == net::error::eof ? mapped_error{corest::error::proxy_error,
                                                         "the proxy " + proxy.shown +
                                                             " closed the connection before answering CONNECT"}
                                          : proxy_io_error(ec, limit, proxy, "failed while answering CONNECT");
            co_return;
        }
        pending.append(chunk.data(), n);
        std::size_t used = 0;
        const auto verdict = reply.feed(pending, used, proxy.shown);
        if (verdict == connect_reply::verdict::tunnel_open) co_return;
        if (verdict == connect_reply::verdict::refused) {
            error = {reply.error(), reply.message()};
            refusal = {reply.status(), reply.reason()};
            co_return;
        }
        pending.erase(0, used);
    }
}

/// Connects to the target through the SOCKS5 proxy on `stream`: by `address` (socks5,
/// resolved by corest) or by name (socks5h).
template <class Stream, class Timed>
boost::asio::awaitable<void> socks5_connect(Stream& stream, Timed& timed, std::string host,
                                            std::optional<boost::asio::ip::address> address, std::uint16_t port,
                                            const proxy_endpoint& proxy, const wait_limit& limit,
                                            mapped_error& error)
{
    namespace net = boost::asio;
    std::optional<socks5_handshake::credentials> creds;
    if (proxy.username) creds = socks5_handshake::credentials{*proxy.username, proxy.password.value_or("")};
    socks5_handshake handshake(std::move(host), address, port, std::move(creds), proxy.shown);
    std::string in;
    for (auto step = handshake.start();; step = handshake.received(in)) {
        if (step.what == socks5_handshake::step::kind::done) co_return;
        if (step.what == socks5_handshake::step::kind::failed) {
            error = {step.error, step.message};
            co_return;
        }
        apply_limit(timed, limit);
        if (!step.out.empty()) {
            auto [wec, written] = co_await net::async_write(stream, net::buffer(step.out), as_result_on<Stream>());
            (void)written;
            if (wec) {
                error = proxy_io_error(wec, limit, proxy, "failed in the SOCKS5 handshake");
                co_return;
            }
        }
        in.assign(step.need, '\0');
        auto [rec, got] = co_await net::async_read(stream, net::buffer(in), as_result_on<Stream>());
        if (rec) {
            error = rec == net::error::eof
                        ? mapped_error{corest::error::proxy_error,
                                       "the proxy " + proxy.shown + " closed the connection in the SOCKS5 handshake"}
                        : proxy_io_error(rec, limit, proxy, "failed in the SOCKS5 handshake");
            co_return;
        }
        in.resize(got);
    }
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_CONNECTION_HPP
#define COREST_DETAIL_CONNECTION_HPP

// One HTTP/1.1 connection: a TCP stream, or TLS over it, plus the bytes read
// past the last response. Owned by one call at a time (a pool lease).

#include <corest/detail/timed_socket.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace corest::detail {

using plain_stream = timed_socket;
// Asio's TLS stream, not Beast's ssl_stream wrapper: Beast 1.81 declares the wrapper's
// operations through async_result<Token>::return_type, so they cannot be awaited with
// `deferred` and each read and write would allocate a coroutine frame. What the wrapper
// adds, one TLS record for a multi-buffer write, Asio 1.26's stream does itself (up to
// 8 KiB: the request head and a small body).
using tls_stream = boost::asio::ssl::stream<timed_socket>;
// TLS to the target inside TLS to an https:// proxy (a CONNECT tunnel through it).
using tls_in_tls_stream = boost::asio::ssl::stream<tls_stream&>;

struct connection {
    // Exactly one of plain and tls is set; `inner` only over `tls`, when `tls` is the TLS of
    // an https:// proxy. The TLS streams on the heap: a plain connection, pooled or waiting
    // for its response, does not carry room for one.
    std::optional<plain_stream> plain;
    std::unique_ptr<tls_stream> tls;
    std::unique_ptr<tls_in_tls_stream> inner;
    boost::beast::flat_buffer buffer;
    std::string pool_key;
    std::chrono::steady_clock::time_point idle_since{};
    unsigned requests_served = 0;
    bool http2 = false;   // speaks HTTP/2: the server picked h2 by ALPN, or h2c by prior knowledge

    timed_socket& tcp() { return tls ? tls->next_layer() : *plain; }

    /// The call is done with the connection (it goes back to the pool): its deadline ends.
    void finish_use() noexcept { tcp().finish_use(); }

    /// The deadline of the next reads and writes (detail/http1/stream_limits.hpp).
    void expires_after(std::chrono::steady_clock::duration d) { tcp().expires_after(d); }
    void expires_never() noexcept { tcp().expires_never(); }

    /// Closes the socket at once (no TLS close_notify: used after errors and timeouts).
    void close() noexcept
    {
        finish_use();
        boost::system::error_code ignored;
        tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        tcp().socket().close(ignored);
    }

    bool is_open() { return tcp().socket().is_open(); }

    // The connection is an asynchronous stream itself, TLS or not decided per operation:
    // the exchange code (detail/http1/) is compiled once, not once per stream type,
    // and a hop awaits one operation type where it would await one of two.
    using executor_type = boost::asio::any_io_executor;
    executor_type get_executor() { return tcp().get_executor(); }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBufferSequence& b) {
                if (inner) inner->async_read_some(b, std::move(handler));
                else if (tls) tls->async_read_some(b, std::move(handler));
                else plain->async_read_some(b, std::move(handler));
            },
            token, buffers);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                if (inner) inner->async_write_some(b, std::move(handler));
                else if (tls) tls->async_write_some(b, std::move(handler));
                else plain->async_write_some(b, std::move(handler));
            },
            token, buffers);
    }
};

} // namespace corest::detail

#endif

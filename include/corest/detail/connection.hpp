#ifndef COREST_DETAIL_CONNECTION_HPP
#define COREST_DETAIL_CONNECTION_HPP

// One HTTP/1.1 connection: a TCP stream, or TLS over it, plus the bytes read
// past the last response. Owned by one call at a time (a pool lease).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace corest::detail {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct connection {
    std::optional<plain_stream> plain;   // exactly one of plain / tls is set
    std::optional<tls_stream> tls;
    boost::beast::flat_buffer buffer;
    std::string pool_key;
    std::chrono::steady_clock::time_point idle_since{};
    unsigned requests_served = 0;

    boost::beast::tcp_stream& tcp() { return tls ? boost::beast::get_lowest_layer(*tls) : *plain; }

    /// Closes the socket at once (no TLS close_notify: used after errors and timeouts).
    void close() noexcept
    {
        boost::system::error_code ignored;
        tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        tcp().socket().close(ignored);
    }

    bool is_open() { return tcp().socket().is_open(); }
};

} // namespace corest::detail

#endif

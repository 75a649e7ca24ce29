#ifndef COREST_DETAIL_HTTP1_SEND_HPP
#define COREST_DETAIL_HTTP1_SEND_HPP

// Sending a request whose body is several segments (files among them), streamed in
// chunks under write_timeout. A request of one buffer is sent by the head operation
// (read_head.hpp) in the same operation that reads the answer.

#include <corest/body.hpp>
#include <corest/detail/await.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http1/message.hpp>
#include <corest/detail/http1/stream_limits.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <string>
#include <system_error>

namespace corest::detail {

/// Writes the request head, then a body of several segments streamed in chunks; `failure`
/// says what went wrong, if anything. A coroutine of its own: most requests are one write
/// (send_request).
template <class Stream>
boost::asio::awaitable<void> send_streamed_request(Stream& stream, const std::string& head, const encoded_body& body,
                                                   const exchange_limits& lim, mapped_error& failure)
{
    namespace net = boost::asio;
    const auto limit = lim.deadline.limit(lim.write_timeout);
    apply_limit(stream, limit);
    auto [ec, n] = co_await net::async_write(stream, net::buffer(head), as_result_on<Stream>());
    if (ec) {
        failure = map_limited_error(ec, phase::write, limit, lim.target());
        co_return;
    }
    body_reader reader(body);
    auto chunk = std::make_unique_for_overwrite<char[]>(body_chunk_size);
    // The call runs with throw_if_cancelled(false): a cancellation that arrives between two
    // writes reaches no write, and is seen here.
    const auto cancel_state = co_await net::this_coro::cancellation_state;
    for (;;) {
        if (is_cancelled(cancel_state)) {
            failure = cancelled_during(phase::write, lim.target());
            co_return;
        }
        std::error_code read_ec;
        std::size_t got = reader.read_some(chunk.get(), body_chunk_size, read_ec);
        if (read_ec) {
            failure = {corest::error::io_error, "could not read a multipart file part: " + read_ec.message()};
            co_return;
        }
        if (got == 0) break;
        auto [wec, wn] = co_await net::async_write(stream, net::buffer(chunk.get(), got), as_result_on<Stream>());
        if (wec) {
            failure = map_limited_error(wec, phase::write, limit, lim.target());
            co_return;
        }
    }
}

} // namespace corest::detail

#endif

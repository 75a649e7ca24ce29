#ifndef COREST_DETAIL_HTTP1_READ_BODY_HPP
#define COREST_DETAIL_HTTP1_READ_BODY_HPP

// Reading a response body into its sink after the head: straight from the buffer when it
// all came with the head, else read by read under read_timeout, decoded in bounded
// chunks (gzip, deflate) and capped after decoding.

#include <corest/detail/await.hpp>
#include <corest/detail/content_decoder.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http1/body_sink.hpp>
#include <corest/detail/http1/message.hpp>
#include <corest/detail/http1/read_head.hpp>
#include <corest/detail/http1/stream_limits.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

namespace corest::detail {

/// The body when it needs no read: all of it is buffered (a small response arrives with
/// its head), it is not decoded, and it is kept in memory or discarded. Most calls end
/// here, without the frame of read_response_body. False: read_response_body reads it.
/// Like read_response_body's declared-length path, the bytes go past the parser.
inline bool take_buffered_body(boost::beast::flat_buffer& buffer, response_parser& parser, const body_target& target,
                               body_outcome& out)
{
    if (target.where == body_target::kind::file) return false;
    const auto& head = parser.get();
    if (target.decode && head.find(boost::beast::http::field::content_encoding) != head.end()) return false;
    std::uint64_t length = 0;   // of what is left of the body
    if (!parser.is_done()) {
        const auto remaining = parser.content_length_remaining();
        if (!remaining || *remaining > buffer.size()) return false;
        length = *remaining;
    }
    if (length > target.max_bytes) {
        out.error = {corest::error::response_too_large, body_too_large_message(target.max_bytes)};
        return true;
    }
    const auto n = static_cast<std::size_t>(length);
    if (target.where == body_target::kind::memory) {
        target.memory->append(static_cast<const char*>(buffer.data().data()), n);
        body_text_scan scan;
        scan.finish(*target.memory);
        out.text_scan = scan;
    }
    buffer.consume(n);
    out.size = n;
    out.complete = true;
    return true;
}

/// Reads the body into `target`; `out` (fresh) says how that went. The outcome is written
/// through a reference: awaiting a returned one would give the caller's frame a slot for it.
template <class Stream>
boost::asio::awaitable<void> read_response_body(Stream& stream, boost::beast::flat_buffer& buffer,
                                                response_parser& parser,
                                                const body_target& target, const exchange_limits& lim,
                                                body_outcome& out)
{
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    // The call runs with throw_if_cancelled(false): a cancellation that arrives between two
    // reads reaches no read, and is seen before the next one.
    const auto cancel_state = co_await net::this_coro::cancellation_state;
    std::optional<content_decoder> decoder;
    if (target.decode) {
        corest::error derr = corest::error::ok;
        if (auto it = parser.get().find(http::field::content_encoding); it != parser.get().end())
            decoder = content_decoder::for_encoding(it->value(), derr);
        if (derr != corest::error::ok) {
            out.error = {derr, "the response has more content encodings than corest decodes (5)"};
            co_return;
        }
    }
    auto too_large = [&] { return body_too_large_message(target.max_bytes); };
    std::error_code file_ec;
    body_text_scan scan;   // of a memory body, piece by piece while it is in cache
    // Delivers decoded bytes to the target, enforcing the cap.
    auto deliver = [&](const char* data, std::size_t n) -> bool {
        if (n > target.max_bytes - out.size) {
            out.error = {corest::error::response_too_large, too_large()};
            return false;
        }
        out.size += n;
        if (target.where == body_target::kind::memory) {
            target.memory->append(data, n);
            scan.advance(*target.memory);
        } else if (target.where == body_target::kind::file) {
            target.file->write(data, n, file_ec);
            if (file_ec) {
                out.error = {corest::error::io_error, "could not write dst: " + file_ec.message()};
                return false;
            }
        }
        return true;
    };
    // Beast reads at most the buffer's free space: without room, a big body arrives
    // 512 bytes per read (and per timer re-arm). Heads stay small; bodies get 16 KiB.
    // Only when the body is not already buffered: a connection that carries small
    // responses keeps its small buffer.
    if (!parser.is_done() && buffer.capacity() < body_chunk_size &&
        parser.content_length().value_or(UINT64_MAX) > buffer.size())
        buffer.reserve(body_chunk_size);
    if (const auto declared = parser.content_length())
        reserve_declared_body(target, decoder.has_value(), *declared);
    // A body of declared length kept in memory as it comes: read straight from the socket
    // into the body string, in reads as large as what is left, past the parser (which
    // would copy every byte into the chunk and from there into the string). Only the
    // string's growth is written twice (zeroed, then read into).
    if (target.where == body_target::kind::memory && !decoder && !parser.is_done() &&
        parser.content_length_remaining()) {
        std::string& body = *target.memory;
        std::uint64_t left = *parser.content_length_remaining();
        if (left > target.max_bytes) {
            out.error = {corest::error::response_too_large, too_large()};
            co_return;
        }
        const auto buffered = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), left));
        body.append(static_cast<const char*>(buffer.data().data()), buffered);
        buffer.consume(buffered);
        left -= buffered;
        std::size_t filled = body.size();
        while (left > 0) {
            if (filled == body.size()) {   // grow by what is left, at most doubling
                const auto grow = std::min<std::uint64_t>(left, std::max<std::size_t>(body_chunk_size, filled));
                body.resize(filled + static_cast<std::size_t>(grow));
            }
            if (is_cancelled(cancel_state)) {
                body.resize(filled);
                out.size = filled;
                out.error = cancelled_during(phase::read, lim.target());
                co_return;
            }
            const auto room = std::min<std::uint64_t>(left, body.size() - filled);
            auto limit = lim.deadline.limit(lim.read_timeout);
            apply_limit(stream, limit);
            auto [read_ec, n] = co_await stream.async_read_some(
                net::buffer(body.data() + filled, static_cast<std::size_t>(room)), as_result_on<Stream>());
            filled += n;
            left -= n;
            if (read_ec) {
                body.resize(filled);
                out.size = filled;
                const boost::system::error_code ec =
                    read_ec == net::error::eof ? boost::system::error_code(http::error::partial_message) : read_ec;
                out.error = map_limited_error(ec, phase::read, limit, lim.target());
                co_return;
            }
            scan.advance(std::string_view(body.data(), filled));
        }
        body.resize(filled);
        out.size = filled;
        scan.finish(body);
        out.text_scan = scan;
        out.complete = true;
        co_return;
    }

    char* chunk = nullptr;
    auto arm_chunk = [&] {
        chunk = body_scratch();
        parser.get().body().data = chunk;
        parser.get().body().size = body_chunk_size;
    };
    // Decodes and delivers what the parser put into the chunk; false when that failed.
    auto take_chunk = [&]() -> bool {
        const std::size_t got = body_chunk_size - parser.get().body().size;
        if (got == 0) return true;
        if (!decoder) return deliver(chunk, got);
        bool ok = true;
        std::uint64_t produced = out.size;
        auto derr = decoder->feed_to(chunk, got, [&](const char* d, std::size_t k) { ok = ok && deliver(d, k); },
                                     produced, target.max_bytes);
        if (!ok) return false;
        if (derr != corest::error::ok) {
            out.error = {derr, derr == corest::error::response_too_large
                                   ? too_large()
                                   : std::string("the response body could not be decoded (") +
                                         std::string(parser.get()[http::field::content_encoding]) + ")"};
            return false;
        }
        return true;
    };
    while (!parser.is_done()) {
        auto limit = lim.deadline.limit(lim.read_timeout);
        boost::system::error_code ec;
        arm_chunk();
        const bool settled = parse_buffered(buffer, parser, ec);
        if (!take_chunk()) co_return;
        if (!settled) {
            if (is_cancelled(cancel_state)) {
                out.error = cancelled_during(phase::read, lim.target());
                co_return;
            }
            apply_limit(stream, limit);
            auto [read_ec, n] = co_await stream.async_read_some(read_room(buffer), as_result_on<Stream>());
            arm_chunk();   // after the suspension: this thread's chunk
            ec = parse_received(buffer, parser, read_ec, n);
            if (!take_chunk()) co_return;
        }
        if (ec == http::error::need_buffer) ec = {};   // the chunk is full: go round again
        if (ec) {
            out.error = map_limited_error(ec, phase::read, limit, lim.target());
            co_return;
        }
    }
    if (decoder) {
        bool ok = true;
        std::uint64_t produced = out.size;
        auto derr = decoder->finish_to([&](const char* d, std::size_t k) { ok = ok && deliver(d, k); }, produced,
                                       target.max_bytes);
        if (!ok) co_return;
        if (derr != corest::error::ok)
            out.error = {derr, derr == corest::error::response_too_large
                                   ? too_large()
                                   : std::string("the response body is truncated or corrupt (") +
                                         std::string(parser.get()[http::field::content_encoding]) + ")"};
    }
    if (out.error.code == corest::error::ok && target.where == body_target::kind::memory) {
        scan.finish(*target.memory);
        out.text_scan = scan;
    }
    out.complete = out.error.code == corest::error::ok && parser.is_done();
    co_return;
}

} // namespace corest::detail

#endif

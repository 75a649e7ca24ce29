#ifndef COREST_DETAIL_EXCHANGE_HPP
#define COREST_DETAIL_EXCHANGE_HPP

// One HTTP/1.1 message exchange on an open connection: send the request under
// write_timeout, read the response head (skipping interim 1xx) and then its body
// under read_timeout, with the header block capped at 64 KiB and the body capped
// while it is read (after decoding), into memory or a file sink.
// Templated on the stream: corest runs it on a connection (detail/connection.hpp, plain
// or TLS), the fuzzer over beast::test::stream. What every call in flight waits in (the
// send and the response head) is written as composed operations, with no coroutine frame.

#include <corest/body.hpp>
#include <corest/detail/await.hpp>
#include <corest/detail/body_classify.hpp>
#include <corest/detail/connect.hpp>
#include <corest/detail/content_decoder.hpp>
#include <corest/detail/deadline.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/file_sink.hpp>
#include <corest/url.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>

namespace corest::detail {

inline constexpr std::size_t header_block_limit = 64 * 1024;
inline constexpr std::size_t body_chunk_size = 16 * 1024;

using response_parser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

struct exchange_limits {
    corest::seconds write_timeout{0};
    corest::seconds read_timeout{0};
    call_deadline deadline;
    // The URL of the hop; the caller keeps it alive. A pointer: a url_view is 192 bytes
    // of every call in flight.
    const boost::urls::url_view_base* url = nullptr;

    /// The origin, for messages: built only when one is written.
    std::string target() const { return display_origin(*url); }
};

/// What an exchange sends and how it reads the answer. The caller keeps it alive while
/// the exchange runs; the awaited operation holds one pointer to it.
struct exchange_request {
    std::string head;                      // serialized request head
    const encoded_body* body = nullptr;    // null or empty: no body
    bool head_method = false;              // the response to HEAD has no body
    exchange_limits limits;
};

/// True when the body is sent in chunks by send_streamed_request (several segments, files
/// among them); else the head and body go out in one write (send_request).
inline bool needs_streaming(const encoded_body& body)
{
    return !body.single_buffer() && !body.segments.empty();
}

/// Writes the request head, then a body of several segments streamed in chunks; `failure`
/// says what went wrong, if anything. A coroutine of its own: most requests are one write
/// (send_request).
template <class Stream>
boost::asio::awaitable<void> send_streamed_request(Stream& stream, timed_socket& tcp,
                                                   const std::string& head, const encoded_body& body,
                                                   const exchange_limits& lim, mapped_error& failure)
{
    namespace net = boost::asio;
    const auto limit = lim.deadline.limit(lim.write_timeout);
    apply_limit(tcp, limit);
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

/// Reading is one socket read at a time, fed to the parser. Beast's http::async_read_some
/// keeps reading while the parser needs more (a whole header block in one operation),
/// which would let one read_timeout cover a slow but live peer's entire head; reading
/// once lets the caller restart the silence timer for every read. The two halves are
/// plain functions around the caller's own co_await, not a coroutine of their own:
/// that would cost a frame allocation per read.

/// Feeds bytes already buffered to the parser. True when that settles this step
/// (`ec` says how, need_buffer included) and no read is needed.
inline bool parse_buffered(boost::beast::flat_buffer& buffer, response_parser& parser, boost::system::error_code& ec)
{
    if (buffer.size() == 0) return false;
    buffer.consume(parser.put(buffer.data(), ec));
    if (ec != boost::beast::http::error::need_more) return true;
    ec = {};
    return false;
}

/// Feeds what one read brought (`n` bytes, or its error) to the parser.
inline boost::system::error_code parse_received(boost::beast::flat_buffer& buffer, response_parser& parser,
                                                boost::system::error_code read_ec, std::size_t n)
{
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    buffer.commit(n);
    if (read_ec == boost::asio::error::eof) {
        if (!parser.got_some()) return http::error::end_of_stream;
        parser.put_eof(ec);   // complete for a body delimited by the close, else partial_message
        return ec;
    }
    if (read_ec) return read_ec;
    buffer.consume(parser.put(buffer.data(), ec));
    if (ec == http::error::need_more) ec = {};
    return ec;
}

/// Room for the next read: what the buffer has free, at least 512 bytes, at most 64 KiB.
inline boost::beast::flat_buffer::mutable_buffers_type read_room(boost::beast::flat_buffer& buffer)
{
    return buffer.prepare(boost::beast::read_size(buffer, 65536));
}

/// The chunk a body is parsed into before it is decoded and delivered. One per thread:
/// it is filled and emptied without a suspension in between (the pointer is set right
/// before each parser.put), so calls on a thread can share it, and a response costs no
/// allocation for it.
inline char* body_scratch()
{
    thread_local const std::unique_ptr<char[]> chunk = std::make_unique_for_overwrite<char[]>(body_chunk_size);
    return chunk.get();
}

/// Sends the request, when asked to, then reads the final response head into `parser`
/// (interim 1xx responses are skipped). The send is the head and a body of at most one
/// buffer, under write_timeout (a body of several segments goes first, through
/// send_streamed_request). `received_any` tells whether any response byte arrived (a stale
/// pooled connection has none); `failure` says what went wrong, if anything.
///
/// A hand-written composed operation, not a coroutine: every call waiting for its response
/// is in here, and a coroutine would give each a frame; this state rides in the socket's
/// operation. Send and read are one operation: the hop awaits once, and its frame keeps one
/// (dead) copy of the operation's arguments, not two. The send loops over async_write_some
/// itself: asio::async_write's operation would carry a second copy of the buffers.
template <class Stream>
class response_head_op {
public:
    response_head_op(Stream& stream, timed_socket& tcp, boost::beast::flat_buffer& buffer,
                     std::optional<response_parser>& parser, const exchange_request& request, bool send_first,
                     bool& received_any, mapped_error& failure)
        : stream_(&stream), tcp_(&tcp), buffer_(&buffer), parser_(&parser), request_(&request),
          received_any_(&received_any), failure_(&failure),
          state_(send_first ? state::send_starting : state::read_starting)
    {
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0)
    {
        switch (state_) {
        case state::send_starting: {
            const auto limit = limits().deadline.limit(limits().write_timeout);
            set_bound(limit);
            apply_limit(*tcp_, limit);
            state_ = state::sending;
            send_rest(self);   // never all sent at once: a request has a head
            return;
        }
        case state::sending:
            if (ec) {
                complete(self, map_limited_error(ec, phase::write, bound(), limits().target()));
                return;
            }
            written_ += n;
            // A cancellation that arrived between two writes reaches no write: it is seen here.
            if (self.cancelled() != boost::asio::cancellation_type::none) {
                complete(self, cancelled_during(phase::write, limits().target()));
                return;
            }
            if (!send_rest(self)) return;
            // The read starts in a completion, so it may complete at once; and nothing is
            // buffered: the pool lends only connections with no bytes left over.
            *received_any_ = false;
            begin_message();
            break;
        case state::read_starting:
            *received_any_ = false;
            begin_message();
            if (buffer_->size() > 0) {
                // Buffered bytes could settle the head at once: never complete inside
                // the initiating function.
                state_ = state::resumed;
                boost::asio::post(std::move(self));
                return;
            }
            break;
        case state::resumed:
            break;
        case state::reading:
            if (settled(self, parse_received(*buffer_, **parser_, ec, n))) return;
            if (self.cancelled() != boost::asio::cancellation_type::none) {   // between two reads
                complete(self, cancelled_during(phase::read, limits().target()));
                return;
            }
            break;
        }
        for (;;) {
            // read_timeout is the longest silence: the timer restarts for every read, so a
            // slow but live peer is not cut off, and a silent one is.
            const auto limit = limits().deadline.limit(limits().read_timeout);
            set_bound(limit);
            apply_limit(*tcp_, limit);
            boost::system::error_code parse_ec;
            if (!parse_buffered(*buffer_, **parser_, parse_ec)) {
                state_ = state::reading;
                stream_->async_read_some(read_room(*buffer_), std::move(self));
                return;
            }
            if (settled(self, parse_ec)) return;
        }
    }

private:
    const exchange_limits& limits() const { return request_->limits; }
    void set_bound(const wait_limit& l)
    {
        bound_seconds_ = static_cast<float>(l.limit_seconds);
        total_binds_ = l.total_binds;
    }
    wait_limit bound() const { return {std::nullopt, total_binds_, bound_seconds_}; }

    // Writes what is left of the request: false when a write is pending; true when all of
    // it is sent.
    template <class Self>
    bool send_rest(Self& self)
    {
        const auto rest = unwritten();
        if (rest[0].size() + rest[1].size() == 0) return true;
        stream_->async_write_some(rest, std::move(self));
        return false;
    }

    // The head and the body, less the `written_` bytes already sent.
    std::array<boost::asio::const_buffer, 2> unwritten() const
    {
        const auto single = request_->body ? request_->body->single_buffer() : std::nullopt;
        boost::asio::const_buffer head = boost::asio::buffer(request_->head);
        boost::asio::const_buffer body =
            single ? boost::asio::buffer(single->data(), single->size()) : boost::asio::const_buffer();
        if (written_ < head.size()) return {head + written_, body};
        return {boost::asio::const_buffer(), body + (written_ - head.size())};
    }

    void begin_message()
    {
        parser_->emplace();
        (*parser_)->header_limit(header_block_limit);
        (*parser_)->body_limit(boost::none);
        if (request_->head_method) (*parser_)->skip(true);
    }

    template <class Self>
    void complete(Self& self, mapped_error failure)
    {
        *failure_ = std::move(failure);
        self.complete();
    }

    // After bytes were parsed (with `ec`): true when the operation completed; false when
    // more must be read (the head is not complete, or it was an interim response).
    template <class Self>
    bool settled(Self& self, boost::system::error_code ec)
    {
        namespace http = boost::beast::http;
        response_parser& parser = **parser_;
        if (parser.got_some() || buffer_->size() > 0) *received_any_ = true;
        if (ec == http::error::need_buffer && parser.is_header_done()) ec = {};   // body bytes wait
        if (ec) {
            complete(self, map_limited_error(ec, phase::read, bound(), limits().target()));
            return true;
        }
        if (!parser.is_header_done()) return false;
        const unsigned status = parser.get().result_int();
        if (status < 100) {   // three digits ("000"-"099") but no status class: not a response
            complete(self, {corest::error::protocol_error, "malformed response: status code " +
                                                               std::to_string(status) + " is not 100-999 (read " +
                                                               limits().target() + ")"});
            return true;
        }
        if (status >= 100 && status < 200 && status != 101) {   // 100 Continue, 103 Early Hints
            begin_message();
            return false;
        }
        self.complete();
        return true;
    }

    enum class state : unsigned char { send_starting, sending, read_starting, resumed, reading };

    Stream* stream_;
    timed_socket* tcp_;
    boost::beast::flat_buffer* buffer_;
    std::optional<response_parser>* parser_;
    const exchange_request* request_;
    bool* received_any_;
    mapped_error* failure_;
    std::size_t written_ = 0;   // bytes of the request sent
    // What bounds the write or read under way, for its TIMEOUT message: the limit's value,
    // and whether it is the call's deadline. Not a whole wait_limit: each waiting call has
    // this operation.
    float bound_seconds_ = 0;
    bool total_binds_ = false;
    state state_;
};

/// Sends `request` (its head and a body of at most one buffer) when `send_first`, then
/// reads the response head: see response_head_op.
template <class Stream, class Token>
auto response_head(Stream& stream, timed_socket& tcp, boost::beast::flat_buffer& buffer,
                   std::optional<response_parser>& parser, const exchange_request& request, bool send_first,
                   bool& received_any, mapped_error& failure, Token&& token)
{
    return boost::asio::async_compose<Token, void()>(
        response_head_op<Stream>(stream, tcp, buffer, parser, request, send_first, received_any, failure), token);
}

/// Where a response body goes: memory (capped), a file (dst), or nowhere (a
/// redirect being followed: read to the end so the connection can be reused).
struct body_target {
    std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max();   // decoded bytes
    std::string* memory = nullptr;
    file_sink* file = nullptr;
    const std::string* dst_path = nullptr;   // with kind::file: where the sink is opened (the request's dst)
    enum class kind : unsigned char { memory, file, discard } where = kind::memory;
    bool decode = true;   // decompress gzip/deflate
};

struct body_outcome {
    mapped_error error;
    std::uint64_t size = 0;   // decoded bytes delivered
    std::optional<body_text_scan> text_scan;   // a memory body read to its end without error
    bool complete = false;                     // the body was read to its end
};

inline std::string body_too_large_message(std::uint64_t max_bytes)
{
    return "the response body is larger than max_response_bytes (" + std::to_string(max_bytes) + ")";
}

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
boost::asio::awaitable<void> read_response_body(Stream& stream, timed_socket& tcp,
                                                boost::beast::flat_buffer& buffer, response_parser& parser,
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
    // A declared length sizes the in-memory body once instead of growing it by copies;
    // capped, so a peer that declares much and sends nothing cannot make each call reserve much.
    if (target.where == body_target::kind::memory && !decoder && parser.content_length()) {
        constexpr std::uint64_t reserve_cap = 8ull * 1024 * 1024;
        target.memory->reserve(static_cast<std::size_t>(
            std::min({*parser.content_length(), target.max_bytes, reserve_cap})));
    }
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
            apply_limit(tcp, limit);
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
            apply_limit(tcp, limit);
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

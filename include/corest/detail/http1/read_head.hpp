#ifndef COREST_DETAIL_HTTP1_READ_HEAD_HPP
#define COREST_DETAIL_HTTP1_READ_HEAD_HPP

// Sending a request of one buffer and reading the final response head (interim 1xx
// skipped, header block capped at 64 KiB), one socket read at a time so that read_timeout
// is the longest silence: a composed operation with no coroutine frame, since every call
// waiting for its response is in it.

#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http1/message.hpp>
#include <corest/detail/http1/stream_limits.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <optional>
#include <string>

namespace corest::detail {

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
    response_head_op(Stream& stream, boost::beast::flat_buffer& buffer, std::optional<response_parser>& parser,
                     const exchange_request& request, bool send_first, bool& received_any, mapped_error& failure)
        : stream_(&stream), buffer_(&buffer), parser_(&parser), request_(&request),
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
            apply_limit(*stream_, limit);
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
            apply_limit(*stream_, limit);
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
auto response_head(Stream& stream, boost::beast::flat_buffer& buffer, std::optional<response_parser>& parser,
                   const exchange_request& request, bool send_first, bool& received_any, mapped_error& failure,
                   Token&& token)
{
    return boost::asio::async_compose<Token, void()>(
        response_head_op<Stream>(stream, buffer, parser, request, send_first, received_any, failure), token);
}

} // namespace corest::detail

#endif

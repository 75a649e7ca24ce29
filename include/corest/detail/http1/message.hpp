#ifndef COREST_DETAIL_HTTP1_MESSAGE_HPP
#define COREST_DETAIL_HTTP1_MESSAGE_HPP

// What one HTTP/1.1 exchange sends and the limits it reads the answer under: the request
// head and body, the write and read timeouts, the call's deadline; the response parser.

#include <corest/body.hpp>
#include <corest/detail/deadline.hpp>
#include <corest/url.hpp>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <string>

namespace corest::detail {

inline constexpr std::size_t header_block_limit = 64 * 1024;
inline constexpr std::size_t body_chunk_size = 16 * 1024;

using response_parser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

struct exchange_limits {
    corest::seconds write_timeout{0};
    corest::seconds read_timeout{0};
    call_deadline deadline;
    // The URL of the hop; the caller keeps it alive. A pointer, not a url_view: each call
    // in flight holds it.
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

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_HTTP2_EXCHANGE_HPP
#define COREST_DETAIL_HTTP2_EXCHANGE_HPP

// One request/response as a stream of an HTTP/2 connection: the request head the
// HTTP/1.1 path would send, turned into HTTP/2 fields; the wait for the response head
// and each piece of the body under read_timeout (the silence of this stream only); the
// body through the same sinks as HTTP/1.1. A timeout or a cancel resets this stream alone
// (RST_STREAM CANCEL); the other calls on the connection go on.

#include <corest/detail/body_writer.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http1/message.hpp>
#include <corest/detail/http1/response.hpp>
#include <corest/detail/http2/connection.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

inline bool is_connection_specific(std::string_view lower_name)
{
    return lower_name == "connection" || lower_name == "keep-alive" || lower_name == "proxy-connection" ||
           lower_name == "transfer-encoding" || lower_name == "upgrade" || lower_name == "host";
}

/// The HTTP/2 fields of a request whose HTTP/1.1 head is `head` (corest's own: a request
/// line in origin form, then one field per line): the pseudo-headers from the request
/// line and Host, names in lower case, connection-specific fields left out (RFC 9113
/// section 8.2.2; TE only as "trailers").
inline h2_session::field_list h2_fields(std::string_view head, std::string_view scheme)
{
    h2_session::field_list out;
    auto eol = head.find("\r\n");
    const std::string_view request_line = head.substr(0, eol);
    const auto sp1 = request_line.find(' ');
    const auto sp2 = request_line.rfind(' ');
    out.emplace_back(":method", std::string(request_line.substr(0, sp1)));
    out.emplace_back(":scheme", std::string(scheme));
    out.emplace_back(":authority", std::string());
    out.emplace_back(":path", std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1)));
    while (eol != std::string_view::npos) {
        const auto start = eol + 2;
        eol = head.find("\r\n", start);
        const std::string_view line = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
        const auto colon = line.find(':');
        if (line.empty() || colon == std::string_view::npos) continue;
        std::string name(line.substr(0, colon));
        for (char& c : name) c = ascii_lower(c);
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        if (name == "host") {
            out[2].second = std::string(value);
            continue;
        }
        if (is_connection_specific(name)) continue;
        if (name == "te" && value != "trailers") continue;
        out.emplace_back(std::move(name), std::string(value));
    }
    return out;
}

/// The end of a wait for news: read_timeout (restarted by every piece of news), or what
/// is left of the call when that is sooner; max when neither bounds it.
inline std::chrono::steady_clock::time_point wait_end(const wait_limit& limit)
{
    if (!limit.duration) return std::chrono::steady_clock::time_point::max();
    return std::chrono::steady_clock::now() + *limit.duration;
}

/// The response's Content-Length, when it has one that is a number (nghttp2 holds the
/// DATA frames to it).
inline std::optional<std::uint64_t> declared_length(const boost::beast::http::response_header<>& head)
{
    const auto it = head.find(boost::beast::http::field::content_length);
    if (it == head.end()) return std::nullopt;
    const auto text = it->value();
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

/// The outcome of a stream for the hop besides hop_output: whether the request may be
/// sent again on another connection because this one did not process it.
struct h2_send_outcome {
    bool not_processed = false;   // the connection took no stream, or refused it unprocessed
    std::optional<clock::time_point> head_at;   // when the response head arrived
};

/// Runs one request on `conn` into `out` (a fresh hop_output).
inline boost::asio::awaitable<void> h2_exchange(h2_connection& conn, const exchange_request& in,
                                                std::string_view scheme, const body_decider& decide,
                                                hop_output& out, h2_send_outcome& sent)
{
    namespace net = boost::asio;
    const exchange_limits& lim = in.limits;
    h2_call_stream s(co_await net::this_coro::executor);
    // A cancel that comes while the call is not waiting on its bell reaches no operation:
    // the call looks at its state before every wait (else it would wait for read_timeout).
    const net::cancellation_state cancel_state = co_await net::this_coro::cancellation_state;
    if (in.body && !in.body->empty()) s.body = in.body;
    if (!conn.submit(h2_fields(in.head, scheme), s)) {
        sent.not_processed = true;
        co_return;
    }
    // The stream is detached on every way out: nothing the connection does later reaches
    // this frame.
    struct detach_guard {
        h2_connection& c;
        h2_call_stream& s;
        ~detach_guard() { c.detach(s); }
    } guard{conn, s};
    out.http2 = true;

    // What ended the stream early, if anything: sets out.error or sent.not_processed.
    auto stream_ended_early = [&](const h2_stream& st) {
        if (st.failure.code != corest::error::ok) {
            out.error = st.failure;
        } else if (st.not_processed) {
            sent.not_processed = true;
        } else {
            std::string why = "the HTTP/2 stream to " + lim.target() + " ended before the response was complete";
            if (st.peer_reset_seen)
                why = "the server reset the HTTP/2 stream to " + lim.target() + " (" +
                      nghttp2_http2_strerror(st.peer_reset) + ") before the response was complete";
            out.error = {corest::error::connection_closed, std::move(why)};
        }
    };
    // The stream's bell rings for news, or when the connection's sweeper finds the wait's
    // end passed (timed_out); the caller's cancel ends the wait on the bell itself.
    auto timed_out = [&](phase p, const wait_limit& limit) { out.error = limited_timeout(p, limit, lim.target()); };

    // The response head.
    boost::beast::http::response_header<> head;
    for (;;) {
        enum { waiting, have_head, early, late } now = waiting;
        // While the request body goes out (as the server's window lets it), the wait is
        // the send's: write_timeout, restarted by every piece sent; then read_timeout.
        const phase waiting_on = conn.sending(s) ? phase::write : phase::read;
        const auto limit = lim.deadline.limit(waiting_on == phase::write ? lim.write_timeout : lim.read_timeout);
        conn.with_stream(s, wait_end(limit), [&](h2_stream& st) {
            if (st.head_done) {
                now = have_head;
                head.result(st.status);
                head.reason(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(st.status)));
                for (const auto& [name, value] : st.headers) head.insert(name, value);
                st.headers.clear();
                st.timed_out = false;
            } else if (st.closed || st.failure.code != corest::error::ok) {
                stream_ended_early(st);
                now = early;
            } else if (st.timed_out) {
                now = late;
            }
            return now != waiting;
        });
        if (now == have_head) break;
        if (now == early) co_return;
        if (now == late) {
            timed_out(waiting_on, limit);
            co_return;
        }
        if (is_cancelled(cancel_state)) {
            out.error = cancelled_during(waiting_on, lim.target());
            co_return;
        }
        auto [ec] = co_await s.bell.async_receive(as_result);
        if (ec) {
            out.error = cancelled_during(waiting_on, lim.target());
            co_return;
        }
    }
    sent.head_at = clock::now();
    take_response_head(head, out, lim.target());
    if (out.error.code != corest::error::ok) co_return;

    // The body.
    body_target where = decide(out);
    if (where.where == body_target::kind::file && !open_body_file(where, out)) co_return;
    if (where.where == body_target::kind::memory) where.memory = &out.body;
    const auto encoding = head.find(boost::beast::http::field::content_encoding);
    body_writer writer(where, out, encoding == head.end() ? std::string_view() : std::string_view(encoding->value()));
    if (writer.failed()) co_return;
    reserve_declared_body(where, writer.decodes(), declared_length(head));
    std::string piece;
    for (;;) {
        enum { waiting, ended, early, late } now = waiting;
        const auto limit = lim.deadline.limit(lim.read_timeout);
        conn.with_stream(s, wait_end(limit), [&](h2_stream& st) {
            piece.swap(st.data);
            st.data.clear();
            if (st.ended && st.failure.code == corest::error::ok) now = ended;
            else if (st.closed || st.failure.code != corest::error::ok) now = early;
            else if (!piece.empty()) st.timed_out = false;   // news: the wait starts again
            else if (st.timed_out) now = late;
            if (now == early) stream_ended_early(st);
            return now != waiting;
        });
        if (!writer.write(piece.data(), piece.size()) || now == early) co_return;
        piece.clear();
        if (now == ended) {
            writer.finish();
            co_return;
        }
        if (now == late) {
            timed_out(phase::read, limit);
            co_return;
        }
        if (is_cancelled(cancel_state)) {
            out.error = cancelled_during(phase::read, lim.target());
            co_return;
        }
        auto [ec] = co_await s.bell.async_receive(as_result);
        if (ec) {
            out.error = cancelled_during(phase::read, lim.target());
            co_return;
        }
    }
}

} // namespace corest::detail

#endif

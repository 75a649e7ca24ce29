#ifndef COREST_DETAIL_HTTP2_SESSION_HPP
#define COREST_DETAIL_HTTP2_SESSION_HPP

// The HTTP/2 protocol of one client connection, without I/O: nghttp2 does the framing,
// HPACK and flow control; this class gives it the bytes read (receive), takes the bytes
// to write (produce), and keeps each call's stream state (h2_stream) up to date from
// nghttp2's callbacks. The connection (connection.hpp) does the reading and writing and
// the locking; the tests drive a session against an nghttp2 server session in memory.

#include <corest/body.hpp>
#include <corest/detail/error_mapping.hpp>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corest::detail {

/// One request/response on an HTTP/2 connection, as the call and the session share it.
/// The call owns it (it lives in the call's frame); the session writes it under the
/// connection's lock while the call is attached (session::submit until session::detach).
struct h2_stream {
    std::int32_t id = -1;

    // The response, filled by the session.
    unsigned status = 0;                                        // of the final (non-1xx) head
    std::vector<std::pair<std::string, std::string>> headers;   // names lower case, as received
    bool head_done = false;                                      // the final head is complete
    std::string data;            // body bytes received and not yet taken by the call
    std::uint64_t unconsumed = 0;   // bytes received whose window the call has not given back
    bool ended = false;          // the response is complete (END_STREAM)
    bool closed = false;         // nghttp2 closed the stream (after `ended`, or reset)
    bool not_processed = false;  // refused (REFUSED_STREAM, or above GOAWAY's last stream id): may be re-sent
    std::uint32_t peer_reset = 0;   // RST_STREAM error code from the server (0: none, or NO_ERROR)
    bool peer_reset_seen = false;
    mapped_error failure;        // set: the stream ended in this error (protocol, I/O of its body, connection)

    // The request body (null: none), read by nghttp2 as flow control allows.
    const encoded_body* body = nullptr;
    std::optional<body_reader> reader;
    bool body_sent = false;   // the request's last byte went to nghttp2 (or it has none):
                              // the call's wait is then for the response, not for sending

    // The call's wait: until when it waits for news (read_timeout, or what is left of the
    // call), and whether that passed first. Set by the call and the connection's sweeper.
    std::chrono::steady_clock::time_point wait_until = std::chrono::steady_clock::time_point::max();
    bool timed_out = false;

    // Where the session is in this stream's header blocks.
    bool in_interim = false;     // reading a 1xx head, which is skipped
    std::size_t header_bytes = 0;

    /// The call has something new to look at.
    bool has_news() const { return head_done || !data.empty() || ended || closed || failure.code != corest::error::ok; }
};

/// The settings corest asks of a server, and its own limits.
struct h2_settings {
    // Flow-control windows: large enough that a big body is not throttled on a fast link,
    // small enough to bound what one stream (and the whole connection) may hold unread.
    std::uint32_t stream_window = 4u * 1024 * 1024;
    std::uint32_t connection_window = 32u * 1024 * 1024;
    std::uint32_t max_header_list = 64u * 1024;   // the same 64 KiB as an HTTP/1.1 head
    std::uint32_t max_concurrent_streams = 100;   // streams the server may open to us: none (no push)
};

class h2_session {
public:
    explicit h2_session(const h2_settings& s = {}) : settings_(s)
    {
        nghttp2_session_callbacks* cbs = nullptr;
        if (nghttp2_session_callbacks_new(&cbs) != 0) throw std::bad_alloc();
        nghttp2_session_callbacks_set_on_header_callback(cbs, &h2_session::on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &h2_session::on_frame_recv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &h2_session::on_data_chunk);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &h2_session::on_stream_close);
        nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, &h2_session::on_invalid_frame);
        nghttp2_session_callbacks_set_error_callback2(cbs, &h2_session::on_error);
        nghttp2_option* opt = nullptr;
        if (nghttp2_option_new(&opt) != 0) {
            nghttp2_session_callbacks_del(cbs);
            throw std::bad_alloc();
        }
        // The window is given back as the call takes the bytes, so a slow reader (a call
        // writing to a slow disk) holds at most a window, not the whole body.
        nghttp2_option_set_no_auto_window_update(opt, 1);
        // Bounds against a hostile server: CONTINUATION frames per header block, SETTINGS
        // entries, queued PING and SETTINGS acknowledgements (nghttp2's default 1000).
        nghttp2_option_set_max_continuations(opt, 8);
        nghttp2_option_set_max_settings(opt, 32);
        const int rv = nghttp2_session_client_new2(&session_, cbs, this, opt);
        nghttp2_option_del(opt);
        nghttp2_session_callbacks_del(cbs);
        if (rv != 0) throw std::bad_alloc();
        const nghttp2_settings_entry entries[] = {
            {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
            {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings_.max_concurrent_streams},
            {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings_.stream_window},
            {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings_.max_header_list},
        };
        nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries, std::size(entries));
        nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                              static_cast<std::int32_t>(settings_.connection_window));
    }

    h2_session(const h2_session&) = delete;
    h2_session& operator=(const h2_session&) = delete;
    ~h2_session() { nghttp2_session_del(session_); }

    /// A request head as (lower-case name, value) pairs, pseudo-headers first.
    using field_list = std::vector<std::pair<std::string, std::string>>;

    /// Starts a request on a new stream; `s` (with its body, if any) is attached until
    /// detach(). False when the connection takes no new stream (GOAWAY, ids used up).
    bool submit(const field_list& fields, h2_stream& s)
    {
        if (!accepts_streams()) return false;
        std::vector<nghttp2_nv> nva;
        nva.reserve(fields.size());
        for (const auto& [name, value] : fields)
            nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                           reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                           value.size(), NGHTTP2_NV_FLAG_NONE});
        nghttp2_data_provider provider{};
        const bool has_body = s.body && !s.body->segments.empty() && s.body->content_length > 0;
        s.body_sent = !has_body;
        if (has_body) {
            s.reader.emplace(*s.body);
            provider.source.ptr = &s;
            provider.read_callback = &h2_session::read_body;
        }
        const std::int32_t id =
            nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), has_body ? &provider : nullptr, &s);
        if (id < 0) {
            no_more_streams_ = true;
            s.reader.reset();
            return false;
        }
        s.id = id;
        ++started_;
        attached_.push_back(&s);
        return true;
    }

    /// The call is done with `s`: whatever nghttp2 still does with the stream no longer
    /// reaches it. A stream not yet closed is reset (CANCEL); its unread bytes' window is
    /// given back so the connection's window does not shrink.
    void detach(h2_stream& s)
    {
        if (s.id < 0) return;
        if (s.unconsumed > 0) nghttp2_session_consume(session_, s.id, static_cast<std::size_t>(s.unconsumed));
        s.unconsumed = 0;
        if (!s.closed) {
            nghttp2_session_set_stream_user_data(session_, s.id, nullptr);
            nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_CANCEL);
            forget(s);   // no close callback reaches it now
        }
        s.reader.reset();
        s.id = -1;
    }

    /// The call took `n` bytes of `s`'s data: their window goes back to the server.
    void consumed(h2_stream& s, std::size_t n)
    {
        if (s.id < 0 || n == 0) return;
        n = static_cast<std::size_t>(std::min<std::uint64_t>(n, s.unconsumed));
        s.unconsumed -= n;
        nghttp2_session_consume(session_, s.id, n);
    }

    /// Hands bytes read from the server to nghttp2. False when the connection is broken
    /// (a protocol or flow-control violation, a flood): failure() says why.
    bool receive(const char* data, std::size_t n)
    {
        const auto rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(data), n);
        if (rv < 0) {
            fail_connection(rv);
            return false;
        }
        fail_if_ended();
        return true;
    }

    /// Appends what nghttp2 has to send to `out`, up to about `max` bytes. False when the
    /// session broke while producing.
    bool produce(std::string& out, std::size_t max)
    {
        while (out.size() < max) {
            const std::uint8_t* chunk = nullptr;
            const auto n = nghttp2_session_mem_send(session_, &chunk);
            if (n < 0) {
                fail_connection(n);
                return false;
            }
            if (n == 0) break;
            out.append(reinterpret_cast<const char*>(chunk), static_cast<std::size_t>(n));
        }
        fail_if_ended();
        return true;
    }

    /// The streams whose state changed since the last call, for their calls to be woken.
    std::vector<h2_stream*> take_touched()
    {
        std::vector<h2_stream*> out;
        out.swap(touched_);
        return out;
    }

    /// Neither side has anything more to say: the connection can be closed.
    bool finished() const { return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_); }
    bool wants_write() const { return nghttp2_session_want_write(session_) != 0; }

    /// New streams may start here: no GOAWAY, ids left, room under the server's limit.
    bool accepts_streams() const
    {
        return !goaway_ && !no_more_streams_ && failure_.code == corest::error::ok && !finished() &&
               attached_.size() < max_streams() && (stream_budget_ == 0 || started_ < stream_budget_);
    }
    /// The server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until it says).
    std::uint32_t max_streams() const
    {
        return std::min<std::uint32_t>(
            nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 100000);
    }
    std::size_t active_streams() const { return attached_.size(); }
    /// The streams whose calls wait on them.
    const std::vector<h2_stream*>& attached() const { return attached_; }
    /// At most `n` streams in all on this connection (0: no limit): the server was seen to
    /// close its connections after that many (goaway_processed).
    void limit_streams(std::uint32_t n) { stream_budget_ = n; }
    bool goaway_received() const { return goaway_; }
    /// After a graceful GOAWAY: how many streams the server processed on this connection
    /// (client streams are 1, 3, 5, ...), which tells how many it takes per connection.
    std::optional<std::uint32_t> goaway_processed() const { return goaway_processed_; }
    /// Streams started on this connection.
    std::uint32_t streams_started() const { return started_; }
    const mapped_error& failure() const { return failure_; }

    /// Marks the connection failed (its transport broke): every attached stream ends in
    /// `e` unless its response was complete.
    void fail_all(const mapped_error& e)
    {
        if (failure_.code == corest::error::ok) failure_ = e;
        nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
        for (h2_stream* s : attached_) {
            if (!s->ended && s->failure.code == corest::error::ok) s->failure = e;
            s->closed = true;
            s->reader.reset();
            nghttp2_session_set_stream_user_data(session_, s->id, nullptr);
            touch(*s);
        }
        attached_.clear();
    }

private:
    static h2_session& self(void* user) { return *static_cast<h2_session*>(user); }

    h2_stream* stream_of(std::int32_t id) const
    {
        return static_cast<h2_stream*>(nghttp2_session_get_stream_user_data(session_, id));
    }

    // nghttp2 ended the session (a frame broke the protocol, or a flood: it sends GOAWAY
    // and reads no more): the streams still waiting will hear nothing else.
    void fail_if_ended()
    {
        if (attached_.empty() || nghttp2_session_want_read(session_)) return;
        if (goaway_ && last_error_.empty()) {
            // The server's GOAWAY, and no stream of ours is active: those still attached
            // were queued, never sent (nghttp2 opens no stream after a GOAWAY). They were
            // not processed and may go to another connection.
            for (h2_stream* s : attached_) {
                s->not_processed = true;
                s->closed = true;
                s->reader.reset();
                nghttp2_session_set_stream_user_data(session_, s->id, nullptr);
                touch(*s);
            }
            attached_.clear();
            return;
        }
        fail_all({corest::error::protocol_error,
                  "the HTTP/2 connection broke: " + (last_error_.empty() ? std::string("the session ended") : last_error_)});
    }

    void forget(h2_stream& s) { attached_.erase(std::remove(attached_.begin(), attached_.end(), &s), attached_.end()); }

    void touch(h2_stream& s)
    {
        if (std::find(touched_.begin(), touched_.end(), &s) == touched_.end()) touched_.push_back(&s);
    }

    void fail_connection(std::ptrdiff_t rv)
    {
        std::string why = last_error_.empty() ? nghttp2_strerror(static_cast<int>(rv)) : last_error_;
        const auto code = rv == NGHTTP2_ERR_NOMEM ? corest::error::unknown_error : corest::error::protocol_error;
        fail_all({code, "the HTTP/2 connection broke: " + why});
    }

    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                         const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* user)
    {
        h2_session& me = self(user);
        if (frame->hd.type != NGHTTP2_HEADERS) return 0;
        h2_stream* s = me.stream_of(frame->hd.stream_id);
        if (!s) return 0;
        const std::string_view n(reinterpret_cast<const char*>(name), namelen);
        const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
        if (s->head_done) return 0;   // trailers: not reported
        // RFC 9113's accounting: each field costs its name, value and 32 bytes.
        s->header_bytes += namelen + valuelen + 32;
        if (s->header_bytes > me.settings_.max_header_list) {
            s->failure = {corest::error::protocol_error,
                          "the response header block is larger than " +
                              std::to_string(me.settings_.max_header_list / 1024) + " KiB"};
            me.touch(*s);
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;   // resets the stream
        }
        if (n == ":status") {
            unsigned code = 0;
            for (char c : v) code = code * 10 + static_cast<unsigned>(c - '0');   // nghttp2 checked: 3 digits
            s->in_interim = code >= 100 && code < 200;
            if (!s->in_interim) s->status = code;
            return 0;
        }
        if (s->in_interim || (!n.empty() && n.front() == ':')) return 0;
        s->headers.emplace_back(n, v);
        return 0;
    }

    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user)
    {
        h2_session& me = self(user);
        switch (frame->hd.type) {
        case NGHTTP2_GOAWAY:
            me.goaway_ = true;
            if (frame->goaway.error_code == NGHTTP2_NO_ERROR) me.goaway_processed_ = (frame->goaway.last_stream_id + 1) / 2;
            return 0;
        case NGHTTP2_HEADERS:
        case NGHTTP2_DATA:
        case NGHTTP2_RST_STREAM: break;
        default: return 0;
        }
        h2_stream* s = me.stream_of(frame->hd.stream_id);
        if (!s) return 0;
        if (frame->hd.type == NGHTTP2_RST_STREAM) {
            s->peer_reset_seen = true;
            s->peer_reset = frame->rst_stream.error_code;
        } else if (frame->hd.type == NGHTTP2_HEADERS) {
            if (s->in_interim) s->in_interim = false;   // the 1xx head ended: the next one counts afresh
            else s->head_done = s->status != 0;
            s->header_bytes = 0;
        }
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) s->ended = true;
        me.touch(*s);
        return 0;
    }

    static int on_data_chunk(nghttp2_session* session, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                             std::size_t len, void* user)
    {
        h2_session& me = self(user);
        h2_stream* s = me.stream_of(stream_id);
        if (!s) {   // a stream its call gave up: its window goes back at once
            nghttp2_session_consume(session, stream_id, len);
            return 0;
        }
        s->data.append(reinterpret_cast<const char*>(data), len);
        s->unconsumed += len;
        me.touch(*s);
        return 0;
    }

    static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code, void* user)
    {
        h2_session& me = self(user);
        h2_stream* s = me.stream_of(stream_id);
        if (!s) return 0;
        s->closed = true;
        if (error_code == NGHTTP2_REFUSED_STREAM && !s->head_done) s->not_processed = true;
        s->reader.reset();
        me.forget(*s);
        me.touch(*s);
        return 0;
    }

    static int on_invalid_frame(nghttp2_session*, const nghttp2_frame* frame, int lib_error_code, void* user)
    {
        h2_session& me = self(user);
        if (h2_stream* s = me.stream_of(frame->hd.stream_id); s && s->failure.code == corest::error::ok) {
            s->failure = {corest::error::protocol_error,
                          std::string("the HTTP/2 response broke the protocol: ") + nghttp2_strerror(lib_error_code)};
            me.touch(*s);
        }
        return 0;
    }

    static int on_error(nghttp2_session*, int, const char* msg, std::size_t len, void* user)
    {
        self(user).last_error_.assign(msg, len);
        return 0;
    }

    static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                             std::uint32_t* flags, nghttp2_data_source* source, void* user)
    {
        auto* s = static_cast<h2_stream*>(source->ptr);
        if (!s || !s->reader) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            if (s) s->body_sent = true;
            return 0;
        }
        std::error_code ec;
        const std::size_t n = s->reader->read_some(reinterpret_cast<char*>(buf), length, ec);
        if (ec) {
            s->failure = {corest::error::io_error, "could not read a multipart file part: " + ec.message()};
            self(user).touch(*s);
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
        if (n == 0) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            s->body_sent = true;
        }
        // Progress: the call's write_timeout (the longest stall while sending) starts again.
        self(user).touch(*s);
        return static_cast<ssize_t>(n);
    }

    friend class h2_session_test_access;

    h2_settings settings_;
    nghttp2_session* session_ = nullptr;
    std::vector<h2_stream*> touched_;
    std::vector<h2_stream*> attached_;   // streams whose calls wait on them
    bool goaway_ = false;
    std::optional<std::uint32_t> goaway_processed_;
    std::uint32_t started_ = 0;
    std::uint32_t stream_budget_ = 0;   // streams this connection may start (0: no limit)
    bool no_more_streams_ = false;
    mapped_error failure_;
    std::string last_error_;
};

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_HOP_HPP
#define COREST_DETAIL_HOP_HPP

// One request/response hop on a pooled connection: lease (reuse an idle
// connection or take a slot and connect), send, read the head, let the caller
// decide where the body goes, read it, and give the connection back only when
// the response was read to its end and keep-alive holds. A reused connection
// that fails before any response byte is replaced and the request re-sent once.

#include <corest/detail/client_state.hpp>
#include <corest/detail/connect.hpp>
#include <corest/detail/exchange.hpp>
#include <corest/detail/http1/response.hpp>
#include <corest/detail/http2/exchange.hpp>
#include <corest/detail/pool/h2_pool.hpp>
#include <corest/detail/pool/lease.hpp>
#include <corest/detail/resolve_overrides.hpp>
#include <corest/detail/response_headers.hpp>
#include <corest/redirect.hpp>
#include <corest/url.hpp>

#include <charconv>
#include <memory>
#include <string>
#include <vector>

namespace corest::detail {

struct hop_input : exchange_request {   // the head, body, HEAD flag and limits to send with
    // The caller keeps what these point at alive while the hop runs (pointers, not copies
    // or views: they are in every call's frame).
    const boost::urls::url_view_base* url = nullptr;
    const tls_settings* tls = nullptr;     // required for an https URL ...
    const std::string* tls_pool_key = nullptr;   // ... with its tls_pool_key(), made once per call
    corest::seconds connect_timeout{20};
    std::vector<std::string>* log = nullptr;   // where the hop's log lines go (the call's log); null: nowhere
    const resolve_overrides* resolve = nullptr;   // the call's `resolve` input, if any
    proxy_route route;   // the proxy of this hop (route.proxy null: direct)
    http_version_mode http_version = http_version_mode::automatic;
    const mapped_error* refused = nullptr;   // set: the hop may not be sent (a bad proxy URL in the environment)
};

/// The `resolve` entry this hop's host and port use instead of DNS, if any.
inline const resolve_override* override_for(const hop_input& in)
{
    if (!in.resolve) return nullptr;
    const origin o = origin_of(*in.url);
    return in.resolve->find(o.host, o.port);
}

/// The pool key of a hop: its origin (as origin::key() writes it), and for https the TLS
/// settings. Built in one string for the common host (a name or IPv4 address without
/// escapes): this runs for every hop.
inline std::string hop_pool_key(const hop_input& in, bool& use_tls)
{
    const boost::urls::url_view_base& u = *in.url;
    use_tls = u.scheme_id() == boost::urls::scheme::https;
    std::string key;
    const std::string_view host = u.encoded_host();
    const auto type = u.host_type();
    if ((type == boost::urls::host_type::name || type == boost::urls::host_type::ipv4) &&
        host.find('%') == std::string_view::npos) {
        const std::string_view scheme = u.scheme();
        char port[8];
        const auto port_end = std::to_chars(port, port + sizeof port, effective_port(u)).ptr;
        key.reserve(scheme.size() + host.size() + 12);
        key.append(scheme).append("://").append(host);
        for (char& c : key) c = ascii_lower(c);
        key += ':';
        key.append(port, port_end);
    } else {
        key = origin_of(u).key();
    }
    if (use_tls) {
        key += '|';
        key += *in.tls_pool_key;
    }
    // A connection made to overridden addresses is not one to what DNS says.
    if (const auto* o = override_for(in)) key += "|resolve " + o->shown;
    // Through a proxy: the proxy and whose credentials (hashed: the key is never shown,
    // and still need not hold a password).
    if (const proxy_endpoint* p = in.route.proxy) {
        key += "|proxy " + p->shown;
        if (p->username)
            key += " " + std::to_string(std::hash<std::string>{}(*p->username + '\0' + p->password.value_or("")));
        if (const auto* o = in.route.proxy_fixed) key += "|resolve " + o->shown;
    }
    return key;
}

/// Waits for a slot to `key` when none is free (a cap is reached, or others wait). On
/// success `lease` holds the slot, and the open connection another call handed over on
/// its way back to the pool when there is one; else out.error says why. A coroutine of its
/// own (the pool's wait is one more): a call that finds a free slot has neither frame.
inline boost::asio::awaitable<void> wait_for_slot(client_state& st, const hop_input& in, const std::string& key,
                                                  hop_output& out, pool_lease& lease)
{
    auto grant = co_await st.pool.acquire_slot(key, in.limits.deadline.at());
    if (grant.status == slot_wait::cancelled)
        out.error = cancelled_during(phase::pool, in.limits.target());
    else if (grant.status == slot_wait::timed_out)
        out.error = timeout_error(phase::pool, "total_timeout", in.limits.deadline.total_seconds(), in.limits.target());
    else if (grant.handed)
        lease.adopt(std::move(grant.handed));
    else
        lease.hold_slot();
}

/// A call that opens a connection that may speak HTTP/2 (h2_pool::start_opening): it tells
/// the calls waiting for that connection when it is made or failed, on every way out.
struct opening_guard {
    h2_pool* pool = nullptr;
    const std::string* key = nullptr;

    opening_guard() = default;
    opening_guard(h2_pool* p, const std::string* k) : pool(p), key(k) {}
    opening_guard(const opening_guard&) = delete;
    opening_guard& operator=(opening_guard&& o) noexcept
    {
        done();
        pool = std::exchange(o.pool, nullptr);
        key = o.key;
        return *this;
    }
    ~opening_guard() { done(); }

    explicit operator bool() const { return pool != nullptr; }
    void done()
    {
        if (pool) std::exchange(pool, nullptr)->finished_opening(*key);
    }
};

/// Runs the hop as a stream of `shared` (an HTTP/2 connection). True when it is over
/// (out says how); false when the connection did not process it and it may be sent again
/// on another connection.
inline boost::asio::awaitable<bool> run_h2_stream(h2_connection& shared, hop_input& in, bool use_tls,
                                                  const body_decider& decide, clock::time_point started,
                                                  bool resent, hop_output& out)
{
    h2_send_outcome sent;
    co_await h2_exchange(shared, in, use_tls ? "https" : "http", decide, out, sent);
    if (sent.not_processed && resent) {
        out.error = {corest::error::connection_closed,
                     "the HTTP/2 connection to " + in.limits.target() +
                         " did not process the request, nor did the one it was re-sent on (GOAWAY or REFUSED_STREAM)"};
        sent.not_processed = false;
    }
    out.timings.ttfb = sent.head_at ? seconds_since(started) - seconds_since(*sent.head_at) : 0.0;
    out.timings.total = seconds_since(started);
    if (!sent.not_processed) co_return true;
    // Not processed: nothing of it was kept.
    out = hop_output{};
    co_return false;
}

/// The log line of a request the server did not process on an HTTP/2 connection.
inline void note_not_processed(const hop_input& in, bool reused)
{
    if (in.log)
        in.log->push_back("the HTTP/2 connection to " + in.limits.target() +
                          (reused ? " (reused)" : "") +
                          " did not process the request (GOAWAY or REFUSED_STREAM); re-sending on another connection");
}

/// What a hop that may speak HTTP/2 does after looking at the client's connections.
enum class h2_step : unsigned char {
    answered,   // the hop ran as a stream of a shared connection: out says how
    resend,     // that connection did not process it: send it again elsewhere
    connect     // no shared connection took it: go on to a pooled or new connection
};

/// Runs the hop on a connection the client has to `key` that takes a new stream, if any.
inline boost::asio::awaitable<void> try_shared_h2(client_state& st, hop_input& in, const std::string& key, bool use_tls,
                                                  const body_decider& decide, clock::time_point started, bool resent,
                                                  hop_output& out, h2_step& step)
{
    step = h2_step::connect;
    std::shared_ptr<h2_connection> shared = st.h2.find(key, st.pool.options().idle_timeout);
    if (!shared) co_return;
    out.timings = {};
    if (co_await run_h2_stream(*shared, in, use_tls, decide, started, resent, out)) {
        step = h2_step::answered;
        co_return;
    }
    note_not_processed(in, shared->streams_started() > 1);
    step = h2_step::resend;
}

/// A new connection the server agreed to speak HTTP/2 on: shared from now on (with the pool
/// slot it was made in, freed when it closes), and the hop its first stream.
inline boost::asio::awaitable<void> start_shared_h2(client_state& st, hop_input& in, const std::string& key,
                                                    std::unique_ptr<connection>& made, pool_lease& lease,
                                                    opening_guard& opening, bool use_tls, const body_decider& decide,
                                                    clock::time_point started, bool resent, hop_output& out,
                                                    h2_step& step)
{
    made->pool_key = key;
    auto shared = std::make_shared<h2_connection>(std::move(made), key, in.limits.target(), st.executor,
                                                  [weak = st.weak_from_this(), key] {
                                                      if (auto alive = weak.lock()) alive->pool.release_slot(key);
                                                  });
    lease.forget_slot();
    st.h2.add(shared);
    opening.done();
    const auto connected = out.timings;
    if (co_await run_h2_stream(*shared, in, use_tls, decide, started, resent, out)) {
        out.timings.dns = connected.dns;
        out.timings.connect = connected.connect;
        out.timings.tls = connected.tls;
        step = h2_step::answered;
        co_return;
    }
    note_not_processed(in, false);
    step = h2_step::resend;
}

/// What a hop may speak: HTTP/2 is offered over https unless the call says 1.1, and spoken
/// over http only when the call says 2 (prior knowledge), and not to a plain http URL
/// through an HTTP proxy (that request goes to the proxy in absolute form). False (with
/// out.error) when "2" cannot be had at all.
inline bool choose_protocols(const hop_input& in, bool use_tls, bool& h2_possible, hop_output& out)
{
    const bool absolute_form = in.route.proxy && !use_tls &&
                               (in.route.proxy->type == proxy_endpoint::kind::http ||
                                in.route.proxy->type == proxy_endpoint::kind::https);
    const bool h2_only = in.http_version == http_version_mode::v2;
    h2_possible = !absolute_form && (h2_only || (use_tls && in.http_version == http_version_mode::automatic));
    if (h2_only && absolute_form) {
        out.error = {corest::error::invalid_input,
                     "input \"http_version\" \"2\" cannot reach an http:// URL through the HTTP proxy " +
                         in.route.proxy->shown + " (it takes requests in HTTP/1.1 absolute form)"};
        return false;
    }
    return true;
}

/// The log lines of `resolve` entries a new connection uses.
inline void note_resolve_overrides(const hop_input& in, const resolve_override* fixed)
{
    if (!in.log) return;
    const resolve_override* used = in.route.proxy ? in.route.proxy_fixed : fixed;
    if (used) in.log->push_back("resolve: " + used->shown + " (the resolve input, not DNS)");
}

/// Why a call stopped waiting for the connection another call was opening.
inline mapped_error opening_wait_failed(const hop_input& in, const boost::asio::cancellation_state& cancel_state)
{
    return is_cancelled(cancel_state) ? cancelled_during(phase::pool, in.limits.target())
                                      : timeout_error(phase::pool, "total_timeout", in.limits.deadline.total_seconds(),
                                                      in.limits.target());
}

inline mapped_error not_http2_error(const hop_input& in)
{
    return {corest::error::protocol_error, "the server " + in.limits.target() +
                                               " did not pick HTTP/2 by ALPN, and the input \"http_version\" is \"2\""};
}

/// Runs one hop into `out` (a fresh hop_output). By reference, like `in` and `decide`: the
/// caller keeps them in its frame while the hop runs. Every local here is in the frame of
/// every call in flight (GCC gives each its own slot): steps that do not wait are
/// plain functions.
inline boost::asio::awaitable<void> run_hop(client_state& st, hop_input& in, const body_decider& decide,
                                            hop_output& out)
{
    const auto started = clock::now();
    // Asked once: the state belongs to the call's coroutine thread and outlives the hop.
    const auto cancel_state = co_await boost::asio::this_coro::cancellation_state;
    in.limits.url = in.url;
    if (in.refused) {
        out.error = *in.refused;
        co_return;
    }
    in.route.refused_status = &out.status;
    in.route.refused_reason = &out.reason;
    bool use_tls = false;
    const std::string key = hop_pool_key(in, use_tls);
    bool h2_possible = false;
    if (!choose_protocols(in, use_tls, h2_possible, out)) co_return;
    const bool h2_only = in.http_version == http_version_mode::v2;

    for (int round = 0;; ++round) {
        // The rare branches (HTTP/2) are coroutines of their own: this frame, which every
        // HTTP/1.1 call in flight holds, keeps only their result.
        h2_step step = h2_step::connect;
        if (h2_possible) {
            co_await try_shared_h2(st, in, key, use_tls, decide, started, round > 0, out, step);
            if (step == h2_step::answered) co_return;
            if (step == h2_step::resend) continue;
        }

        // The lease closes the connection on every way out below, unless it is given back.
        pool_lease conn(st.pool, key);
        // The re-send after a stale pooled connection goes on a new connection: another
        // idle one may be just as stale (a server restart closes them all at once). A call
        // that wants HTTP/2 only takes no HTTP/1.1 connection.
        if (round == 0 && !h2_only) conn.adopt(st.pool.take_idle(key, started));
        // Whoever opens a connection that may speak HTTP/2 tells the calls waiting for it
        // when it is made (or failed); they share it instead of opening one each.
        opening_guard opening;
        if (!conn && h2_possible && st.h2.known(key) != h2_pool::protocol::http1) {
            if (!st.h2.start_opening(key)) {
                if (!co_await st.h2.wait_for_opening(key, in.limits.deadline.at())) {
                    out.error = opening_wait_failed(in, cancel_state);
                    co_return;
                }
                --round;   // not a re-send: look again
                continue;
            }
            opening = {&st.h2, &key};
        }
        if (!conn) {
            if (st.pool.try_acquire_slot(key)) conn.hold_slot();
            else {
                co_await wait_for_slot(st, in, key, out, conn);
                if (out.error.code != corest::error::ok) co_return;
            }
        }
        const bool reused = static_cast<bool>(conn);   // from the idle list, or handed over
        if (reused) {
            out.timings = {};
        } else {
            const resolve_override* fixed = override_for(in);
            note_resolve_overrides(in, fixed);
            std::unique_ptr<connection> made;
            co_await open_connection(*in.url, use_tls, in.tls, st.tls_contexts, in.connect_timeout, in.limits.deadline,
                                     key, fixed, in.route, in.http_version, out.error, out.timings, made);
            if (made && made->http2) {
                co_await start_shared_h2(st, in, key, made, conn, opening, use_tls, decide, started, round > 0, out,
                                         step);
                if (step == h2_step::answered) co_return;
                continue;
            }
            if (made && use_tls && h2_possible) st.h2.learned_http1(key);
            opening.done();
            if (!made) co_return;
            if (h2_only) {
                out.error = not_http2_error(in);
                co_return;
            }
            conn.fill(std::move(made));
        }

        const auto send_started = reused ? started : clock::now();   // a pooled connection sends at once
        std::optional<response_parser> parser;
        bool received_any = false;
        // One co_await of the head operation, not one per way of sending: each would keep
        // its own copy of the operation's arguments in this frame.
        const bool streamed = in.body && needs_streaming(*in.body);
        if (streamed) {
            co_await send_streamed_request(*conn, in.head, *in.body, in.limits, out.error);
            if (out.error.code == corest::error::ok && is_cancelled(cancel_state))
                out.error = cancelled_during(phase::write, in.limits.target());
        }
        if (out.error.code == corest::error::ok)
            co_await response_head(*conn, conn->buffer, parser, in, !streamed, received_any, out.error,
                                   boost::asio::deferred);
        if (out.error.code != corest::error::ok) {
            if (reused && !received_any && out.error.code == corest::error::connection_closed && round == 0) {
                out.error = {};
                if (in.log)
                    in.log->push_back("the pooled connection to " + in.limits.target() +
                                      " was closed by the server; re-sending on a new connection");
                continue;
            }
            out.timings.total = seconds_since(started);
            co_return;
        }
        out.timings.ttfb = seconds_since(send_started);
        take_response_head(parser->get(), out, in.limits.target());
        if (out.error.code != corest::error::ok) {
            out.timings.total = seconds_since(started);
            co_return;
        }
        if (is_cancelled(cancel_state)) {
            out.error = cancelled_during(phase::read, in.limits.target());
            co_return;
        }
        body_target where;
        if (begin_body(conn->buffer, *parser, decide, out, where))
            co_await read_response_body(*conn, conn->buffer, *parser, where, in.limits, out);
        out.timings.total = seconds_since(started);
        if (out.error.code != corest::error::ok) {
            if (out.file) out.file->abort();
            out.file.reset();
            // The part of a body over max_response_bytes is not reported: free it now.
            if (out.error.code == corest::error::response_too_large) std::string().swap(out.body);
            co_return;
        }
        // Bytes past the end of the response were not asked for (a server out of step, or
        // smuggling one response behind another): the connection is not reused for them.
        if (parser->keep_alive() && out.complete && conn->buffer.size() == 0) conn.give_back();
        co_return;
    }
}

} // namespace corest::detail

#endif

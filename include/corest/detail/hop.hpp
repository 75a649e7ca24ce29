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
#include <corest/detail/response_headers.hpp>
#include <corest/url.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace corest::detail {

struct hop_input {
    // The caller keeps what these point at alive while the hop runs (pointers, not copies
    // or views: they are in every call's frame).
    const boost::urls::url_view_base* url = nullptr;
    std::string head;                      // serialized request head
    const encoded_body* body = nullptr;    // null or empty: no body
    bool head_method = false;
    const tls_settings* tls = nullptr;     // required for an https URL
    corest::seconds connect_timeout{20};
    exchange_limits limits;
};

struct hop_output {
    mapped_error error;
    unsigned status = 0;                    // 0 when no response head arrived
    std::string reason;
    header_list headers;
    std::vector<std::string> set_cookies;
    std::optional<std::string> location;
    std::optional<std::string> retry_after;
    std::string body;                      // with body_target::kind::memory
    std::optional<body_text_scan> text_scan;   // of `body`, when it was read to its end
    std::uint64_t body_size = 0;
    std::unique_ptr<file_sink> file;        // with body_target::kind::file, not yet committed (heap: rare)
    corest::timings timings;
    std::vector<std::string> log;
};

/// Decides, from the status and headers, where the body goes.
using body_decider = std::function<body_target(unsigned status, const header_list& headers)>;

template <class F>
auto on_stream(connection& c, F&& f)
{
    return c.tls ? f(*c.tls) : f(*c.plain);
}

/// Runs one hop into `out` (a fresh hop_output). By reference, like `in` and `decide`: the
/// caller keeps them in its frame while the hop runs, and this frame stays small.
inline boost::asio::awaitable<void> run_hop(client_state& st, hop_input& in, const body_decider& decide,
                                            hop_output& out)
{
    const auto started = clock::now();
    const auto origin = origin_of(*in.url);
    const bool use_tls = origin.scheme == "https";
    in.limits.url = in.url;
    const std::string key = origin.scheme + "://" + origin.host + ":" + std::to_string(origin.port) +
                            (use_tls ? "|" + in.tls->pool_key() : std::string());

    std::shared_ptr<boost::asio::ssl::context> ssl_ctx;
    if (use_tls) {
        auto built = st.tls_contexts.get(*in.tls);
        if (!built.context) {
            out.error = {corest::error::invalid_input, built.problem};
            co_return;
        }
        ssl_ctx = built.context;
    }

    static const encoded_body no_body;
    const encoded_body& body = in.body ? *in.body : no_body;

    for (int round = 0;; ++round) {
        // The re-send after a stale pooled connection goes on a new connection: another
        // idle one may be just as stale (a server restart closes them all at once).
        std::unique_ptr<connection> conn = round == 0 ? st.pool.take_idle(key, started) : nullptr;
        if (!conn) {
            auto grant = co_await st.pool.acquire_slot(key, in.limits.deadline.at());
            conn = std::move(grant.handed);
            const slot_wait wait = grant.status;
            if (wait == slot_wait::cancelled) {
                out.error = {corest::error::cancelled, "the call was cancelled while waiting for a connection slot"};
                co_return;
            }
            if (wait == slot_wait::timed_out) {
                out.error = timeout_error(phase::total, in.limits.target() + " (waiting for a free connection slot)");
                co_return;
            }
        }
        const bool reused = conn != nullptr;
        if (!conn) {
            // Built only to connect: a call on a pooled connection needs none of it.
            const connect_target target{origin.host, origin.port, use_tls, is_ip_literal(origin.host),
                                        in.limits.target()};
            auto opened = co_await open_connection(target, ssl_ctx, *in.tls, in.connect_timeout, in.limits.deadline, key);
            out.timings.dns = opened.dns_seconds;
            out.timings.connect = opened.connect_seconds;
            out.timings.tls = opened.tls_seconds;
            if (!opened.conn) {
                st.pool.release_slot(key);
                out.error = std::move(opened.error);
                co_return;
            }
            conn = std::move(opened.conn);
        } else {
            out.timings = {};
        }

        const auto send_started = clock::now();
        auto sent = co_await on_stream(*conn, [&](auto& s) {
            return send_request(s, conn->tcp(), in.head, body, in.limits);
        });
        std::optional<response_parser> parser;
        bool received_any = false;
        mapped_error head_error = sent;
        if (sent.code == corest::error::ok) {
            // Inline rather than a helper coroutine: one frame allocation fewer per hop.
            auto cs = co_await boost::asio::this_coro::cancellation_state;
            if (cs.cancelled() != boost::asio::cancellation_type::none) head_error = cancelled_error(in.limits.target());
        }
        if (head_error.code == corest::error::ok) {
            head_error = co_await on_stream(*conn, [&](auto& s) {
                return read_response_head(s, conn->tcp(), conn->buffer, parser, in.head_method, in.limits, received_any);
            });
        }
        if (head_error.code != corest::error::ok) {
            st.pool.discard(std::move(conn));
            const bool stale = reused && !received_any && head_error.code == corest::error::connection_closed;
            if (stale && round == 0) {
                out.log.push_back("the pooled connection to " + in.limits.target() +
                                  " was closed by the server; re-sending on a new connection");
                continue;
            }
            out.error = std::move(head_error);
            out.timings.total = seconds_since(started);
            co_return;
        }
        out.timings.ttfb = seconds_since(send_started);

        auto& res = parser->get();
        out.status = res.result_int();
        out.reason = output_text(res.reason());   // obs-text: valid UTF-8 like the headers
        out.headers = normalize_headers(res);
        for (const auto& f : res)
            if (f.name() == boost::beast::http::field::set_cookie) out.set_cookies.emplace_back(f.value());
        if (auto it = res.find(boost::beast::http::field::location); it != res.end())
            out.location = std::string(it->value());
        if (auto it = res.find(boost::beast::http::field::retry_after); it != res.end())
            out.retry_after = std::string(it->value());

        auto cs_after_head = co_await boost::asio::this_coro::cancellation_state;
        if (cs_after_head.cancelled() != boost::asio::cancellation_type::none) {
            st.pool.discard(std::move(conn));
            out.error = cancelled_error(in.limits.target());
            co_return;
        }
        body_target where = decide(out.status, out.headers);
        if (where.where == body_target::kind::file) {
            std::error_code fec;
            auto sink = file_sink::open(*where.dst_path, fec);
            if (fec) {
                st.pool.discard(std::move(conn));
                out.error = {corest::error::io_error, "cannot write dst \"" + *where.dst_path + "\": " + fec.message()};
                co_return;
            }
            out.file = std::make_unique<file_sink>(std::move(sink));
            where.file = out.file.get();
        } else if (where.where == body_target::kind::memory) {
            where.memory = &out.body;
        }
        auto got = co_await on_stream(*conn, [&](auto& s) {
            return read_response_body(s, conn->tcp(), conn->buffer, *parser, where, in.limits);
        });
        out.body_size = got.size;
        out.text_scan = got.text_scan;
        out.timings.total = seconds_since(started);
        if (got.error.code != corest::error::ok) {
            st.pool.discard(std::move(conn));
            if (out.file) out.file->abort();
            out.file.reset();
            out.error = std::move(got.error);
            co_return;
        }
        if (parser->keep_alive() && got.complete) st.pool.give_back(std::move(conn));
        else st.pool.discard(std::move(conn));
        co_return;
    }
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_PIPELINE_HPP
#define COREST_DETAIL_PIPELINE_HPP

// One connection execution, end to end:
//   validate -> compose url -> encode body -> credentials
//   -> retrier (back-off, Retry-After, deadline) -> redirect follower (cookies,
//   origin-bound credentials) -> hop (pool, connect, exchange) -> result.
// Every wait is bounded by the call's deadline; errors are values.

#include <corest/auth.hpp>
#include <corest/body.hpp>
#include <corest/circuit_breaker.hpp>
#include <corest/detail/body_classify.hpp>
#include <corest/detail/cookie_jar.hpp>
#include <corest/detail/hop.hpp>
#include <corest/detail/oauth2.hpp>
#include <corest/detail/request_head.hpp>
#include <corest/detail/validate.hpp>
#include <corest/redirect.hpp>
#include <corest/result.hpp>
#include <corest/retry.hpp>
#include <corest/url.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace corest::detail {

inline bool status_in(unsigned status, const std::vector<unsigned>& list)
{
    return std::find(list.begin(), list.end(), status) != list.end();
}

/// Everything one execution carries between its attempts and hops.
struct execution {
    explicit execution(request&& r) : req(std::move(r)) {}

    request req;
    boost::urls::url first_url;
    corest::origin first_origin;   // of first_url: where credentials may go
    encoded_body body;
    credentials creds;
    call_deadline deadline;
    cookie_jar jar;
    std::vector<std::string> secrets;
    std::string api_key_query_name;    // masked in every URL we print
    std::optional<std::string> oauth_key;
    std::optional<corest::secret> oauth_token;
    result r;

    std::string show(boost::urls::url_view u) const { return redact_url(u, api_key_query_name); }
};

/// The token for an oauth2 call: from the cache, or fetched (once for all waiting calls).
inline boost::asio::awaitable<mapped_error> obtain_token(client_state& st, execution& x)
{
    x.oauth_key = token_cache_key(std::get<oauth2_client_credentials>(x.req.authentication));
    // A named function object, not a temporary inside the co_await expression: GCC 12
    // destroys captured temporaries of a co_await full-expression twice.
    token_cache<>::fetch_function fetch = [&st, &x]() {
        return fetch_token(st, std::get<oauth2_client_credentials>(x.req.authentication), x.req, x.deadline);
    };
    auto got = co_await st.tokens.get(*x.oauth_key, std::move(fetch), x.deadline.at());
    if (!got.token) {
        if (got.cancelled && got.failure.find("cancelled") != std::string::npos)
            co_return mapped_error{corest::error::cancelled, got.failure};
        co_return mapped_error{corest::error::auth_failed, got.failure};
    }
    x.oauth_token = got.token;
    x.secrets.push_back(got.token->reveal());
    co_return mapped_error{};
}

struct attempt_outcome {
    mapped_error error;      // transport or policy error; ok when a final response arrived
    hop_output last;         // the final hop (its status, headers, body)
    std::optional<boost::urls::url> url;   // the URL that gave the final response, when not first_url
    std::vector<history_entry> history;
};

/// One attempt: the first request and every redirect hop it leads to.
inline boost::asio::awaitable<attempt_outcome> run_attempt(client_state& st, execution& x)
{
    attempt_outcome out;
    const request& req = x.req;
    // The URL of the hop: first_url, then the latest Location followed. A pointer, not a
    // url_view: a Boost.URL view of a url that is later reassigned keeps stale offsets.
    boost::urls::url redirected;
    const boost::urls::url* at = &x.first_url;
    corest::method method = req.method;
    bool send_body = true;
    bool refreshed_token = false;
    unsigned hops = 0;

    for (;;) {
        const boost::urls::url& current = *at;
        const bool same_origin = hops == 0 || origin_of(current) == x.first_origin;
        hop_head_options head;
        head.method = method;
        head.send_body = send_body;
        head.same_origin_as_first = same_origin;
        std::string cookies;
        if (same_origin)
            for (const auto& [k, v] : req.cookies) cookies += (cookies.empty() ? "" : "; ") + k + "=" + v;
        auto jar_cookies = x.jar.cookie_header_for(current, std::chrono::system_clock::now());
        if (!jar_cookies.empty()) cookies += (cookies.empty() ? "" : "; ") + jar_cookies;
        head.cookie_header = std::move(cookies);
        if (same_origin) {
            if (x.creds.authorization) head.authorization = x.creds.authorization->reveal();
            if (x.oauth_token) head.authorization = "Bearer " + x.oauth_token->reveal();
            if (x.creds.api_key_header)
                head.api_key_header.emplace(*x.creds.api_key_header, x.creds.api_key_value.reveal());
        }

        hop_input in;
        in.url = current;
        in.head = build_request_head(req, current, x.body, head);
        in.body = send_body ? &x.body : nullptr;
        in.head_method = method == corest::method::head;
        in.tls = tls_settings::of(req);
        in.connect_timeout = req.connect_timeout;
        in.limits.read_timeout = req.read_timeout;
        in.limits.write_timeout = req.write_timeout;
        in.limits.deadline = x.deadline;

        x.r.log.push_back(std::string(method_name(method)) + " " + x.show(current));
        const unsigned hops_done = hops;
        auto decide_body = [&](unsigned status, const header_list& headers) {
            body_target t;
            t.decode = req.decompress;
            std::optional<std::string_view> location;
            for (const auto& [k, v] : headers)
                if (k == "location") location = v;
            auto d = next_hop(current, x.first_url, method, status, location, hops_done, req.max_redirects,
                              req.allow_redirects);
            if (d.what == redirect_decision::kind::follow) {
                t.where = body_target::kind::discard;
                t.max_bytes = req.max_response_bytes.value_or(default_max_response_bytes);
            } else if (req.dst && status_in(status, req.expected_status_code)) {
                t.where = body_target::kind::file;
                t.dst_path = req.dst;
                if (req.max_response_bytes) t.max_bytes = *req.max_response_bytes;
            } else {
                t.max_bytes = req.max_response_bytes.value_or(default_max_response_bytes);
            }
            return t;
        };
        // By reference: the lambda lives in this frame while the hop runs, and a
        // std::function holding a reference_wrapper never allocates.
        body_decider decide = std::ref(decide_body);
        auto hop = co_await run_hop(st, std::move(in), std::move(decide));
        for (auto& line : hop.log) x.r.log.push_back(std::move(line));
        hop.log.clear();
        if (hop.error.code != corest::error::ok) {
            out.error = std::move(hop.error);
            out.last = std::move(hop);
            if (hops > 0) out.url = current;
            co_return out;
        }
        for (const auto& c : hop.set_cookies) x.jar.set_from_header(current, c, std::chrono::system_clock::now());

        // A 401 with an OAuth2 token: drop it, fetch a new one, re-send once.
        if (hop.status == 401 && x.oauth_key && x.oauth_token && !refreshed_token && same_origin) {
            refreshed_token = true;
            st.tokens.invalidate(*x.oauth_key, *x.oauth_token);
            x.oauth_token.reset();
            x.r.log.push_back("the target answered 401: fetching a new token and re-sending once");
            auto err = co_await obtain_token(st, x);
            if (err.code != corest::error::ok) {
                out.error = std::move(err);
                co_return out;
            }
            continue;
        }

        std::optional<std::string_view> location;
        if (hop.location) location = *hop.location;
        auto d = next_hop(current, x.first_url, method, hop.status, location, hops, req.max_redirects,
                          req.allow_redirects);
        using kind = redirect_decision::kind;
        if (d.what == kind::follow) {
            out.history.push_back({hop.status, x.show(current)});
            x.r.log.push_back("redirect " + std::to_string(hop.status) + " to " + x.show(d.target) +
                              (d.cross_origin ? " (another origin: credentials not sent)" : ""));
            redirected = std::move(d.target);
            at = &redirected;
            method = d.method;
            send_body = send_body && d.keep_body;
            ++hops;
            continue;
        }
        if (hops > 0) out.url = current;
        if (d.what == kind::refused) out.error = {corest::error::redirect_refused, d.message};
        else if (d.what == kind::too_many)
            out.error = {corest::error::too_many_redirects,
                         "more than max_redirects (" + std::to_string(req.max_redirects) + ") redirects"};
        else if (d.what == kind::invalid_location)
            out.error = {corest::error::protocol_error, d.message};
        if (out.error.code != corest::error::ok && d.what != kind::invalid_location)
            out.history.push_back({hop.status, x.show(current)});
        out.last = std::move(hop);
        co_return out;
    }
}

/// Sleeps for a back-off delay; false when the caller cancelled.
inline boost::asio::awaitable<bool> back_off(clock::duration delay)
{
    namespace net = boost::asio;
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_after(delay);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    co_return !ec;
}

inline void finish_result(execution& x, attempt_outcome& a)
{
    result& r = x.r;
    r.url = x.show(a.url ? *a.url : x.first_url);
    r.history = std::move(a.history);
    r.timings = a.last.timings;
    if (a.last.status) {
        r.status_code = a.last.status;
        r.reason = std::move(a.last.reason);
        r.headers = std::move(a.last.headers);
    }
    r.cookies = x.jar.all_set();
    if (a.error.code != corest::error::ok) {
        r.error = a.error.code;
        r.message = std::move(a.error.message);
        if (a.last.file) a.last.file->abort();
        if (a.last.status && a.error.code != corest::error::protocol_error) {
            r.body = std::move(a.last.body);
            classify_body(r);
        }
        return;
    }
    if (a.last.file) {
        std::error_code ec;
        a.last.file->commit(ec);
        if (ec) {
            r.error = corest::error::io_error;
            r.message = "could not write dst \"" + *x.req.dst + "\": " + ec.message();
            return;
        }
        r.dst = x.req.dst;
        r.size = a.last.body_size;
    } else {
        r.body = std::move(a.last.body);
        classify_body(r);
    }
    if (!status_in(a.last.status, x.req.expected_status_code)) {
        r.error = error_for_status(a.last.status);
        r.message = "the server answered " + std::to_string(a.last.status) +
                    (r.reason.empty() ? "" : " " + r.reason) + ", which is not in expected_status_code";
    }
}

inline result input_error_result(const input_check& c)
{
    return make_error_result(c.code, c.message);
}

inline boost::asio::awaitable<result> execute(std::shared_ptr<client_state> st, request in)
{
    namespace net = boost::asio;
    co_await net::this_coro::throw_if_cancelled(false);
    execution x{std::move(in)};
    const request& rq = x.req;
    x.deadline = call_deadline(rq.total_timeout);
    if (auto c = validate(rq); !c.ok()) co_return input_error_result(c);
    auto composed = compose_url(rq);
    if (!composed.problem.ok()) co_return input_error_result(composed.problem);
    input_check body_problem;
    x.body = encode_body(rq.body, body_problem);
    if (!body_problem.ok()) co_return input_error_result(body_problem);
    x.first_url = std::move(composed.url);
    x.first_origin = origin_of(x.first_url);
    if (x.first_url.has_password()) x.secrets.push_back(std::string(x.first_url.password()));
    x.creds = resolve_credentials(rq, x.first_url);
    if (x.creds.api_key_query) {
        x.api_key_query_name = *x.creds.api_key_query;
        append_query_param(x.first_url, *x.creds.api_key_query, x.creds.api_key_value.reveal());
    }
    for (auto& s : secret_values(rq)) x.secrets.push_back(std::move(s));
    result& r = x.r;
    r.log.reserve(4);   // the request line, the attempt, often one more
    if (!composed.ignored.empty()) {
        std::string names;
        for (const auto& n : composed.ignored) names += (names.empty() ? "" : ", ") + n;
        r.log.push_back("url given: ignored " + names);
    }
    if (!rq.verify_ssl && x.first_url.scheme() == "https")
        r.log.push_back("warning: verify_ssl is false: the server's certificate is not checked");

    const auto& o = x.first_origin;
    const std::string breaker_key =
        rq.circuit_breaker.enabled ? o.scheme + "://" + o.host + ":" + std::to_string(o.port) : std::string();
    if (rq.circuit_breaker.enabled && !st->breakers.allow(breaker_key, rq.circuit_breaker, std::chrono::steady_clock::now())) {
        r.error = corest::error::circuit_open;
        r.message = "the circuit breaker for " + breaker_key + " is open after repeated failures; not calling it";
        r.url = x.show(x.first_url);
        co_return r;
    }

    attempt_outcome final_attempt;
    const auto first_started = clock::now();
    for (unsigned retries = 0;; ++retries) {
        r.attempts = retries + 1;
        attempt_outcome a;
        if (x.creds.oauth2 && !x.oauth_token) {
            a.error = co_await obtain_token(*st, x);
        }
        if (a.error.code == corest::error::ok) a = co_await run_attempt(*st, x);
        std::string what = a.error.code != corest::error::ok
                               ? std::string(error_name(a.error.code))
                               : std::to_string(a.last.status);
        r.log.push_back("attempt " + std::to_string(retries + 1) + ": " + what);
        if (a.error.code == corest::error::cancelled || a.error.code == corest::error::auth_failed ||
            x.deadline.expired()) {
            final_attempt = std::move(a);
            break;
        }
        std::optional<unsigned> status;
        if (a.error.code == corest::error::ok) status = a.last.status;
        std::optional<std::string_view> retry_after;
        if (status && a.last.retry_after) retry_after = *a.last.retry_after;
        auto decision = decide_retry(rq, retries, status, a.error.code, retry_after,
                                     std::chrono::duration<double>(clock::now() - first_started),
                                     std::chrono::system_clock::now());
        if (!decision.retry) {
            if (!decision.reason.empty()) r.log.push_back(decision.reason);
            final_attempt = std::move(a);
            break;
        }
        auto delay = std::chrono::duration_cast<clock::duration>(decision.delay);
        if (x.deadline.bounded() && delay >= x.deadline.remaining()) {
            // The back-off would outlast total_timeout: wait it out, then time out.
            r.log.push_back("waiting " + format_seconds(decision.delay.count()) + " before retrying would exceed total_timeout");
            if (!co_await back_off(x.deadline.remaining())) {
                a.error = {corest::error::cancelled, "the call was cancelled during a back-off wait"};
            } else {
                a.error = timeout_error(phase::total, "the back-off wait before retrying");
            }
            final_attempt = std::move(a);
            break;
        }
        r.log.push_back("retrying in " + format_seconds(decision.delay.count()) +
                        (decision.reason.empty() ? "" : " (" + decision.reason + ")"));
        if (!co_await back_off(delay)) {
            a.error = {corest::error::cancelled, "the call was cancelled during a back-off wait"};
            final_attempt = std::move(a);
            break;
        }
    }
    finish_result(x, final_attempt);

    // SPEC: every outcome that is not a failure resets the count, CANCELLED included.
    if (rq.circuit_breaker.enabled)
        st->breakers.record(breaker_key, counts_as_breaker_failure(r.error, r.status_code),
                            std::chrono::steady_clock::now());
    scrub(r.message, x.secrets);
    for (auto& line : r.log) scrub(line, x.secrets);
    co_return std::move(r);
}

} // namespace corest::detail

#endif

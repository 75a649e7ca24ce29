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
#include <corest/detail/await.hpp>
#include <corest/detail/body_classify.hpp>
#include <corest/detail/cookie_jar.hpp>
#include <corest/detail/hop.hpp>
#include <corest/detail/oauth2.hpp>
#include <corest/detail/request_head.hpp>
#include <corest/detail/serial.hpp>
#include <corest/detail/validate.hpp>
#include <corest/redirect.hpp>
#include <corest/result.hpp>
#include <corest/retry.hpp>
#include <corest/url.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace corest::detail {

inline bool status_in(unsigned status, const std::vector<unsigned>& list)
{
    return std::find(list.begin(), list.end(), status) != list.end();
}

/// What only some calls carry: credentials, an OAuth2 token, a circuit breaker. On the
/// heap, made by the first call that needs it: a plain call in flight carries a pointer
/// instead of 400 bytes.
struct execution_extras {
    credentials creds;
    std::string api_key_query_name;    // masked in every URL we print
    std::string breaker_key;           // with circuit_breaker.enabled: the origin's breaker
    std::optional<std::string> oauth_key;
    std::optional<corest::secret> oauth_token;
    std::vector<std::string> secrets;   // values scrubbed from the result's message and log
    std::unique_ptr<const resolve_overrides> resolve;   // the `resolve` input, checked
};

/// Everything one execution carries between its attempts and hops. The result is built
/// at the end (complete_execution): the awaiting frame already holds room for the one
/// it returns.
struct execution {
    // execute()'s request (its own copy, or the caller's), alive for the whole call.
    explicit execution(const request& r) : req(r) {}
    execution(const execution&) = delete;
    execution& operator=(const execution&) = delete;

    const request& req;
    // Shared with the client's URL cache unless something was added to it (params, an
    // API key in the query): a call in flight holds a pointer, not a parsed copy.
    std::shared_ptr<const boost::urls::url> first_url;
    // The encoded request body; on the heap, and only when the request has one: most calls
    // in flight (GET) would carry 64 empty bytes.
    std::unique_ptr<const encoded_body> encoded;
    call_deadline deadline;
    clock::time_point started;   // of the first attempt: the retry deadline counts from it
    // The cookies responses set; on the heap, made by the first Set-Cookie: most calls get none.
    std::unique_ptr<cookie_jar> jar;
    std::vector<std::string> log;   // the result's log, line by line
    unsigned attempts = 0;
    std::unique_ptr<execution_extras> extras;
    std::shared_ptr<const tls_profile> tls;   // the client's, once a hop goes to an https URL

    const encoded_body& body() const
    {
        static const encoded_body none;
        return encoded ? *encoded : none;
    }

    cookie_jar& cookies()
    {
        if (!jar) jar = std::make_unique<cookie_jar>();
        return *jar;
    }

    execution_extras& extra()
    {
        if (!extras) extras = std::make_unique<execution_extras>();
        return *extras;
    }
    bool uses_oauth2() const { return extras && extras->creds.oauth2; }
    bool has_oauth_token() const { return extras && extras->oauth_token; }

    std::string show(const boost::urls::url_view_base& u) const
    {
        return redact_url(u, extras ? std::string_view(extras->api_key_query_name) : std::string_view());
    }
};

/// The token for an oauth2 call: from the cache, or fetched (once for all waiting calls).
/// `error` says why there is none. Written through a reference, not returned: execute()
/// would keep a slot for the returned error at each of its two co_awaits.
inline boost::asio::awaitable<void> obtain_token(client_state& st, execution& x, mapped_error& error)
{
    error = {};
    execution_extras& e = x.extra();
    e.oauth_key = token_cache_key(std::get<oauth2_client_credentials>(x.req.authentication));
    // A named function object, not a temporary inside the co_await expression: GCC 12
    // destroys captured temporaries of a co_await full-expression twice.
    token_cache<>::fetch_function fetch = [&st, &x]() {
        return fetch_token(st, std::get<oauth2_client_credentials>(x.req.authentication), x.req, x.deadline);
    };
    auto got = co_await st.tokens.get(*e.oauth_key, std::move(fetch), x.deadline.at());
    if (!got.token) {
        const bool cancelled = got.cancelled && got.failure.find("cancelled") != std::string::npos;
        error = {cancelled ? corest::error::cancelled : corest::error::auth_failed, got.failure};
        co_return;
    }
    e.oauth_token = got.token;
    e.secrets.push_back(got.token->reveal());
}

struct attempt_outcome {
    hop_output last;         // the final hop (its status, headers, body)
    // The URL that gave the final response, when not first_url. On the heap: most calls
    // are never redirected, and every call in flight would carry 200 bytes for it.
    std::unique_ptr<boost::urls::url> url;
    std::vector<history_entry> history;

    // The attempt's transport or policy error (ok when a final response arrived): the last
    // hop's own, or what ended the attempt after it. One field, not a copy of the hop's.
    mapped_error& error() { return last.error; }
    const mapped_error& error() const { return last.error; }
};

/// Where an attempt's hops stand. Lives in execute's frame and is never moved
/// (`at` may point at `redirected`).
struct hop_cursor {
    // The URL of the hop: first_url, then the latest Location followed. A pointer, not a
    // url_view: a Boost.URL view of a url that is later reassigned keeps stale offsets.
    std::unique_ptr<boost::urls::url> redirected;   // on the heap, like attempt_outcome::url
    const boost::urls::url* at = nullptr;
    corest::method method = corest::method::get;
    bool send_body = true;
    unsigned hops = 0;

    const boost::urls::url& current() const { return *at; }
};

/// Where a hop's response body goes, from its status and headers: nowhere for a
/// redirect that will be followed, the `dst` file for an expected status, else memory.
struct body_rules final : body_decider {
    const execution* x;
    const hop_cursor* cursor;

    body_rules(const execution& call, const hop_cursor& at) : x(&call), cursor(&at) {}
    body_target operator()(const hop_output& head) const override
    {
        const unsigned status = head.status;
        const request& req = x->req;
        body_target t;
        t.decode = req.decompress;
        // Only a redirect status needs next_hop's decision (and the URL it builds).
        const bool follow = detail::is_redirect_status(status) &&
                            next_hop(cursor->current(), *x->first_url, cursor->method, status, location_of(head),
                                     cursor->hops, req.max_redirects, req.allow_redirects)
                                    .what == redirect_decision::kind::follow;
        if (follow) {
            t.where = body_target::kind::discard;
            t.max_bytes = req.max_response_bytes.value_or(default_max_response_bytes);
        } else if (req.dst && status_in(status, req.expected_status_code)) {
            t.where = body_target::kind::file;
            t.dst_path = &*req.dst;
            if (req.max_response_bytes) t.max_bytes = *req.max_response_bytes;
        } else {
            t.max_bytes = req.max_response_bytes.value_or(default_max_response_bytes);
        }
        return t;
    }
};

/// The request of the next hop: head (cookies, and credentials only to the first URL's
/// origin), body and limits; logs its request line.
inline hop_input prepare_hop(client_state& st, execution& x, const hop_cursor& c, bool same_origin)
{
    const request& req = x.req;
    const boost::urls::url& current = c.current();
    hop_head_options head;
    head.method = c.method;
    head.send_body = c.send_body;
    head.same_origin_as_first = same_origin;
    std::string cookies;
    if (same_origin)
        for (const auto& [k, v] : req.cookies) cookies += (cookies.empty() ? "" : "; ") + k + "=" + v;
    if (x.jar && !x.jar->empty()) {
        auto jar_cookies = x.jar->cookie_header_for(current, std::chrono::system_clock::now());
        if (!jar_cookies.empty()) cookies += (cookies.empty() ? "" : "; ") + jar_cookies;
    }
    head.cookie_header = std::move(cookies);
    if (same_origin && x.extras) {
        const execution_extras& e = *x.extras;
        if (e.creds.authorization) head.authorization = e.creds.authorization->reveal();
        if (e.oauth_token) head.authorization = "Bearer " + e.oauth_token->reveal();
        if (e.creds.api_key_header)
            head.api_key_header.emplace(*e.creds.api_key_header, e.creds.api_key_value.reveal());
    }
    const bool https = current.scheme_id() == boost::urls::scheme::https;
    if (https && !x.tls) x.tls = st.tls_profiles.get(req);

    hop_input in;
    in.url = &current;
    in.head = build_request_head(req, current, x.body(), head);
    in.body = c.send_body ? &x.body() : nullptr;
    in.head_method = c.method == corest::method::head;
    if (https) {
        in.tls = &x.tls->settings;
        in.tls_pool_key = &x.tls->pool_key;
    }
    in.connect_timeout = req.connect_timeout;
    if (x.extras) in.resolve = x.extras->resolve.get();
    in.limits.read_timeout = req.read_timeout;
    in.limits.write_timeout = req.write_timeout;
    in.limits.deadline = x.deadline;
    in.log = &x.log;
    x.log.push_back(std::string(method_name(c.method)) + " " + x.show(current));
    return in;
}

/// The cookies a hop's response set, into the call's jar; a refused one is a log line.
inline void take_cookies(execution& x, const boost::urls::url& from, const hop_output& hop)
{
    for (const auto& cookie : hop.set_cookies)
        if (auto refused = x.cookies().set_from_header(from, cookie, std::chrono::system_clock::now());
            !refused.empty())
            x.log.push_back(std::move(refused));
}

/// After a hop that brought a response: true when its redirect is followed (the cursor
/// moved on); false when the attempt ends here, with `out` complete.
inline bool follow_or_finish(execution& x, hop_cursor& c, attempt_outcome& out)
{
    const hop_output& hop = out.last;
    const request& req = x.req;
    const boost::urls::url& current = c.current();
    take_cookies(x, current, hop);
    using kind = redirect_decision::kind;
    std::optional<redirect_decision> d;   // only for a redirect status: most responses build none
    if (detail::is_redirect_status(hop.status))
        d = next_hop(current, *x.first_url, c.method, hop.status, location_of(hop), c.hops,
                     req.max_redirects, req.allow_redirects);
    const kind what = d ? d->what : kind::stop;
    if (what == kind::follow) {
        out.history.push_back({hop.status, x.show(current)});
        x.log.push_back("redirect " + std::to_string(hop.status) + " to " + x.show(d->target) +
                          (d->cross_origin ? " (another origin: credentials not sent)" : ""));
        c.redirected = std::make_unique<boost::urls::url>(std::move(d->target));   // `current` may die: not used below
        c.at = c.redirected.get();
        c.method = d->method;
        c.send_body = c.send_body && d->keep_body;
        ++c.hops;
        return true;
    }
    if (c.hops > 0) out.url = std::make_unique<boost::urls::url>(current);
    if (what == kind::refused) out.error() = {corest::error::redirect_refused, d->message};
    else if (what == kind::too_many)
        out.error() = {corest::error::too_many_redirects,
                     "more than max_redirects (" + std::to_string(req.max_redirects) + ") redirects"};
    else if (what == kind::invalid_location)
        out.error() = {corest::error::protocol_error, d->message};
    if (out.error().code != corest::error::ok && what != kind::invalid_location)
        out.history.push_back({hop.status, x.show(current)});
    return false;
}

/// What follows a hop.
enum class hop_next {
    follow,          // a redirect: the cursor moved on
    refresh_token,   // a 401 with an OAuth2 token: fetch a new one and re-send once
    end              // the attempt ends: an error, or the final response, in `out`
};

/// After a hop whose output is in out.last: the attempt ends, follows a redirect, or
/// re-sends with a new token.
inline hop_next after_hop(client_state& st, execution& x, hop_cursor& c, attempt_outcome& out, bool same_origin,
                          bool& refreshed_token)
{
    hop_output& hop = out.last;
    if (hop.error.code != corest::error::ok) {
        if (c.hops > 0) out.url = std::make_unique<boost::urls::url>(c.current());
        return hop_next::end;
    }
    if (hop.status == 401 && x.has_oauth_token() && x.extras->oauth_key && !refreshed_token && same_origin) {
        take_cookies(x, c.current(), hop);
        refreshed_token = true;
        st.tokens.invalidate(*x.extras->oauth_key, *x.extras->oauth_token);
        x.extras->oauth_token.reset();
        x.log.push_back("the target answered 401: fetching a new token and re-sending once");
        return hop_next::refresh_token;
    }
    return follow_or_finish(x, c, out) ? hop_next::follow : hop_next::end;
}

/// Sleeps for a back-off delay; false when the caller cancelled.
inline boost::asio::awaitable<bool> back_off(clock::duration delay)
{
    namespace net = boost::asio;
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_after(delay);
    auto [ec] = co_await timer.async_wait(as_result);
    co_return !ec;
}

inline void finish_result(execution& x, attempt_outcome& a, result& r)
{
    r.url = x.show(a.url ? *a.url : *x.first_url);
    r.history = std::move(a.history);
    r.timings = a.last.timings;
    if (a.last.status) {
        r.status_code = a.last.status;
        r.reason = std::move(a.last.reason);
        r.headers = std::move(a.last.headers);
    }
    if (x.jar) r.cookies = x.jar->all_set();
    if (a.error().code != corest::error::ok) {
        r.error = a.error().code;
        r.message = std::move(a.error().message);
        if (a.last.file) a.last.file->abort();
        // A malformed response's body is not trusted; a body over the limit is not kept.
        if (a.last.status && a.error().code != corest::error::protocol_error &&
            a.error().code != corest::error::response_too_large) {
            r.body = std::move(a.last.body);
            classify_body(r, false, a.last.text_scan ? &*a.last.text_scan : nullptr);
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
        r.size = a.last.size;
    } else {
        r.body = std::move(a.last.body);
        classify_body(r, false, a.last.text_scan ? &*a.last.text_scan : nullptr);
    }
    if (!status_in(a.last.status, x.req.expected_status_code)) {
        r.error = error_for_status(a.last.status);
        r.message = "the server answered " + std::to_string(a.last.status) +
                    (r.reason.empty() ? "" : " " + r.reason) + ", which is not in expected_status_code";
    }
}

/// An input error's result. On the heap: it is the rare way out of prepare_execution,
/// and a result held in the awaiting frame would be 400 bytes of every call in flight.
inline std::unique_ptr<result> input_error_result(const input_check& c)
{
    return std::make_unique<result>(make_error_result(c.code, c.message));
}

/// The call's own copy of its first URL, to change: never the client's cached one.
inline boost::urls::url& own_first_url(execution& x)
{
    auto own = std::make_shared<boost::urls::url>(*x.first_url);
    boost::urls::url& u = *own;
    x.first_url = std::move(own);
    return u;
}

// The coroutines below keep only what lives across a suspension; the steps that do not
// wait are plain functions. GCC gives every local of a coroutine a slot in its frame for
// the whole call, so inline step code would make each call in flight kilobytes larger.

/// Everything before the first attempt: validation, the URL, the body, credentials and
/// the circuit breaker. Null when the call goes on; else the call's result.
inline std::unique_ptr<result> prepare_execution(client_state& st, execution& x)
{
    const request& rq = x.req;
    x.started = clock::now();
    x.deadline = call_deadline(rq.total_timeout, x.started);
    if (auto c = validate(rq); !c.ok()) return input_error_result(c);
    auto composed = compose_shared_url(rq, &st.urls);
    if (!composed.problem.ok()) return input_error_result(composed.problem);
    if (!std::holds_alternative<std::monostate>(rq.body)) {
        input_check body_problem;
        x.encoded = std::make_unique<const encoded_body>(encode_body(rq.body, body_problem));
        if (!body_problem.ok()) return input_error_result(body_problem);
    }
    x.first_url = std::move(composed.url);
    if (x.first_url->has_password()) x.extra().secrets.push_back(std::string(x.first_url->password()));
    credentials creds = resolve_credentials(rq, *x.first_url);
    if (creds.any()) {
        execution_extras& e = x.extra();
        e.creds = std::move(creds);
        if (e.creds.api_key_query) {
            e.api_key_query_name = *e.creds.api_key_query;
            append_query_param(own_first_url(x), *e.creds.api_key_query, e.creds.api_key_value.reveal());
        }
    }
    for (auto& s : secret_values(rq)) x.extra().secrets.push_back(std::move(s));
    if (!rq.resolve.empty())
        x.extra().resolve = std::make_unique<const resolve_overrides>(resolve_overrides::of(rq.resolve));
    x.log.reserve(2);   // the request line and the attempt: most calls log no more
    if (!composed.ignored.empty()) {
        std::string names;
        for (const auto& n : composed.ignored) names += (names.empty() ? "" : ", ") + n;
        x.log.push_back("url given: ignored " + names);
    }
    if (!rq.verify_ssl && x.first_url->scheme() == "https")
        x.log.push_back("warning: verify_ssl is false: the server's certificate is not checked");

    if (rq.circuit_breaker.enabled) {
        std::string& key = x.extra().breaker_key;
        key = origin_of(*x.first_url).key();
        if (!st.breakers.allow(key, rq.circuit_breaker, std::chrono::steady_clock::now())) {
            auto r = std::make_unique<result>();
            r->error = corest::error::circuit_open;
            r->message = "the circuit breaker for " + key + " is open after repeated failures; not calling it";
            r->url = x.show(*x.first_url);
            r->log = std::move(x.log);
            return r;
        }
    }
    return nullptr;
}

/// What follows an attempt: the call ends, or it waits `delay` and tries again, or
/// (the back-off would outlast total_timeout) it waits `delay` and then times out.
struct after_attempt {
    enum class kind { stop, retry, wait_then_time_out } what = kind::stop;
    clock::duration delay{};
    double planned_delay = 0;   // with wait_then_time_out: the back-off the deadline cuts short
};

inline after_attempt plan_after_attempt(execution& x, const attempt_outcome& a, unsigned retries)
{
    using kind = after_attempt::kind;
    std::vector<std::string>& log = x.log;
    std::string what = a.error().code != corest::error::ok ? std::string(error_name(a.error().code))
                                                         : std::to_string(a.last.status);
    log.push_back("attempt " + std::to_string(retries + 1) + ": " + what);
    if (a.error().code == corest::error::cancelled || a.error().code == corest::error::auth_failed ||
        x.deadline.expired())
        return {kind::stop, {}};
    std::optional<unsigned> status;
    if (a.error().code == corest::error::ok) status = a.last.status;
    // An expected answer that is not retried ends the call with nothing to explain.
    if (status && status_in(*status, x.req.expected_status_code) && !status_in(*status, x.req.retry_status_code))
        return {kind::stop, {}};
    std::optional<std::string_view> retry_after;
    if (const std::string* value = find_header(a.last.headers, "retry-after"); status && value) retry_after = *value;
    // The clocks matter only when a retry is possible: an answer that ends the call
    // does not read them.
    const bool may_retry = !status || status_in(*status, x.req.retry_status_code);
    const auto elapsed = may_retry ? clock::now() - x.started : clock::duration{};
    const auto wall_now = may_retry ? std::chrono::system_clock::now() : std::chrono::system_clock::time_point{};
    auto decision = decide_retry(x.req, retries, status, a.error().code, retry_after,
                                 std::chrono::duration<double>(elapsed), wall_now);
    if (!decision.retry) {
        if (!decision.reason.empty()) log.push_back(decision.reason);
        return {kind::stop, {}};
    }
    auto delay = std::chrono::duration_cast<clock::duration>(decision.delay);
    if (x.deadline.bounded() && delay >= x.deadline.remaining()) {
        // The back-off would outlast total_timeout: wait it out, then time out.
        log.push_back("waiting " + format_seconds(decision.delay.count()) + " before retrying would exceed total_timeout");
        return {kind::wait_then_time_out, x.deadline.remaining(), decision.delay.count()};
    }
    log.push_back("retrying in " + format_seconds(decision.delay.count()) +
                    (decision.reason.empty() ? "" : " (" + decision.reason + ")"));
    return {kind::retry, delay};
}

/// The result from the final attempt; the breaker learns the outcome; secrets are scrubbed.
inline result complete_execution(client_state& st, execution& x, attempt_outcome& final_attempt)
{
    result r;
    r.attempts = x.attempts;
    r.log = std::move(x.log);
    finish_result(x, final_attempt, r);
    // SPEC: every outcome that is not a failure resets the count, CANCELLED included.
    if (x.req.circuit_breaker.enabled)
        st.breakers.record(x.extras->breaker_key, counts_as_breaker_failure(r.error, r.status_code),
                           std::chrono::steady_clock::now());
    if (x.extras) {
        scrub(r.message, x.extras->secrets);
        for (auto& line : r.log) scrub(line, x.extras->secrets);
    }
    return r;
}

/// How a call holds its request: `request` (a copy or a moved request, in the call's
/// frame), or `std::reference_wrapper<const request>` (the caller's, which must outlive
/// the call: a kilobyte less per call in flight).
template <class Held>
boost::asio::awaitable<result> execute(std::shared_ptr<client_state> st, Held held);

/// The call on a strand of its own, its result into `out`. A plain function, not inline
/// in execute(): co_spawn's temporaries and a returned result would take half a kilobyte
/// of every call's frame.
inline boost::asio::awaitable<void> execute_on_own_strand(const boost::asio::any_io_executor& caller,
                                                          std::shared_ptr<client_state> st, const request& in,
                                                          result& out)
{
    namespace net = boost::asio;
    return net::co_spawn(
        net::make_strand(caller),
        [](std::shared_ptr<client_state> st, const request& in, result& out) -> net::awaitable<void> {
            out = co_await execute(std::move(st), std::cref(in));
        }(std::move(st), in, out),
        net::use_awaitable);
}

// GCC 12 can warn that Asio's frame operator delete does not match its operator new
// once both are inlined into a coroutine (-Wmismatched-new-delete, GCC PR 109224); they
// are Asio's matching pair. Silenced for this definition only, for users' -Werror builds.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
template <class Held>
boost::asio::awaitable<result> execute(std::shared_ptr<client_state> st, Held held)
{
    const request& in = held;
    namespace net = boost::asio;
    using kind = after_attempt::kind;
    co_await net::this_coro::throw_if_cancelled(false);
    // On an executor that may run this call's handlers on two threads at once (a bare
    // multi-threaded io_context), the call runs on a strand of its own. The caller's
    // cancellation reaches it through co_spawn.
    const auto caller = co_await net::this_coro::executor;
    if (!runs_serialized(caller)) {
        auto out = std::make_unique<result>();   // this path only: see execute_on_own_strand
        co_await execute_on_own_strand(caller, std::move(st), in, *out);
        co_return std::move(*out);
    }
    execution x{in};
    if (auto early = prepare_execution(*st, x)) co_return std::move(*early);

    attempt_outcome a;
    for (unsigned retries = 0;; ++retries) {
        x.attempts = retries + 1;
        a = attempt_outcome{};
        if (x.uses_oauth2() && !x.has_oauth_token()) co_await obtain_token(*st, x, a.error());
        // The attempt: the first request and every redirect hop it leads to, each hop's
        // response in a.last. Inline, not a coroutine of its own: one frame fewer per call.
        if (a.error().code == corest::error::ok) {
            hop_cursor c;
            c.at = x.first_url.get();
            c.method = x.req.method;
            bool refreshed_token = false;
            for (;;) {
                const bool same_origin = c.hops == 0 || origin_of(c.current()) == origin_of(*x.first_url);
                const body_rules rules(x, c);
                hop_input in = prepare_hop(*st, x, c, same_origin);
                a.last = hop_output{};
                co_await run_hop(*st, in, rules, a.last);
                const hop_next next = after_hop(*st, x, c, a, same_origin, refreshed_token);
                if (next == hop_next::end) break;
                if (next == hop_next::refresh_token) {
                    co_await obtain_token(*st, x, a.error());
                    if (a.error().code != corest::error::ok) break;
                }
            }
        }
        const after_attempt next = plan_after_attempt(x, a, retries);
        if (next.what == kind::stop) break;
        if (!co_await back_off(next.delay)) {
            a.error() = {corest::error::cancelled, "the call was cancelled during a back-off wait"};
            break;
        }
        if (next.what == kind::wait_then_time_out) {
            a.error() = {corest::error::timeout, "the total_timeout of " + seconds_text(x.deadline.total_seconds()) +
                                                     " ran out while waiting " + seconds_text(next.planned_delay) +
                                                     " before attempt " + std::to_string(retries + 2)};
            break;
        }
    }
    co_return complete_execution(*st, x, a);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_CALL_DRIVER_HPP
#define COREST_DETAIL_CALL_DRIVER_HPP

// The coroutine that runs a call: prepare it, then carry out what its state machine
// (call_fsm.hpp) asks for (fetch a token, send a hop, sleep) and feed the outcome back,
// until the machine is done; then build the result. Every decision is the machine's;
// this file only does the I/O.

#include <corest/detail/await.hpp>
#include <corest/detail/call/call_fsm.hpp>
#include <corest/detail/call/context.hpp>
#include <corest/detail/call/finish.hpp>
#include <corest/detail/call/prepare.hpp>
#include <corest/detail/client_state.hpp>
#include <corest/detail/hop.hpp>
#include <corest/detail/oauth2.hpp>
#include <corest/detail/request_head.hpp>
#include <corest/detail/serial.hpp>
#include <corest/result.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

namespace corest::detail {

/// The token for an oauth2 call: from the cache, or fetched (once for all waiting calls).
/// `error` says why there is none. Written through a reference, not returned: the driver
/// would keep a slot for the returned error at each co_await.
inline boost::asio::awaitable<void> obtain_token(client_state& st, call_context& x, mapped_error& error)
{
    error = {};
    call_extras& e = x.extra();
    e.oauth_key = token_cache_key(std::get<oauth2_client_credentials>(x.req.authentication));
    // A named function object, not a temporary inside the co_await expression: GCC 12
    // destroys captured temporaries of a co_await full-expression twice.
    token_cache<>::fetch_function fetch = [&st, &x]() {
        return fetch_token(st, std::get<oauth2_client_credentials>(x.req.authentication), x.req, x.deadline);
    };
    auto got = co_await st.tokens.get(*e.oauth_key, std::move(fetch), x.deadline.at());
    if (!got.token) {
        error = {got.cancelled ? corest::error::cancelled : corest::error::auth_failed, got.failure};
        co_return;
    }
    e.oauth_token = got.token;
    e.secrets.push_back(got.token->reveal());
}

/// The token the target refused with 401 is dropped from the client's cache (unless
/// another call replaced it already), so the next fetch gets a new one.
inline void drop_refused_token(client_state& st, call_context& x)
{
    call_extras& e = *x.extras;
    st.tokens.invalidate(*e.oauth_key, *e.oauth_token);
    e.oauth_token.reset();
}

/// The hop the machine's send_hop describes: its head (cookies, and credentials only to
/// the first URL's origin), body and limits; logs its request line.
inline hop_input hop_input_for(client_state& st, call_context& x, const call_fsm& fsm)
{
    const request& req = x.req;
    const hop_cursor& c = fsm.cursor();
    const bool same_origin = fsm.same_origin();
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
        const call_extras& e = *x.extras;
        if (e.creds.authorization) head.authorization = e.creds.authorization->reveal();
        if (e.oauth_token) head.authorization = "Bearer " + e.oauth_token->reveal();
        if (e.creds.api_key_header) head.api_key_header.emplace(*e.creds.api_key_header, e.creds.api_key_value.reveal());
    }
    const bool https = current.scheme_id() == boost::urls::scheme::https;
    if (https && !x.tls) x.tls = st.tls_profiles.get(req);

    hop_input in;
    // Every hop chooses its proxy afresh (a redirect to a no_proxy host goes direct).
    if (req.proxy.how == proxy_setting::mode::url ||
        (req.proxy.how == proxy_setting::mode::environment && st.has_proxy_env)) {
        const origin o = origin_of(current);
        proxy_choice choice = choose_proxy(o.scheme, o.host, o.port, req.proxy, req.no_proxy, st.proxy_env);
        call_extras& e = x.extra();
        if (!choice.problem.empty()) {
            e.proxy_problem = {corest::error::invalid_input, choice.problem};
            in.refused = &e.proxy_problem;
        } else if (choice.proxy) {
            e.hop_proxy = std::move(choice.proxy);
            if (const auto& pw = e.hop_proxy->password;
                pw && !pw->empty() && std::find(e.secrets.begin(), e.secrets.end(), *pw) == e.secrets.end())
                e.secrets.push_back(*pw);
            in.route.proxy = &*e.hop_proxy;
            if (e.hop_proxy->type == proxy_endpoint::kind::https) {
                if (!e.proxy_tls) {
                    tls_settings t;
                    t.verify_ssl = req.verify_ssl;
                    t.cacert = req.proxy_cacert.value_or("");
                    t.min_version = req.tls_min_version;
                    e.proxy_tls = std::move(t);
                }
                in.route.proxy_tls = &*e.proxy_tls;
            }
            if (e.resolve) in.route.proxy_fixed = e.resolve->find(e.hop_proxy->host, e.hop_proxy->port);
            const bool http_proxy = e.hop_proxy->type == proxy_endpoint::kind::http ||
                                    e.hop_proxy->type == proxy_endpoint::kind::https;
            if (http_proxy && !https) {   // plain http: to the proxy in absolute form
                head.absolute_form = true;
                if (e.hop_proxy->username)
                    head.proxy_authorization =
                        proxy_basic_authorization(*e.hop_proxy->username, e.hop_proxy->password.value_or(""));
            }
        }
        if (!choice.problem.empty() || choice.proxy || choice.why == "direct (no_proxy)") x.log.push_back(choice.why);
    }
    in.url = &current;
    in.http_version = req.http_version;
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

/// The machine decides where a body goes (and makes its redirect decision then).
struct fsm_body_rules final : body_decider {
    call_fsm* fsm;

    explicit fsm_body_rules(call_fsm& m) : fsm(&m) {}
    body_target operator()(const hop_output& head) const override { return fsm->body_target_for(head); }
};

/// Sleeps for a back-off delay; false when the caller cancelled.
inline boost::asio::awaitable<bool> back_off(clock::duration delay)
{
    namespace net = boost::asio;
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_after(delay);
    auto [ec] = co_await timer.async_wait(as_result);
    co_return !ec;
}

/// How a call holds its request: `request` (the call's own, in its frame), or
/// `std::reference_wrapper<const request>` (one that outlives the call: the strand hop
/// below borrows the request of the frame that awaits it).
/// `serialized`: the caller's executor runs one handler at a time (threading::single);
/// else a caller that is not on a strand gets a strand for the call.
template <class Held>
boost::asio::awaitable<result> execute(std::shared_ptr<client_state> st, Held held, bool serialized);

/// The call on a strand of its own, its result into `out`. A plain function, not inline
/// in execute(): co_spawn's temporaries and a returned result would be in every call's
/// frame.
inline boost::asio::awaitable<void> execute_on_own_strand(const boost::asio::any_io_executor& caller,
                                                          std::shared_ptr<client_state> st, const request& in,
                                                          result& out)
{
    namespace net = boost::asio;
    return net::co_spawn(
        net::make_strand(caller),
        [](std::shared_ptr<client_state> st, const request& in, result& out) -> net::awaitable<void> {
            out = co_await execute(std::move(st), std::cref(in), true);
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
boost::asio::awaitable<result> execute(std::shared_ptr<client_state> st, Held held, bool serialized)
{
    namespace net = boost::asio;
    using act = call_action::kind;
    using ev = call_event::kind;
    const request& in = held;
    co_await net::this_coro::throw_if_cancelled(false);
    // On an executor that may run this call's handlers on two threads at once (a bare
    // multi-threaded io_context), the call runs on a strand of its own. The caller's
    // cancellation reaches it through co_spawn.
    const auto caller = co_await net::this_coro::executor;
    if (!serialized && !is_strand(caller)) {
        auto out = std::make_unique<result>();   // this path only: see execute_on_own_strand
        co_await execute_on_own_strand(caller, std::move(st), in, *out);
        co_return std::move(*out);
    }
    call_context x{in};
    if (auto early = prepare_call(*st, x)) co_return std::move(*early);

    call_fsm fsm{x};
    for (call_action next = fsm.resume(call_event::at(ev::start));;) {
        switch (next.what) {
        case act::refresh_token:
            drop_refused_token(*st, x);
            [[fallthrough]];
        case act::fetch_token:
            co_await obtain_token(*st, x, fsm.token_error());
            next = fsm.resume(call_event::at(ev::token_fetched));
            break;
        case act::send_hop: {
            const fsm_body_rules rules(fsm);
            hop_input hop = hop_input_for(*st, x, fsm);
            co_await run_hop(*st, hop, rules, fsm.hop());
            next = fsm.resume(call_event::at(ev::hop_finished));
            break;
        }
        case act::sleep: {
            const bool slept = co_await back_off(next.sleep_for);
            auto e = call_event::at(ev::slept);
            e.cancelled = !slept;
            next = fsm.resume(e);
            break;
        }
        case act::done:
            co_return finish_call(*st, x, fsm);
        }
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_CALL_PREPARE_HPP
#define COREST_DETAIL_CALL_PREPARE_HPP

// Everything before a call's first attempt, without I/O: validation, the URL, the body,
// credentials, resolve overrides and the circuit breaker's verdict. Bad input ends the
// call here, before anything is sent.

#include <corest/detail/credentials.hpp>
#include <corest/body.hpp>
#include <corest/detail/call/context.hpp>
#include <corest/detail/client_state.hpp>
#include <corest/detail/validate.hpp>
#include <corest/result.hpp>
#include <corest/url.hpp>

#include <boost/url/url.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace corest::detail {

/// An input error's result. On the heap: it is the rare way out of prepare_call, and a
/// result held in the awaiting frame would be carried by every call in flight.
inline std::unique_ptr<result> input_error_result(const input_check& c)
{
    return std::make_unique<result>(make_error_result(c.code, c.message));
}

/// The call's own copy of its first URL, to change: never the client's cached one.
inline boost::urls::url& own_first_url(call_context& x)
{
    auto own = std::make_shared<boost::urls::url>(*x.first_url);
    boost::urls::url& u = *own;
    x.first_url = std::move(own);
    return u;
}

/// Prepares `x` for its first attempt at `now`. Null when the call goes on; else the
/// call's result (INVALID_INPUT, MISSING_INPUT, CIRCUIT_OPEN).
inline std::unique_ptr<result> prepare_call(client_state& st, call_context& x, clock::time_point now = clock::now())
{
    const request& rq = x.req;
    x.started = now;
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
        call_extras& e = x.extra();
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
        if (!st.breakers.allow(key, rq.circuit_breaker, now)) {
            auto r = std::make_unique<result>();
            r->error = corest::error::circuit_open;
            r->message = "the circuit breaker for " + key +
                         " is open after repeated failures; calls fail at once until open_seconds pass";
            r->url = x.show(*x.first_url);
            r->log = std::move(x.log);
            return r;
        }
    }
    return nullptr;
}

} // namespace corest::detail

#endif

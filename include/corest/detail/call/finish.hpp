#ifndef COREST_DETAIL_CALL_FINISH_HPP
#define COREST_DETAIL_CALL_FINISH_HPP

// The result of a call from its final attempt: status, headers, body (classified as
// json / text / bytes) or the committed dst file, cookies, history, timings and log,
// the error taxonomy for unexpected statuses; the circuit breaker learns the outcome;
// secrets are scrubbed from message and log.

#include <corest/detail/credentials.hpp>
#include <corest/circuit_breaker.hpp>
#include <corest/detail/body_classify.hpp>
#include <corest/detail/call/call_fsm.hpp>
#include <corest/detail/call/context.hpp>
#include <corest/detail/client_state.hpp>
#include <corest/result.hpp>

#include <chrono>
#include <string>
#include <system_error>

namespace corest::detail {

/// The outputs of `a`, the final attempt, into `r`.
inline void fill_result(call_context& x, attempt_outcome& a, result& r)
{
    r.url = x.show(a.url ? *a.url : *x.first_url);
    r.history = std::move(a.history);
    r.timings = a.last.timings;
    if (a.last.status) {
        r.status_code = a.last.status;
        r.http_version = a.last.http2 ? "2" : "1.1";
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
        const std::string answered = std::to_string(a.last.status) + (r.reason.empty() ? "" : " " + r.reason);
        // A 407 comes from the proxy a plain-http call went through, not from the target.
        r.message = a.last.status == 407
                        ? "the proxy answered " + answered +
                              ": give its credentials in the proxy URL (http://user:password@proxy:port)"
                        : "the server answered " + answered +
                              ", which is not in expected_status_code (list it there to accept it)";
    }
}

/// The call's result once the machine is done; the breaker learns the outcome.
inline result finish_call(client_state& st, call_context& x, call_fsm& fsm)
{
    result r;
    r.attempts = fsm.attempts();
    r.log = std::move(x.log);
    fill_result(x, fsm.outcome(), r);
    // Every outcome that is not a failure resets the count, CANCELLED included.
    if (x.req.circuit_breaker.enabled)
        st.breakers.record(x.extras->breaker_key, counts_as_breaker_failure(r.error, r.status_code),
                           std::chrono::steady_clock::now());
    if (x.extras) {
        scrub(r.message, x.extras->secrets);
        for (auto& line : r.log) scrub(line, x.extras->secrets);
    }
    return r;
}

} // namespace corest::detail

#endif

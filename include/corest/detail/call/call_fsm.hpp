#ifndef COREST_DETAIL_CALL_CALL_FSM_HPP
#define COREST_DETAIL_CALL_CALL_FSM_HPP

// A call as a state machine without I/O: resume(event) says what to do next (fetch a
// token, send a hop, sleep, or finish), and the driver (driver.hpp) carries that out and
// feeds the outcome back as the next event. The machine owns every decision of a call:
//   - the retry cursor: attempts, back-off delays and Retry-After, retry_backoff.deadline;
//   - the redirect cursor: the hop's URL, method and body, one redirect decision per
//     response (made when the body's destination is decided, reused after the body);
//   - credentials only to the first URL's origin; the 401 token refresh, once per attempt;
//   - the deadline arithmetic (total_timeout against the next back-off);
//   - cookies set by each hop, history and the log lines of attempts and redirects.
// Times come in the events, so tests drive whole calls with made-up clocks.

#include <corest/detail/call/context.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/exchange.hpp>
#include <corest/detail/hop.hpp>
#include <corest/redirect.hpp>
#include <corest/retry.hpp>

#include <boost/url/url.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace corest::detail {

inline bool status_in(unsigned status, const std::vector<unsigned>& list)
{
    return std::find(list.begin(), list.end(), status) != list.end();
}

/// The outcome of an attempt: its last hop's response or error, the URL that answered
/// (when not the first URL), and the redirects it followed.
struct attempt_outcome {
    hop_output last;
    // On the heap: most calls are never redirected, and every call in flight would carry it.
    std::unique_ptr<boost::urls::url> url;
    std::vector<history_entry> history;

    // The attempt's transport or policy error (ok when a final response arrived): the last
    // hop's own, or what ended the attempt after it.
    mapped_error& error() { return last.error; }
    const mapped_error& error() const { return last.error; }
};

/// Where an attempt's hops stand: the URL, method and body of the next hop.
struct hop_cursor {
    // The URL of the hop: the first URL, then the latest Location followed. A pointer, not
    // a url_view: a Boost.URL view of a url that is later reassigned keeps stale offsets.
    std::unique_ptr<boost::urls::url> redirected;   // on the heap, like attempt_outcome::url
    const boost::urls::url* at = nullptr;
    corest::method method = corest::method::get;
    bool send_body = true;
    unsigned hops = 0;

    const boost::urls::url& current() const { return *at; }
};

/// What the driver does next.
struct call_action {
    enum class kind : unsigned char {
        fetch_token,     // get the OAuth2 token (cache or token endpoint) into token_error()'s call
        refresh_token,   // drop the token the target refused with 401, then fetch a new one
        send_hop,        // run the hop cursor() describes, its outcome into hop()
        sleep,           // wait sleep_for (a back-off), then resume with slept
        done             // the call is over: outcome() holds its final attempt
    };
    kind what = kind::done;
    clock::duration sleep_for{};
};

/// What happened, with the clocks of that moment.
struct call_event {
    enum class kind : unsigned char { start, token_fetched, hop_finished, slept };
    kind what = kind::start;
    clock::time_point now{};
    std::chrono::system_clock::time_point wall_now{};   // Retry-After dates, cookie expiry
    bool cancelled = false;                              // slept: the caller cancelled the wait

    static call_event at(kind k, clock::time_point now = clock::now(),
                         std::chrono::system_clock::time_point wall = std::chrono::system_clock::now())
    {
        return {k, now, wall, false};
    }
};

class call_fsm {
public:
    /// `x` is prepared (prepare.hpp) and outlives the machine.
    explicit call_fsm(call_context& x) : x_(&x) {}
    call_fsm(const call_fsm&) = delete;
    call_fsm& operator=(const call_fsm&) = delete;

    call_action resume(const call_event& e)
    {
        using ev = call_event::kind;
        switch (state_) {
        case state::idle:
            if (e.what != ev::start) return finish();
            return begin_attempt();
        case state::fetching_token:
        case state::refreshing_token:
            if (outcome_.error().code != corest::error::ok) return end_attempt(e);
            return send();
        case state::sending:
            return after_hop(e);
        case state::backing_off:
        case state::backing_off_to_deadline:
            if (e.cancelled) {
                outcome_.error() = {corest::error::cancelled, "the call was cancelled during a back-off wait"};
                return finish();
            }
            if (state_ == state::backing_off_to_deadline) {
                outcome_.error() = {corest::error::timeout,
                                    "the total_timeout of " + seconds_text(x_->deadline.total_seconds()) +
                                        " ran out while waiting " + seconds_text(cut_short_delay_) +
                                        " before attempt " + std::to_string(retries_ + 2)};
                return finish();
            }
            ++retries_;
            return begin_attempt();
        case state::done:
            return finish();
        }
        return finish();
    }

    /// With send_hop: the hop to send.
    const hop_cursor& cursor() const noexcept { return cursor_; }
    /// With send_hop: whether the hop goes to the first URL's origin (credentials and the
    /// caller's cookies go only there).
    bool same_origin() const noexcept { return same_origin_; }
    /// With send_hop: where the hop's outcome goes (a fresh hop_output).
    hop_output& hop() noexcept { return outcome_.last; }
    /// With fetch_token / refresh_token: where a failure to get a token goes.
    mapped_error& token_error() noexcept { return outcome_.error(); }
    /// With done: the final attempt.
    attempt_outcome& outcome() noexcept { return outcome_; }
    unsigned attempts() const noexcept { return retries_ + 1; }

    /// Where the body of the response whose head is in `head` goes: nowhere for a redirect
    /// that will be followed, the `dst` file for an expected status, else memory. The
    /// redirect decision made here is the one the machine follows after the body.
    body_target body_target_for(const hop_output& head)
    {
        const request& req = x_->req;
        const unsigned status = head.status;
        body_target t;
        t.decode = req.decompress;
        decide_redirect(head);
        if (decided_ && decided_->what == redirect_decision::kind::follow) {
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

private:
    enum class state : unsigned char {
        idle, fetching_token, sending, refreshing_token, backing_off, backing_off_to_deadline, done
    };

    call_action begin_attempt()
    {
        outcome_ = attempt_outcome{};
        cursor_.redirected.reset();
        cursor_.at = x_->first_url.get();
        cursor_.method = x_->req.method;
        cursor_.send_body = true;
        cursor_.hops = 0;
        refreshed_token_ = false;
        if (x_->uses_oauth2() && !x_->has_oauth_token()) {
            state_ = state::fetching_token;
            return {call_action::kind::fetch_token};
        }
        return send();
    }

    call_action send()
    {
        state_ = state::sending;
        same_origin_ = cursor_.hops == 0 || origin_of(cursor_.current()) == origin_of(*x_->first_url);
        outcome_.last = hop_output{};
        decided_.reset();
        return {call_action::kind::send_hop};
    }

    call_action finish()
    {
        state_ = state::done;
        return {call_action::kind::done};
    }

    // The redirect decision for a response, once: only a redirect status needs one.
    void decide_redirect(const hop_output& head)
    {
        if (decided_ || !is_redirect_status(head.status)) return;
        const request& req = x_->req;
        decided_ = std::make_unique<redirect_decision>(next_hop(cursor_.current(), *x_->first_url, cursor_.method,
                                                                head.status, location_of(head), cursor_.hops,
                                                                req.max_redirects, req.allow_redirects));
    }

    void take_cookies(const hop_output& hop, std::chrono::system_clock::time_point wall_now)
    {
        for (const auto& cookie : hop.set_cookies)
            if (auto refused = x_->cookies().set_from_header(cursor_.current(), cookie, wall_now); !refused.empty())
                x_->log.push_back(std::move(refused));
    }

    // After a hop: the attempt ends, follows a redirect, or re-sends with a new token.
    call_action after_hop(const call_event& e)
    {
        hop_output& hop = outcome_.last;
        if (hop.error.code != corest::error::ok) {
            if (cursor_.hops > 0) outcome_.url = std::make_unique<boost::urls::url>(cursor_.current());
            return end_attempt(e);
        }
        if (hop.status == 401 && x_->has_oauth_token() && x_->extras->oauth_key && !refreshed_token_ &&
            same_origin_) {
            take_cookies(hop, e.wall_now);
            refreshed_token_ = true;
            x_->log.push_back("the target answered 401: fetching a new token and re-sending once");
            state_ = state::refreshing_token;
            return {call_action::kind::refresh_token};
        }
        take_cookies(hop, e.wall_now);
        decide_redirect(hop);
        using kind = redirect_decision::kind;
        const kind what = decided_ ? decided_->what : kind::stop;
        const boost::urls::url& current = cursor_.current();
        if (what == kind::follow) {
            const redirect_decision& d = *decided_;
            outcome_.history.push_back({hop.status, x_->show(current)});
            x_->log.push_back("redirect " + std::to_string(hop.status) + " to " + x_->show(d.target) +
                              (d.cross_origin ? " (another origin: credentials not sent)" : ""));
            cursor_.method = d.method;
            cursor_.send_body = cursor_.send_body && d.keep_body;
            // `current` may die here: not used below.
            cursor_.redirected = std::make_unique<boost::urls::url>(std::move(decided_->target));
            cursor_.at = cursor_.redirected.get();
            ++cursor_.hops;
            return send();
        }
        if (cursor_.hops > 0) outcome_.url = std::make_unique<boost::urls::url>(current);
        if (what == kind::refused) outcome_.error() = {corest::error::redirect_refused, decided_->message};
        else if (what == kind::too_many)
            outcome_.error() = {corest::error::too_many_redirects,
                                "the server redirected more than max_redirects (" +
                                    std::to_string(x_->req.max_redirects) +
                                    ") times; raise max_redirects or call the last URL in history"};
        else if (what == kind::invalid_location)
            outcome_.error() = {corest::error::protocol_error, decided_->message};
        if (outcome_.error().code != corest::error::ok && what != kind::invalid_location)
            outcome_.history.push_back({hop.status, x_->show(current)});
        return end_attempt(e);
    }

    // After an attempt: the call ends, or sleeps and tries again, or (the back-off would
    // outlast total_timeout) sleeps until the deadline and times out.
    call_action end_attempt(const call_event& e)
    {
        std::vector<std::string>& log = x_->log;
        const mapped_error& error = outcome_.error();
        const std::string what = error.code != corest::error::ok ? std::string(error_name(error.code))
                                                                 : std::to_string(outcome_.last.status);
        log.push_back("attempt " + std::to_string(retries_ + 1) + ": " + what);
        if (error.code == corest::error::cancelled || error.code == corest::error::auth_failed ||
            x_->deadline.expired(e.now))
            return finish();
        const request& req = x_->req;
        std::optional<unsigned> status;
        if (error.code == corest::error::ok) status = outcome_.last.status;
        // An expected answer that is not retried ends the call with nothing to explain.
        if (status && status_in(*status, req.expected_status_code) && !status_in(*status, req.retry_status_code))
            return finish();
        std::optional<std::string_view> retry_after;
        if (const std::string* value = find_header(outcome_.last.headers, "retry-after"); status && value)
            retry_after = *value;
        const auto elapsed = std::chrono::duration<double>(e.now - x_->started);
        auto decision = decide_retry(req, retries_, status, error.code, retry_after, elapsed, e.wall_now);
        if (!decision.retry) {
            if (!decision.reason.empty()) log.push_back(decision.reason);
            return finish();
        }
        const auto delay = std::chrono::duration_cast<clock::duration>(decision.delay);
        if (x_->deadline.bounded() && delay >= x_->deadline.remaining(e.now)) {
            log.push_back("waiting " + format_seconds(decision.delay.count()) +
                          " before retrying would exceed total_timeout");
            state_ = state::backing_off_to_deadline;
            cut_short_delay_ = decision.delay.count();
            return {call_action::kind::sleep, x_->deadline.remaining(e.now)};
        }
        log.push_back("retrying in " + format_seconds(decision.delay.count()) +
                      (decision.reason.empty() ? "" : " (" + decision.reason + ")"));
        state_ = state::backing_off;
        return {call_action::kind::sleep, delay};
    }

    call_context* x_;
    attempt_outcome outcome_;
    hop_cursor cursor_;
    // The redirect decision for the response being read; on the heap: redirects are rare,
    // and the decision carries a URL.
    std::unique_ptr<redirect_decision> decided_;
    double cut_short_delay_ = 0;   // with backing_off_to_deadline: the back-off the deadline cuts
    unsigned retries_ = 0;
    state state_ = state::idle;
    bool same_origin_ = true;
    bool refreshed_token_ = false;
};

} // namespace corest::detail

#endif

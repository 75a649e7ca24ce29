// Whole calls through the call state machine, without sockets: each test plays the
// driver, answering the machine's actions with made-up responses and clocks, and checks
// what the machine asks for next and the result it leads to.

#include <boost/test/unit_test.hpp>

#include <corest/detail/call/call_fsm.hpp>
#include <corest/detail/call/finish.hpp>
#include <corest/detail/call/prepare.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using corest::detail::call_action;
using corest::detail::call_event;
using act = call_action::kind;
using ev = call_event::kind;

const auto t0 = corest::detail::clock::time_point{} + 1000h;
const auto wall0 = std::chrono::system_clock::time_point{} + 480000h;

/// One prepared call and its machine, with the driver's part played by the test.
struct call_under_test {
    boost::asio::io_context ioc;   // the client state needs an executor; nothing runs on it
    corest::detail::client_state st{ioc.get_executor(), {}};
    corest::request req;
    std::unique_ptr<corest::detail::call_context> x;
    std::unique_ptr<corest::detail::call_fsm> fsm;
    corest::detail::clock::time_point now = t0;

    explicit call_under_test(corest::request r) : req(std::move(r))
    {
        x = std::make_unique<corest::detail::call_context>(req);
        auto early = corest::detail::prepare_call(st, *x, now);
        BOOST_TEST_REQUIRE(!early, (early ? early->message : ""));
        fsm = std::make_unique<corest::detail::call_fsm>(*x);
    }

    call_action resume(ev what, bool cancelled = false)
    {
        call_event e{what, now, wall0 + (now - t0), cancelled};
        return fsm->resume(e);
    }

    call_action start() { return resume(ev::start); }

    /// The driver's fetch: the token arrives (or `failure` says why not).
    call_action token(std::string value, corest::error failure = corest::error::ok)
    {
        if (failure != corest::error::ok) {
            fsm->token_error() = {failure, "no token"};
        } else {
            x->extra().oauth_key = "key";
            x->extras->oauth_token = corest::secret(std::move(value));
        }
        return resume(ev::token_fetched);
    }

    /// The driver's hop: a response with `status` and `headers` (Location among them),
    /// its body's destination decided by the machine as run_hop asks for it.
    call_action respond(unsigned status, corest::header_list headers = {},
                        corest::detail::body_target::kind* where = nullptr)
    {
        auto& hop = fsm->hop();
        hop.status = status;
        for (auto& [k, v] : headers) {
            if (k == "location") hop.location = std::make_unique<std::string>(v);
            if (k == "set-cookie") hop.set_cookies.push_back(v);
        }
        hop.headers = std::move(headers);
        const auto target = fsm->body_target_for(hop);
        if (where) *where = target.where;
        return resume(ev::hop_finished);
    }

    /// The driver's hop that failed with `code`.
    call_action fail(corest::error code, std::string message = "failed")
    {
        fsm->hop().error = {code, std::move(message)};
        return resume(ev::hop_finished);
    }

    std::string at() const { return std::string(fsm->cursor().current().buffer()); }

    corest::result result() { return corest::detail::finish_call(st, *x, *fsm); }
};

corest::request oauth_request()
{
    corest::request r;
    r.url = "https://api.example.com/items";
    corest::oauth2_client_credentials o;
    o.token_url = "https://auth.example.com/token";
    o.client_id = "id";
    o.client_secret = corest::secret("s3cret");
    r.authentication = o;
    return r;
}

bool logged(const corest::result& r, std::string_view line)
{
    for (const auto& l : r.log)
        if (l == line) return true;
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(call_fsm)

BOOST_AUTO_TEST_CASE(retry_after_then_redirects_across_origins_then_a_token_refresh)
{
    call_under_test c(oauth_request());
    BOOST_TEST((c.start().what == act::fetch_token));
    BOOST_TEST((c.token("t1").what == act::send_hop));
    BOOST_TEST(c.at() == "https://api.example.com/items");
    BOOST_TEST(c.fsm->same_origin());

    // Attempt 1: 503 with Retry-After: 2 -> a two-second back-off.
    auto next = c.respond(503, {{"retry-after", "2"}});
    BOOST_TEST((next.what == act::sleep));
    BOOST_TEST((next.sleep_for == 2s));
    c.now += 2s;

    // Attempt 2 keeps the token; a 302 to another origin sends no credentials there ...
    BOOST_TEST((c.resume(ev::slept).what == act::send_hop));
    BOOST_TEST(c.fsm->attempts() == 2u);
    corest::detail::body_target::kind where{};
    BOOST_TEST((c.respond(302, {{"location", "https://cdn.example.net/x"}}, &where).what == act::send_hop));
    BOOST_TEST((where == corest::detail::body_target::kind::discard));   // a followed redirect's body
    BOOST_TEST(c.at() == "https://cdn.example.net/x");
    BOOST_TEST(!c.fsm->same_origin());
    // ... and a 302 back to the first origin sends them again.
    BOOST_TEST((c.respond(302, {{"location", "https://api.example.com/items2"}}).what == act::send_hop));
    BOOST_TEST(c.fsm->same_origin());

    // A 401 there: drop the token, fetch a new one, re-send the same hop once.
    BOOST_TEST((c.respond(401).what == act::refresh_token));
    BOOST_TEST((c.token("t2").what == act::send_hop));
    BOOST_TEST(c.at() == "https://api.example.com/items2");
    BOOST_TEST(c.fsm->cursor().hops == 2u);
    BOOST_TEST((c.respond(200).what == act::done));

    auto r = c.result();
    BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(r.attempts == 2u);
    BOOST_TEST(r.url == "https://api.example.com/items2");
    BOOST_TEST_REQUIRE(r.history.size() == 2u);
    BOOST_TEST(r.history[0].url == "https://api.example.com/items");
    BOOST_TEST(r.history[1].url == "https://cdn.example.net/x");
    BOOST_TEST(logged(r, "attempt 1: 503"));
    BOOST_TEST(logged(r, "retrying in 2s (status 503 is in retry_status_code: retry 1 in 2s (Retry-After))"));
    BOOST_TEST(logged(r, "redirect 302 to https://cdn.example.net/x (another origin: credentials not sent)"));
    BOOST_TEST(logged(r, "the target answered 401: fetching a new token and re-sending once"));
    BOOST_TEST(logged(r, "attempt 2: 200"));
}

BOOST_AUTO_TEST_CASE(a_401_is_refreshed_once_per_attempt_and_only_at_the_first_origin)
{
    call_under_test twice(oauth_request());
    twice.start();
    twice.token("t1");
    BOOST_TEST((twice.respond(401).what == act::refresh_token));
    twice.token("t2");
    BOOST_TEST((twice.respond(401).what == act::done));   // the second 401 is the result
    BOOST_TEST((twice.result().error == corest::error::unauthorized));

    call_under_test elsewhere(oauth_request());
    elsewhere.start();
    elsewhere.token("t1");
    elsewhere.respond(307, {{"location", "https://other.example/"}});
    BOOST_TEST(!elsewhere.fsm->same_origin());
    BOOST_TEST((elsewhere.respond(401).what == act::done));   // no token went there: nothing to refresh

    call_under_test no_token(oauth_request());
    no_token.start();
    BOOST_TEST((no_token.token("", corest::error::auth_failed).what == act::done));   // never retried
    BOOST_TEST((no_token.result().error == corest::error::auth_failed));
}

BOOST_AUTO_TEST_CASE(total_timeout_inside_a_back_off)
{
    corest::request r;
    r.url = "http://h.example/";
    r.total_timeout = corest::seconds(3);
    call_under_test c(r);
    BOOST_TEST((c.start().what == act::send_hop));
    c.now += 1s;
    auto next = c.respond(503, {{"retry-after", "5"}});
    // Waiting 5 s would outlast the deadline: sleep what is left of it, then time out.
    BOOST_TEST((next.what == act::sleep));
    BOOST_TEST((next.sleep_for == 2s));
    c.now += 2s;
    BOOST_TEST((c.resume(ev::slept).what == act::done));
    auto result = c.result();
    BOOST_TEST((result.error == corest::error::timeout));
    BOOST_TEST(result.message == "the total_timeout of 3 s ran out while waiting 5 s before attempt 2");
    BOOST_TEST(result.attempts == 1u);
    BOOST_TEST(*result.status_code == 503u);   // the last response stays in the result
}

BOOST_AUTO_TEST_CASE(no_retry_once_the_deadline_has_passed)
{
    corest::request r;
    r.url = "http://h.example/";
    r.total_timeout = corest::seconds(1);
    call_under_test c(r);
    c.start();
    c.now += 2s;
    BOOST_TEST((c.fail(corest::error::connection_closed).what == act::done));
    BOOST_TEST((c.result().error == corest::error::connection_closed));
}

BOOST_AUTO_TEST_CASE(retry_backoff_deadline_and_the_growing_delay)
{
    corest::request r;
    r.url = "http://h.example/";
    r.retry_backoff = {1, 60, 2, 5};   // 1 s, 2 s, 4 s ... no retry starts after 5 s
    call_under_test c(r);
    c.start();
    BOOST_TEST((c.fail(corest::error::connect_failed).sleep_for == 1s));
    c.now += 1s;
    c.resume(ev::slept);
    BOOST_TEST((c.fail(corest::error::timeout).sleep_for == 2s));
    c.now += 2s;
    c.resume(ev::slept);
    BOOST_TEST((c.respond(502).what == act::done));   // a 4 s wait would start the retry at 7 s
    auto result = c.result();
    BOOST_TEST(result.attempts == 3u);
    BOOST_TEST((result.error == corest::error::bad_gateway));
}

BOOST_AUTO_TEST_CASE(a_cancel_in_the_middle_of_a_hop_or_a_back_off)
{
    corest::request r;
    r.url = "http://h.example/";
    call_under_test hop(r);
    hop.start();
    BOOST_TEST((hop.fail(corest::error::cancelled, "the call was cancelled (read http://h.example)").what == act::done));
    auto result = hop.result();
    BOOST_TEST((result.error == corest::error::cancelled));   // never retried, even for a GET
    BOOST_TEST(result.attempts == 1u);

    call_under_test sleeping(r);
    sleeping.start();
    BOOST_TEST((sleeping.respond(503).what == act::sleep));
    BOOST_TEST((sleeping.resume(ev::slept, true).what == act::done));
    BOOST_TEST((sleeping.result().error == corest::error::cancelled));
}

BOOST_AUTO_TEST_CASE(redirect_rules)
{
    corest::request post;
    post.url = "http://h.example/form";
    post.method = corest::method::post;
    post.body = corest::text_body{"x"};
    post.max_redirects = 2;
    call_under_test c(post);
    c.start();
    BOOST_TEST((c.respond(307, {{"location", "/kept"}}).what == act::send_hop));
    BOOST_TEST((c.fsm->cursor().method == corest::method::post && c.fsm->cursor().send_body));
    BOOST_TEST((c.respond(303, {{"location", "/seen"}}).what == act::send_hop));
    BOOST_TEST((c.fsm->cursor().method == corest::method::get && !c.fsm->cursor().send_body));
    BOOST_TEST((c.respond(302, {{"location", "/third"}}).what == act::done));
    auto result = c.result();
    BOOST_TEST((result.error == corest::error::too_many_redirects));
    BOOST_TEST(result.history.size() == 3u);
    BOOST_TEST(result.url == "http://h.example/seen");

    corest::request plain;
    plain.url = "http://h.example/";
    call_under_test refused(plain);
    refused.start();
    BOOST_TEST((refused.respond(301, {{"location", "ftp://h.example/f"}}).what == act::done));
    BOOST_TEST((refused.result().error == corest::error::redirect_refused));

    // Cookies a hop sets go with the later hops that match them.
    call_under_test cookies(plain);
    cookies.start();
    cookies.respond(302, {{"set-cookie", "a=1; Path=/"}, {"location", "/next"}});
    BOOST_TEST_REQUIRE(cookies.x->jar);   // the next hop, to /next, finds the cookie in the jar
    BOOST_TEST(cookies.x->jar->cookie_header_for(cookies.fsm->cursor().current(), wall0) == "a=1");
}

BOOST_AUTO_TEST_SUITE_END()

// The OAuth2 token store's decisions with a test clock: reuse, expiry with the refresh
// margin, single flight (one fetcher, the others wait), failures, and 401 invalidation.

#include <corest/detail/token_cache.hpp>

#include <boost/test/unit_test.hpp>

#include "support/test_clock.hpp"

#include <chrono>

using namespace std::chrono_literals;

namespace {

using corest::test::test_clock;

using store = corest::detail::token_store<test_clock>;
using action = store::action;
const test_clock::time_point t0 = test_clock::time_point{} + 1000h;

corest::detail::fetched_token token(std::string value, std::optional<double> expires_in)
{
    corest::detail::fetched_token t;
    t.token = corest::secret(std::move(value));
    t.expires_in = expires_in;
    return t;
}

} // namespace

BOOST_AUTO_TEST_SUITE(token_store)

BOOST_AUTO_TEST_CASE(first_call_fetches_then_the_token_is_reused)
{
    store s;
    BOOST_TEST((s.lookup("k", t0).what == action::fetch));
    s.complete("k", token("tok-1", 3600), t0);
    auto hit = s.lookup("k", t0 + 10s);
    BOOST_TEST((hit.what == action::use));
    BOOST_TEST(hit.token->reveal() == "tok-1");
}

BOOST_AUTO_TEST_CASE(while_one_fetches_the_others_wait)
{
    store s;
    BOOST_TEST((s.lookup("k", t0).what == action::fetch));
    for (int i = 0; i < 200; ++i) BOOST_TEST((s.lookup("k", t0).what == action::wait));
    BOOST_TEST((s.lookup("other key", t0).what == action::fetch));   // keys are independent
    s.complete("k", token("tok-1", 3600), t0);
    BOOST_TEST((s.lookup("k", t0).what == action::use));
}

BOOST_AUTO_TEST_CASE(expiry_keeps_a_refresh_margin)
{
    // 3600 s of life: a tenth would be 360 s, capped at 30 s, so usable until 3570 s.
    store s;
    s.lookup("k", t0);
    s.complete("k", token("tok-1", 3600), t0);
    BOOST_TEST((s.lookup("k", t0 + 3569s).what == action::use));
    BOOST_TEST((s.lookup("k", t0 + 3570s).what == action::fetch));

    // 60 s of life: the margin is a tenth (6 s), so usable until 54 s.
    store short_lived;
    short_lived.lookup("k", t0);
    short_lived.complete("k", token("tok-2", 60), t0);
    BOOST_TEST((short_lived.lookup("k", t0 + 53s).what == action::use));
    BOOST_TEST((short_lived.lookup("k", t0 + 54s).what == action::fetch));
}

BOOST_AUTO_TEST_CASE(without_expires_in_the_token_lives_until_invalidated)
{
    store s;
    s.lookup("k", t0);
    s.complete("k", token("tok-1", std::nullopt), t0);
    BOOST_TEST((s.lookup("k", t0 + 24h * 365).what == action::use));
    s.invalidate("k", corest::secret("tok-1"));
    BOOST_TEST((s.lookup("k", t0 + 24h * 365).what == action::fetch));
}

BOOST_AUTO_TEST_CASE(invalidating_an_old_token_keeps_the_newer_one)
{
    // A call that got 401 with tok-1 must not drop tok-2 fetched meanwhile.
    store s;
    s.lookup("k", t0);
    s.complete("k", token("tok-2", 3600), t0);
    s.invalidate("k", corest::secret("tok-1"));
    auto hit = s.lookup("k", t0);
    BOOST_TEST((hit.what == action::use));
    BOOST_TEST(hit.token->reveal() == "tok-2");
}

BOOST_AUTO_TEST_CASE(a_failed_fetch_lets_the_next_call_fetch_again)
{
    store s;
    s.lookup("k", t0);
    corest::detail::fetched_token failed;
    failed.failure = "the token endpoint answered 500";
    s.complete("k", failed, t0);
    BOOST_TEST((s.lookup("k", t0).what == action::fetch));
}

BOOST_AUTO_TEST_CASE(refresh_margin_is_a_tenth_at_most_30_seconds)
{
    using corest::detail::refresh_margin;
    BOOST_TEST((refresh_margin(std::chrono::seconds(100)) == std::chrono::seconds(10)));
    BOOST_TEST((refresh_margin(std::chrono::seconds(3600)) == std::chrono::seconds(30)));
    BOOST_TEST((refresh_margin(std::chrono::seconds(0)) == std::chrono::seconds(0)));
}

BOOST_AUTO_TEST_SUITE_END()

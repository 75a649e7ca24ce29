// The pool's bookkeeping without sockets: idle lists, caps, FIFO waiters, expiry and
// hand-over, driven with a test clock and plain handles.

#include <boost/test/unit_test.hpp>

#include "support/test_clock.hpp"

#include <corest/detail/pool/book.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using corest::test::test_clock;
using book = corest::detail::pool_book<std::string, test_clock>;   // a handle is the connection's name
const test_clock::time_point t0{};

struct scratch {
    std::vector<std::string> closing;
    std::vector<book::grant> woken;
    std::optional<std::string> to_close;
};

corest::pool_options caps(std::size_t per_origin, std::size_t total = 0, std::size_t max_idle = 1024)
{
    corest::pool_options o;
    o.max_connections_per_origin = per_origin;
    o.max_connections_total = total;
    o.max_idle_per_origin = max_idle;
    return o;
}

auto still_open = [](const std::string&) { return true; };

} // namespace

BOOST_AUTO_TEST_SUITE(pool_book)

BOOST_AUTO_TEST_CASE(an_idle_connection_is_reused_newest_first_until_it_expires)
{
    book b;
    scratch s;
    BOOST_TEST(b.try_acquire("a"));
    BOOST_TEST(b.try_acquire("a"));
    BOOST_TEST(b.live_count("a") == 2u);
    b.give_back("a", "c1", t0, s.woken, s.to_close);
    b.give_back("a", "c2", t0 + 1s, s.woken, s.to_close);
    BOOST_TEST(b.idle_count() == 2u);
    BOOST_TEST(*b.take_idle("a", t0 + 2s, still_open, s.closing, s.woken) == "c2");   // the newest
    BOOST_TEST(!b.take_idle("b", t0, still_open, s.closing, s.woken));                // another key
    // c1 has been idle past idle_timeout (30 s): closed, its slot freed.
    BOOST_TEST(!b.take_idle("a", t0 + 31s, still_open, s.closing, s.woken));
    BOOST_TEST((s.closing == std::vector<std::string>{"c1"}));
    BOOST_TEST(b.live_count("a") == 1u);   // c2, in use
    // One the caller finds closed (the server hung up) goes the same way.
    b.give_back("a", "c2", t0 + 40s, s.woken, s.to_close);
    BOOST_TEST(!b.take_idle("a", t0 + 41s, [](const std::string&) { return false; }, s.closing, s.woken));
    BOOST_TEST(b.live_count() == 0u);
}

BOOST_AUTO_TEST_CASE(caps_make_calls_wait_in_order)
{
    book b(caps(1));
    scratch s;
    BOOST_TEST(b.try_acquire("a"));
    BOOST_TEST(!b.try_acquire("a"));   // the cap of one per origin
    BOOST_TEST(b.try_acquire("b"));    // another origin has its own
    const auto first = b.wait("a", s.to_close, s.woken);
    const auto second = b.wait("a", s.to_close, s.woken);
    BOOST_TEST(s.woken.empty());
    BOOST_TEST(!b.try_acquire("c"));   // while calls wait, every new one queues behind them (FIFO)
    // Hand-over: the connection given back goes to the first waiter, open, with its slot.
    b.give_back("a", "conn-a", t0, s.woken, s.to_close);
    BOOST_TEST_REQUIRE(s.woken.size() == 1u);
    BOOST_TEST(s.woken[0].id == first);
    BOOST_TEST(*s.woken[0].handed == "conn-a");
    BOOST_TEST(b.idle_count() == 0u);
    s.woken.clear();
    // A closed connection frees its slot for the next waiter, who connects anew.
    b.release("a", s.woken);
    BOOST_TEST_REQUIRE(s.woken.size() == 1u);
    BOOST_TEST(s.woken[0].id == second);
    BOOST_TEST(!s.woken[0].handed);
    BOOST_TEST(b.live_count("a") == 1u);
    BOOST_TEST(b.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(a_waiter_that_gives_up_is_forgotten)
{
    book b(caps(1));
    scratch s;
    BOOST_TEST(b.try_acquire("a"));
    const auto w = b.wait("a", s.to_close, s.woken);
    BOOST_TEST(b.forget(w));
    BOOST_TEST(!b.forget(w));
    b.release("a", s.woken);
    BOOST_TEST(s.woken.empty());   // nobody left to grant
    BOOST_TEST(b.try_acquire("a"));
}

BOOST_AUTO_TEST_CASE(the_total_cap_takes_an_idle_connection_of_another_origin)
{
    book b(caps(0, 1));
    scratch s;
    BOOST_TEST(b.try_acquire("a"));
    b.give_back("a", "idle-a", t0, s.woken, s.to_close);
    BOOST_TEST(!b.try_acquire("b"));   // the one slot is held by the idle connection of a
    const auto w = b.wait("b", s.to_close, s.woken);
    // To make room the idle connection of a is closed, and the waiter for b gets its slot.
    BOOST_TEST_REQUIRE(s.to_close.has_value());
    BOOST_TEST(*s.to_close == "idle-a");
    BOOST_TEST_REQUIRE(s.woken.size() == 1u);
    BOOST_TEST(s.woken[0].id == w);
    BOOST_TEST(b.live_count("b") == 1u);
    BOOST_TEST(b.live_count("a") == 0u);
}

BOOST_AUTO_TEST_CASE(a_returned_connection_is_closed_when_others_wait_or_the_idle_list_is_full)
{
    book full(caps(0, 0, 1));
    scratch s;
    full.try_acquire("a");
    full.try_acquire("a");
    BOOST_TEST((full.give_back("a", "one", t0, s.woken, s.to_close) == book::returned::kept));
    BOOST_TEST((full.give_back("a", "two", t0, s.woken, s.to_close) == book::returned::close));
    BOOST_TEST(*s.to_close == "two");
    BOOST_TEST(full.live_count("a") == 1u);

    book busy(caps(0, 2));
    scratch t;
    busy.try_acquire("a");
    busy.try_acquire("b");
    const auto w = busy.wait("c", t.to_close, t.woken);   // nothing idle to close yet
    BOOST_TEST(!t.to_close);
    // a's connection would sit idle while c waits: it is closed and c gets the slot.
    BOOST_TEST((busy.give_back("a", "conn-a", t0, t.woken, t.to_close) == book::returned::close));
    BOOST_TEST_REQUIRE(t.woken.size() == 1u);
    BOOST_TEST(t.woken[0].id == w);
    BOOST_TEST(busy.live_count("c") == 1u);
}

BOOST_AUTO_TEST_CASE(closing_everything_idle_frees_the_slots)
{
    book b(caps(0, 1));
    scratch s;
    b.try_acquire("a");
    b.give_back("a", "c", t0, s.woken, s.to_close);
    BOOST_TEST((b.take_all_idle(s.woken) == std::vector<std::string>{"c"}));
    BOOST_TEST(b.live_count() == 0u);
    BOOST_TEST(b.try_acquire("b"));
}

BOOST_AUTO_TEST_SUITE_END()

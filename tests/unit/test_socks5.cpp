// The SOCKS5 handshake over byte vectors: what corest writes, and what it makes of each
// answer a proxy can give.

#include <boost/test/unit_test.hpp>

#include <corest/detail/net/socks5_handshake.hpp>

#include <string>

namespace {

using corest::detail::socks5_handshake;
using kind = socks5_handshake::step::kind;

std::string bytes(std::initializer_list<int> b)
{
    std::string out;
    for (int x : b) out += static_cast<char>(x);
    return out;
}

socks5_handshake by_name(std::optional<socks5_handshake::credentials> c = std::nullopt)
{
    return socks5_handshake("api.example", std::nullopt, 443, std::move(c), "socks5h://p:1080");
}

} // namespace

BOOST_AUTO_TEST_SUITE(socks5)

BOOST_AUTO_TEST_CASE(no_authentication_and_a_name_for_the_proxy_to_resolve)
{
    auto h = by_name();
    auto s = h.start();
    BOOST_TEST((s.what == kind::write_then_read));
    BOOST_TEST(s.out == bytes({5, 1, 0}));
    BOOST_TEST(s.need == 2u);
    s = h.received(bytes({5, 0}));
    BOOST_TEST(s.out == bytes({5, 1, 0, 3, 11}) + "api.example" + bytes({1, 187}));   // port 443
    BOOST_TEST(s.need == 4u);
    s = h.received(bytes({5, 0, 0, 1}));   // bound to an IPv4 address: 4 bytes and a port follow
    BOOST_TEST(s.need == 6u);
    BOOST_TEST((h.received(bytes({127, 0, 0, 1, 0, 80})).what == kind::done));
}

BOOST_AUTO_TEST_CASE(an_address_resolved_by_corest)
{
    socks5_handshake v4("h", boost::asio::ip::make_address("10.1.2.3"), 8080, std::nullopt, "socks5://p:1080");
    v4.start();
    BOOST_TEST(v4.received(bytes({5, 0})).out == bytes({5, 1, 0, 1, 10, 1, 2, 3, 0x1f, 0x90}));
    socks5_handshake v6("h", boost::asio::ip::make_address("::1"), 80, std::nullopt, "socks5://p:1080");
    v6.start();
    BOOST_TEST(v6.received(bytes({5, 0})).out ==
               bytes({5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80}));
    // A reply bound to a name: its length, then the name and port.
    auto s = v6.received(bytes({5, 0, 0, 3}));
    BOOST_TEST(s.need == 1u);
    BOOST_TEST(v6.received(bytes({4})).need == 6u);
    BOOST_TEST((v6.received("name" + bytes({0, 1})).what == kind::done));
}

BOOST_AUTO_TEST_CASE(username_and_password)
{
    auto h = by_name(socks5_handshake::credentials{"user", "pass"});
    BOOST_TEST(h.start().out == bytes({5, 2, 0, 2}));
    auto s = h.received(bytes({5, 2}));
    BOOST_TEST(s.out == bytes({1, 4}) + "user" + bytes({4}) + "pass");
    BOOST_TEST(s.need == 2u);
    BOOST_TEST(h.received(bytes({1, 0})).need == 4u);   // accepted: the connect request

    auto rejected = by_name(socks5_handshake::credentials{"user", "wrong"});
    rejected.start();
    rejected.received(bytes({5, 2}));
    auto r = rejected.received(bytes({1, 1}));
    BOOST_TEST((r.what == kind::failed));
    BOOST_TEST((r.error == corest::error::proxy_authentication_required));
    BOOST_TEST(r.message == "the proxy rejected the username and password (SOCKS5 proxy socks5h://p:1080)");
    BOOST_TEST(r.message.find("wrong") == std::string::npos);

    // A proxy that offers no method for us while we had credentials: a proxy error.
    auto none = by_name(socks5_handshake::credentials{"u", "p"});
    none.start();
    BOOST_TEST((none.received(bytes({5, 0xFF})).error == corest::error::proxy_error));
}

BOOST_AUTO_TEST_CASE(a_proxy_that_wants_credentials_none_were_given_for)
{
    auto h = by_name();
    h.start();
    auto s = h.received(bytes({5, 0xFF}));
    BOOST_TEST((s.error == corest::error::proxy_authentication_required));
    BOOST_TEST(s.message.find("credentials") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_reply_code_is_a_proxy_error_with_its_meaning)
{
    for (int code = 1; code <= 9; ++code) {
        auto h = by_name();
        h.start();
        h.received(bytes({5, 0}));
        auto s = h.received(bytes({5, code, 0, 1}));
        BOOST_TEST_CONTEXT("reply " << code)
        {
            BOOST_TEST((s.error == corest::error::proxy_error));
            BOOST_TEST(s.message.find(std::string(socks5_handshake::reply_meaning(static_cast<unsigned>(code)))) !=
                       std::string::npos);
            BOOST_TEST(s.message.find("(reply " + std::to_string(code) + ")") != std::string::npos);
        }
    }
    auto refused = by_name();
    refused.start();
    refused.received(bytes({5, 0}));
    BOOST_TEST(refused.received(bytes({5, 5, 0, 1})).message ==
               "the proxy could not connect: connection refused by destination (reply 5) (SOCKS5 proxy socks5h://p:1080)");
}

BOOST_AUTO_TEST_CASE(garbage_is_a_proxy_error)
{
    for (const auto& answer : {bytes({4, 0}), std::string("HT"), bytes({5, 1})}) {
        auto h = by_name();
        h.start();
        BOOST_TEST((h.received(answer).error == corest::error::proxy_error));
    }
    auto h = by_name();
    h.start();
    h.received(bytes({5, 0}));
    BOOST_TEST((h.received(bytes({5, 0, 0, 9})).error == corest::error::proxy_error));   // no such address type
    BOOST_TEST((h.received(bytes({5, 0, 0, 1})).error == corest::error::unknown_error));   // resumed after failing
}

BOOST_AUTO_TEST_SUITE_END()

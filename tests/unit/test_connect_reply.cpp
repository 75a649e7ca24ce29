// The HTTP proxy tunnel's request and the verdicts on a proxy's answers, without sockets.

#include <boost/test/unit_test.hpp>

#include <corest/detail/net/connect_reply.hpp>

#include <algorithm>
#include <string>

namespace {

using corest::detail::connect_reply;
using verdict = connect_reply::verdict;

verdict feed_all(connect_reply& r, std::string_view text, std::size_t piece)
{
    verdict v = verdict::need_more;
    std::string pending;
    for (std::size_t i = 0; i < text.size() && v == verdict::need_more; i += piece) {
        pending.append(text.data() + i, std::min(piece, text.size() - i));
        std::size_t used = 0;
        v = r.feed(pending, used, "http://p:3128");
        pending.erase(0, used);
    }
    return v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(connect_tunnel)

BOOST_AUTO_TEST_CASE(the_connect_request)
{
    BOOST_TEST(corest::detail::connect_authority("api.example", 443) == "api.example:443");
    BOOST_TEST(corest::detail::connect_authority("::1", 8443) == "[::1]:8443");
    BOOST_TEST(corest::detail::connect_request("api.example:443", std::nullopt, "corest/1") ==
               "CONNECT api.example:443 HTTP/1.1\r\nHost: api.example:443\r\nUser-Agent: corest/1\r\n"
               "Proxy-Connection: Keep-Alive\r\n\r\n");
    const auto auth = corest::detail::proxy_basic_authorization("u", "p:w");
    BOOST_TEST(auth == "Basic dTpwOnc=");
    BOOST_TEST(corest::detail::connect_request("h:1", auth, "x").find("\r\nProxy-Authorization: Basic dTpwOnc=\r\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_2xx_opens_the_tunnel_in_any_pieces)
{
    for (std::size_t piece : {1u, 3u, 1000u}) {
        connect_reply r;
        BOOST_TEST((feed_all(r, "HTTP/1.1 200 Connection established\r\nVia: squid\r\n\r\n", piece) == verdict::tunnel_open));
        BOOST_TEST(r.status() == 200u);
    }
    connect_reply http10;
    BOOST_TEST((feed_all(http10, "HTTP/1.0 200 OK\r\n\r\n", 100) == verdict::tunnel_open));
}

BOOST_AUTO_TEST_CASE(answers_that_refuse)
{
    connect_reply auth;
    BOOST_TEST((feed_all(auth, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 5\r\n\r\nnope!", 1000) ==
                verdict::refused));
    BOOST_TEST((auth.error() == corest::error::proxy_authentication_required));
    BOOST_TEST(auth.status() == 407u);
    BOOST_TEST(auth.message().find("407 Proxy Authentication Required") != std::string::npos, auth.message());

    connect_reply closed;
    BOOST_TEST((feed_all(closed, "HTTP/1.1 503 Service Unavailable\r\n\r\n", 1000) == verdict::refused));
    BOOST_TEST((closed.error() == corest::error::proxy_error));
    BOOST_TEST(closed.message() == "the proxy http://p:3128 answered CONNECT with 503 Service Unavailable");

    connect_reply garbage;
    BOOST_TEST((feed_all(garbage, "SSH-2.0-OpenSSH\r\n\r\n", 1000) == verdict::refused));
    BOOST_TEST((garbage.error() == corest::error::proxy_error));
    BOOST_TEST(garbage.message().find("did not answer CONNECT with HTTP") != std::string::npos);

    connect_reply early;   // the target's bytes may not come before corest speaks
    BOOST_TEST((feed_all(early, "HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\n", 1000) == verdict::refused));
    BOOST_TEST((early.error() == corest::error::proxy_error));
    BOOST_TEST(early.message().find("sent bytes after its answer to CONNECT") != std::string::npos);

    connect_reply huge;   // a head that never ends is bounded
    std::string head = "HTTP/1.1 200 OK\r\n";
    while (head.size() < 20000) head += "X-Pad: " + std::string(100, 'p') + "\r\n";
    BOOST_TEST((feed_all(huge, head, 512) == verdict::refused));
    BOOST_TEST((huge.error() == corest::error::proxy_error));
}

BOOST_AUTO_TEST_SUITE_END()

// Proxies through client.execute, against squid, stunnel and microsocks on loopback: the
// environment read only when the client is told to, one tunnel reused for its target,
// credentials kept from the target and the outputs.

#include "support/call.hpp"
#include "support/servers.hpp"
#include "support/wire_log.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using corest::test::call;
using corest::test::get;
using corest::test::servers;
using corest::test::wire_request;

namespace {

std::string squid_log()
{
    std::ifstream in(servers().proxy_log);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Squid writes a call's line when the call ends: wait a moment for it.
bool squid_logged(const std::string& needle)
{
    for (int i = 0; i < 20; ++i) {
        if (squid_log().find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::size_t count_of(const std::string& text, const std::string& needle)
{
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

struct scoped_env {
    std::string name;
    scoped_env(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
    ~scoped_env() { ::unsetenv(name.c_str()); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(proxies)

BOOST_AUTO_TEST_CASE(the_environment_only_when_the_client_is_told)
{
    scoped_env proxy("http_proxy", servers().proxy);
    auto ignored = call(get(servers().wire + "/proxy-env-ignored"));
    BOOST_TEST_REQUIRE(ignored.ok(), ignored.message);
    BOOST_TEST(ignored.log.front().rfind("GET ", 0) == 0u);   // no proxy line: direct
    corest::client_options options;
    options.proxy_from_environment = true;
    auto used = call(get(servers().wire + "/proxy-env-used"), options);
    BOOST_TEST_REQUIRE(used.ok(), used.message);
    BOOST_TEST(used.log.front() == "proxy " + servers().proxy + " (http_proxy)");
    BOOST_TEST(squid_logged("GET " + servers().wire + "/proxy-env-used"));
    BOOST_TEST(!squid_logged("proxy-env-ignored"));
}

BOOST_AUTO_TEST_CASE(one_tunnel_for_sequential_calls_to_its_target)
{
    const std::string target = "CONNECT localhost:" + servers().tls.substr(servers().tls.rfind(':') + 1);
    const auto before = count_of(squid_log(), target);
    auto results = corest::test::run_coro(
        [&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
            corest::client c{ex};
            std::vector<corest::result> out;
            for (int i = 0; i < 4; ++i) {
                auto req = get(servers().tls + "/hello");
                req.cacert = servers().cert("ca.pem");
                req.proxy = {corest::proxy_setting::mode::url, servers().proxy};
                out.push_back(co_await c.execute(req));
            }
            BOOST_TEST(c.live_connections() == 1u);
            co_return out;
        });
    for (const auto& r : results) BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(results[1].timings.connect == 0.0);   // reused: no connect, no tunnel
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    BOOST_TEST(count_of(squid_log(), target) - before == 1u);
}

BOOST_AUTO_TEST_CASE(credentials_go_to_the_proxy_only)
{
    const auto& s = servers();
    auto req = get(s.wire + "/proxy-credentials");
    const std::string port = s.proxy_auth.substr(s.proxy_auth.rfind(':') + 1);
    req.proxy = {corest::proxy_setting::mode::url, "http://" + s.proxy_user + ":" + s.proxy_password + "@127.0.0.1:" + port};
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(wire_request("/proxy-credentials")->header("Proxy-Authorization") == "");
    for (const auto& line : r.log) BOOST_TEST(line.find(s.proxy_password) == std::string::npos, line);
    BOOST_TEST(r.url.find(s.proxy_password) == std::string::npos);

    auto socks = get(s.wire + "/proxy-socks");
    socks.proxy = {corest::proxy_setting::mode::url,
                   "socks5h://" + s.socks_user + ":wrong@" + s.socks_auth};
    auto refused = call(socks);
    BOOST_TEST((refused.error == corest::error::proxy_authentication_required));
    BOOST_TEST(refused.message.find("wrong") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls_in_tls_through_an_https_proxy)
{
    auto req = get(servers().tls + "/hello");
    req.cacert = servers().cert("ca.pem");
    req.proxy = {corest::proxy_setting::mode::url, servers().proxy_tls};
    req.proxy_cacert = servers().cert("ca.pem");
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.body == "hello, world\n");
    BOOST_TEST(r.timings.tls > 0.0);
}

BOOST_AUTO_TEST_SUITE_END()

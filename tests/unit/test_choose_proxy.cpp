// Choosing a hop's proxy: the inputs, then curl's environment rules, then no_proxy; a
// table of cases, each a rule.

#include <boost/test/unit_test.hpp>

#include <corest/proxy.hpp>

#include <optional>
#include <string>

namespace {

using corest::proxy_environment;
using corest::proxy_setting;
using mode = proxy_setting::mode;

struct row {
    const char* what;
    const char* scheme;
    const char* host;
    std::uint16_t port;
    proxy_setting setting;
    std::optional<std::string> no_proxy_input;
    proxy_environment env;
    const char* expected;   // the proxy's shown form, or "" for direct
    const char* why = nullptr;   // the log line, when it is checked
};

proxy_environment env_with(std::initializer_list<std::pair<const char*, const char*>> vars)
{
    proxy_environment e;
    for (auto [name, value] : vars) {
        const std::string n = name;
        if (n == "http_proxy") e.http_proxy = value;
        else if (n == "https_proxy") e.https_proxy = value;
        else if (n == "HTTPS_PROXY") e.HTTPS_PROXY = value;
        else if (n == "all_proxy") e.all_proxy = value;
        else if (n == "ALL_PROXY") e.ALL_PROXY = value;
        else if (n == "no_proxy") e.no_proxy = value;
        else if (n == "NO_PROXY") e.NO_PROXY = value;
    }
    return e;
}

const proxy_setting from_env{};
proxy_setting explicit_proxy(const char* url) { return {mode::url, url}; }
const proxy_setting disabled{mode::none, {}};

} // namespace

BOOST_AUTO_TEST_SUITE(choose_proxy)

BOOST_AUTO_TEST_CASE(the_rules_row_by_row)
{
    const auto http_env = env_with({{"http_proxy", "http://p:3128"}});
    const row rows[] = {
        {"no proxy anywhere", "http", "h.example", 80, from_env, {}, {}, "", "direct"},
        {"http_proxy for http", "http", "h.example", 80, from_env, {}, http_env, "http://p:3128", "proxy http://p:3128 (http_proxy)"},
        {"http_proxy not for https", "https", "h.example", 443, from_env, {}, http_env, ""},
        {"HTTPS_PROXY not for http (and HTTP_PROXY is never read)", "http", "h.example", 80, from_env, {}, env_with({{"HTTPS_PROXY", "http://up:1"}}), ""},
        {"https_proxy for https", "https", "h.example", 443, from_env, {}, env_with({{"https_proxy", "http://s:8080"}}), "http://s:8080"},
        {"HTTPS_PROXY for https", "https", "h.example", 443, from_env, {}, env_with({{"HTTPS_PROXY", "http://S:8080"}}), "http://s:8080"},
        {"lower case wins", "https", "h.example", 443, from_env, {}, env_with({{"https_proxy", "http://low:1"}, {"HTTPS_PROXY", "http://up:1"}}), "http://low:1"},
        {"https_proxy not for http", "http", "h.example", 80, from_env, {}, env_with({{"https_proxy", "http://s:8080"}}), ""},
        {"all_proxy for http", "http", "h.example", 80, from_env, {}, env_with({{"all_proxy", "socks5://a:1080"}}), "socks5://a:1080"},
        {"ALL_PROXY for https", "https", "h.example", 443, from_env, {}, env_with({{"ALL_PROXY", "socks5h://a"}}), "socks5h://a:1080"},
        {"all_proxy lower case wins", "http", "h.example", 80, from_env, {}, env_with({{"all_proxy", "http://low:2"}, {"ALL_PROXY", "http://up:2"}}), "http://low:2"},
        {"scheme proxy before all_proxy", "http", "h.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"all_proxy", "http://a:1"}}), "http://p:1"},
        {"an empty variable is unset", "http", "h.example", 80, from_env, {}, env_with({{"http_proxy", ""}, {"all_proxy", "http://a:1"}}), "http://a:1"},
        {"the input wins over the environment", "http", "h.example", 80, explicit_proxy("http://in:9"), {}, http_env, "http://in:9", "proxy http://in:9 (the proxy input)"},
        {"proxy false: direct", "http", "h.example", 80, disabled, {}, http_env, "", "direct (proxy is false)"},
        {"default port http", "http", "h.example", 80, explicit_proxy("http://p"), {}, {}, "http://p:80"},
        {"default port https", "http", "h.example", 80, explicit_proxy("https://p"), {}, {}, "https://p:443"},
        {"default port socks5", "http", "h.example", 80, explicit_proxy("socks5://p"), {}, {}, "socks5://p:1080"},
        {"a bare host:port is http", "http", "h.example", 80, explicit_proxy("p.example:3128"), {}, {}, "http://p.example:3128"},
        {"an IPv6 proxy", "http", "h.example", 80, explicit_proxy("http://[::1]:3128"), {}, {}, "http://[::1]:3128"},
        {"no_proxy exact host", "http", "h.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "h.example"}}), "", "direct (no_proxy)"},
        {"no_proxy suffix", "http", "a.b.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "b.example"}}), ""},
        {"no_proxy leading dot", "http", "a.b.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", ".b.example"}}), ""},
        {"no_proxy leading dot matches the domain itself", "http", "b.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", ".b.example"}}), ""},
        {"no_proxy is not a substring match", "http", "notb.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "b.example"}}), "http://p:1"},
        {"no_proxy without case", "http", "H.Example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "h.EXAMPLE"}}), ""},
        {"no_proxy trailing dot", "http", "h.example.", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "h.example."}}), ""},
        {"no_proxy star", "https", "any.where", 443, from_env, {}, env_with({{"https_proxy", "http://p:1"}, {"no_proxy", "*"}}), ""},
        {"no_proxy list with blanks", "http", "c.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "a.example, b.example  c.example"}}), ""},
        {"no_proxy IPv4", "http", "10.1.2.3", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "10.1.2.3"}}), ""},
        {"no_proxy IPv4 other", "http", "10.1.2.4", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "10.1.2.3"}}), "http://p:1"},
        {"no_proxy CIDR", "http", "192.168.7.9", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "192.168.0.0/16"}}), ""},
        {"no_proxy CIDR outside", "http", "192.169.7.9", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "192.168.0.0/16"}}), "http://p:1"},
        {"no_proxy IPv6 with brackets", "http", "::1", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "[::1]"}}), ""},
        {"no_proxy IPv6 without brackets", "http", "::1", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "::1"}}), ""},
        {"no_proxy IPv6 CIDR", "http", "fd00::5", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "fd00::/8"}}), ""},
        {"no_proxy a name does not match an address", "http", "127.0.0.1", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "localhost"}}), "http://p:1"},
        {"no_proxy with the port", "http", "h.example", 8080, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "h.example:8080"}}), ""},
        {"no_proxy with another port", "http", "h.example", 8081, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "h.example:8080"}}), "http://p:1"},
        {"no_proxy IPv6 with a port", "http", "::1", 8080, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "[::1]:8080"}}), ""},
        {"no_proxy applies to the proxy input too", "http", "h.example", 80, explicit_proxy("http://in:9"), {}, env_with({{"no_proxy", "h.example"}}), ""},
        {"the no_proxy input wins over the environment", "http", "h.example", 80, from_env, std::string("other.example"), env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "h.example"}}), "http://p:1"},
        {"the no_proxy input", "http", "h.example", 80, from_env, std::string("h.example"), http_env, ""},
        {"NO_PROXY when no_proxy is unset", "http", "h.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"NO_PROXY", "h.example"}}), ""},
        {"no_proxy lower case wins over NO_PROXY", "http", "h.example", 80, from_env, {}, env_with({{"http_proxy", "http://p:1"}, {"no_proxy", "x.example"}, {"NO_PROXY", "h.example"}}), "http://p:1"},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.what)
        {
            const auto c = corest::choose_proxy(r.scheme, r.host, r.port, r.setting, r.no_proxy_input, r.env);
            BOOST_TEST(c.problem.empty(), c.problem);
            BOOST_TEST((c.proxy ? c.proxy->shown : std::string()) == std::string(r.expected));
            if (r.why) BOOST_TEST(c.why == r.why);
        }
    }
    BOOST_TEST(std::size(rows) >= 40u);
}

BOOST_AUTO_TEST_CASE(proxy_urls)
{
    std::string why;
    auto p = corest::parse_proxy_url("http://us%40er:p%3Ass@Proxy.Example:3128", why);
    BOOST_TEST_REQUIRE(p.has_value(), why);
    BOOST_TEST(p->host == "proxy.example");
    BOOST_TEST(p->port == 3128);
    BOOST_TEST(*p->username == "us@er");
    BOOST_TEST(*p->password == "p:ss");
    BOOST_TEST(p->shown == "http://proxy.example:3128");   // never the credentials
    BOOST_TEST((p->type == corest::proxy_endpoint::kind::http));
    for (const char* bad : {"ftp://p:21", "http://p:0", "http://p:70000", "http://p/path", "http://", "socks4://p"}) {
        BOOST_TEST_CONTEXT(bad)
        {
            BOOST_TEST(!corest::parse_proxy_url(bad, why));
            BOOST_TEST(!why.empty());
        }
    }
    // A bad proxy URL from the environment is a problem to report, not a silent direct call.
    const auto c = corest::choose_proxy("http", "h", 80, {}, {}, env_with({{"http_proxy", "ftp://p"}}));
    BOOST_TEST(!c.proxy);
    BOOST_TEST(c.problem.find("http_proxy") != std::string::npos, c.problem);
}

BOOST_AUTO_TEST_SUITE_END()

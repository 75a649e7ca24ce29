#include <boost/test/unit_test.hpp>

#include <corest/url.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

corest::request with_url(std::string url, bool encode = true)
{
    corest::request r;
    r.url = std::move(url);
    r.encode_url = encode;
    return r;
}

corest::request with_host(std::string host)
{
    corest::request r;
    r.hostname = std::move(host);
    return r;
}

// The composed URL text; fails the test when composing failed.
std::string composed(const corest::request& r)
{
    auto c = corest::compose_url(r);
    BOOST_TEST_REQUIRE(c.problem.ok(), "unexpected problem: " << c.problem.message);
    return std::string(c.url.buffer());
}

corest::input_check problem_of(const corest::request& r)
{
    auto c = corest::compose_url(r);
    BOOST_TEST(!c.problem.ok());
    BOOST_TEST(c.url.buffer().empty());
    return c.problem;
}

bool starts_with(const std::string& s, std::string_view prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

boost::urls::url_view view(std::string_view s)
{
    return boost::urls::parse_uri(s).value();
}

} // namespace

BOOST_AUTO_TEST_SUITE(url)

BOOST_AUTO_TEST_CASE(url_wins_and_lists_ignored_inputs)
{
    auto r = with_url("https://api.example.com/items?x=1");
    r.scheme = "http";
    r.hostname = "other.example.com";
    r.port = 8080;
    r.base_path = "v1";
    r.path = "things";
    auto c = corest::compose_url(r);
    BOOST_TEST_REQUIRE(c.problem.ok());
    BOOST_TEST(std::string(c.url.buffer()) == "https://api.example.com/items?x=1");
    std::vector<std::string> expected{"scheme", "hostname", "port", "base_path", "path"};
    BOOST_TEST(c.ignored == expected, boost::test_tools::per_element());

    auto plain = corest::compose_url(with_url("https://api.example.com/"));
    BOOST_TEST(plain.ignored.empty());
}

BOOST_AUTO_TEST_CASE(parts_and_default_ports)
{
    BOOST_TEST(composed(with_host("api.example.com")) == "https://api.example.com/");
    auto r = with_host("api.example.com");
    r.scheme = "http";
    r.port = 80;
    BOOST_TEST(composed(r) == "http://api.example.com/");
    r.port = 443;
    BOOST_TEST(composed(r) == "http://api.example.com:443/");
    r.scheme = "https";
    BOOST_TEST(composed(r) == "https://api.example.com/");
    r.port = 8443;
    BOOST_TEST(composed(r) == "https://api.example.com:8443/");
    auto ip = with_host("127.0.0.1");
    ip.scheme = "HTTP";
    ip.port = 8080;
    BOOST_TEST(composed(ip) == "http://127.0.0.1:8080/");
}

BOOST_AUTO_TEST_CASE(ipv6_literals)
{
    auto r = with_host("[::1]");
    r.port = 8080;
    BOOST_TEST(composed(r) == "https://[::1]:8080/");
    BOOST_TEST(composed(with_host("::1")) == "https://[::1]/");
    auto v = with_host("2001:db8::1");
    v.scheme = "http";
    v.port = 80;
    BOOST_TEST(composed(v) == "http://[2001:db8::1]/");
    BOOST_TEST(composed(with_url("http://[::1]:8080/x")) == "http://[::1]:8080/x");

    auto p = problem_of(with_host("api.example.com:8080"));
    BOOST_TEST(p.code == corest::error::invalid_input);
    BOOST_TEST(starts_with(p.message, "hostname: "));
    BOOST_TEST(problem_of(with_host("[::1")).code == corest::error::invalid_input);
    BOOST_TEST(problem_of(with_host("[example.com]")).code == corest::error::invalid_input);
}

BOOST_AUTO_TEST_CASE(base_path_and_path_joined_with_one_slash)
{
    struct row {
        std::optional<std::string> base, path;
        std::string expected;
    };
    std::vector<row> rows{
        {"a/", "/b", "https://h/a/b"},
        {"/a", "b", "https://h/a/b"},
        {"a", "b", "https://h/a/b"},
        {"/a//", "//b/", "https://h/a/b/"},
        {"/api/v1", "items/7", "https://h/api/v1/items/7"},
        {std::nullopt, "b", "https://h/b"},
        {"a/", std::nullopt, "https://h/a/"},
        {std::nullopt, std::nullopt, "https://h/"},
        {"/", "/x", "https://h/x"},
        {"", "x", "https://h/x"},
    };
    for (const auto& row : rows) {
        auto r = with_host("h");
        r.base_path = row.base;
        r.path = row.path;
        BOOST_TEST(composed(r) == row.expected);
    }
}

BOOST_AUTO_TEST_CASE(params_order_and_value_rules)
{
    auto r = with_host("h");
    r.path = "p";
    r.params = boost::json::parse(R"({"b":"2","a":1,"flag":true,"off":false,"n":null,)"
                                  R"("tags":["x","y",null,3],"d":1.5,"neg":-5,"tenth":0.1,"big":1e20,)"
                                  R"("u":18446744073709551615})")
                   .as_object();
    BOOST_TEST(composed(r) ==
               "https://h/p?b=2&a=1&flag=true&off=false&tags=x&tags=y&tags=3&d=1.5&neg=-5&tenth=0.1"
               "&big=100000000000000000000.0&u=18446744073709551615");
}

BOOST_AUTO_TEST_CASE(params_encoding)
{
    auto r = with_host("h");
    r.params = boost::json::parse(R"({"q":"a+b c","u":"\u00fc/&=?#","k y":"~-._"})").as_object();
    BOOST_TEST(composed(r) == "https://h/?q=a%2Bb%20c&u=%C3%BC%2F%26%3D%3F%23&k%20y=~-._");
}

BOOST_AUTO_TEST_CASE(params_after_existing_query_and_before_fragment)
{
    auto r = with_url("https://h/p?x=1#frag");
    r.params = boost::json::parse(R"({"y":"2"})").as_object();
    BOOST_TEST(composed(r) == "https://h/p?x=1&y=2#frag");
    r.url = "https://h/p?x=1&";
    BOOST_TEST(composed(r) == "https://h/p?x=1&y=2");
    r.url = "https://h/p?";
    BOOST_TEST(composed(r) == "https://h/p?y=2");
    r.params = boost::json::parse(R"({"only_null":null})").as_object();
    r.url = "https://h/p";
    BOOST_TEST(composed(r) == "https://h/p");
}

BOOST_AUTO_TEST_CASE(params_nested_object_is_invalid)
{
    auto r = with_host("h");
    r.params = boost::json::parse(R"({"ok":1,"obj":{"a":1}})").as_object();
    auto p = problem_of(r);
    BOOST_TEST(p.code == corest::error::invalid_input);
    BOOST_TEST(starts_with(p.message, "params.obj: "));
    r.params = boost::json::parse(R"({"arr":[[1]]})").as_object();
    BOOST_TEST(starts_with(problem_of(r).message, "params.arr: "));
}

BOOST_AUTO_TEST_CASE(encode_url_true_encodes_and_keeps_existing_escapes)
{
    BOOST_TEST(composed(with_url("https://h/a%2fb c?q=x y&z=%7e#f g")) == "https://h/a%2fb%20c?q=x%20y&z=%7e#f%20g");
    BOOST_TEST(composed(with_url("https://h/\xC3\xA4")) == "https://h/%C3%A4");
    BOOST_TEST(composed(with_url("https://h/?a[]=1")) == "https://h/?a%5B%5D=1");
    BOOST_TEST(composed(with_url("https://h/100%")) == "https://h/100%25");
    BOOST_TEST(composed(with_url("https://h/%zz")) == "https://h/%25zz");
    BOOST_TEST(composed(with_url("https://h/{\"x\"}|<>^`\\")) == "https://h/%7B%22x%22%7D%7C%3C%3E%5E%60%5C");
    BOOST_TEST(composed(with_url("https://h/p#a#b")) == "https://h/p#a%23b");
    BOOST_TEST(composed(with_url("https://u:p w@h/")) == "https://u:p%20w@h/");

    auto parts = with_host("h");
    parts.path = "a b/\xC3\xA4";
    BOOST_TEST(composed(parts) == "https://h/a%20b/%C3%A4");
}

BOOST_AUTO_TEST_CASE(encode_url_false_uses_the_url_as_given)
{
    BOOST_TEST(composed(with_url("https://h/a%2fb?q=%7e", false)) == "https://h/a%2fb?q=%7e");
    auto p = problem_of(with_url("https://h/a b", false));
    BOOST_TEST(p.code == corest::error::invalid_input);
    BOOST_TEST(starts_with(p.message, "url: "));
    BOOST_TEST(p.message.find("a space") != std::string::npos);
    BOOST_TEST(problem_of(with_url("https://h/\xC3\xA4", false)).code == corest::error::invalid_input);
    BOOST_TEST(problem_of(with_url("https://h/?a[]=1", false)).code == corest::error::invalid_input);

    auto parts = with_host("h");
    parts.encode_url = false;
    parts.path = "a b";
    BOOST_TEST(starts_with(problem_of(parts).message, "path: "));
    parts.path = "ok";
    parts.base_path = "x|y";
    BOOST_TEST(starts_with(problem_of(parts).message, "base_path: "));
}

BOOST_AUTO_TEST_CASE(scheme_and_host_checks)
{
    auto ftp = problem_of(with_url("ftp://h/x"));
    BOOST_TEST(ftp.code == corest::error::invalid_input);
    BOOST_TEST(starts_with(ftp.message, "url: "));
    BOOST_TEST(ftp.message.find("\"ftp\"") != std::string::npos);

    auto parts = with_host("h");
    parts.scheme = "ftp";
    auto p = problem_of(parts);
    BOOST_TEST(p.code == corest::error::invalid_input);
    BOOST_TEST(starts_with(p.message, "scheme: "));

    BOOST_TEST(composed(with_url("HTTPS://Example.com/X")) == "https://Example.com/X");
    BOOST_TEST(starts_with(problem_of(with_url("http:///x")).message, "url: "));
    BOOST_TEST(problem_of(with_url("http:/x")).message.find("no host") != std::string::npos);
    BOOST_TEST(starts_with(problem_of(with_host("")).message, "hostname: "));
    BOOST_TEST(starts_with(problem_of(with_host("bad host")).message, "hostname: "));
    // An internationalized host name is sent as its A-label; an invalid one is refused.
    BOOST_TEST(composed(with_url("https://b\xC3\xA4" "d.example/x")) == "https://xn--bd-via.example/x");
    BOOST_TEST(composed(with_url("https://B\xC3\x84" "D.example:8080/")) == "https://xn--bd-via.example:8080/");
    BOOST_TEST(composed(with_url("https://b%C3%A4d.example/")) == "https://xn--bd-via.example/");
    BOOST_TEST(composed(with_host("b\xC3\xA4" "d.example")) == "https://xn--bd-via.example/");
    auto bad_idn = problem_of(with_url("https://xn--a.example/"));
    BOOST_TEST(bad_idn.message.find("not a valid internationalized domain name") != std::string::npos, bad_idn.message);
    BOOST_TEST(problem_of(with_host("xn--a.example")).code == corest::error::invalid_input);
    // A '%' that is no escape stays in an internationalized host: not a host name (fuzz_url).
    BOOST_TEST(problem_of(with_url("https://api.exa\xC3\xBC" "le.c%om/")).code == corest::error::invalid_input);
    // A name that UTS 46 maps to nothing (U+00B4 ACUTE ACCENT, fuzz_url) or to an
    // empty label is no host: refused, never composed as "http:///".
    auto vanishing = problem_of(with_host("\xC2\xB4"));
    BOOST_TEST(vanishing.code == corest::error::invalid_input);
    BOOST_TEST(starts_with(vanishing.message, "hostname: "), vanishing.message);
    BOOST_TEST(problem_of(with_url("http://\xC2\xB4/x")).code == corest::error::invalid_input);
    BOOST_TEST(problem_of(with_host("a.\xC2\xB4.example")).code == corest::error::invalid_input);
    BOOST_TEST(problem_of(with_url("not a url")).code == corest::error::invalid_input);
    BOOST_TEST(problem_of(with_url("example.com/path")).code == corest::error::invalid_input);
}

BOOST_AUTO_TEST_CASE(ports)
{
    auto r = with_host("h");
    r.port = 0;
    BOOST_TEST(starts_with(problem_of(r).message, "port: "));
    r.port = 70000;
    BOOST_TEST(starts_with(problem_of(r).message, "port: "));
    BOOST_TEST(starts_with(problem_of(with_url("https://h:99999/")).message, "url: "));
    BOOST_TEST(starts_with(problem_of(with_url("https://h:0/")).message, "url: "));
    BOOST_TEST(composed(with_url("http://h:/a")) == "http://h/a");
    BOOST_TEST(composed(with_url("http://h:80/a")) == "http://h:80/a");
}

BOOST_AUTO_TEST_CASE(missing_target)
{
    corest::request r;
    auto p = problem_of(r);
    BOOST_TEST(p.code == corest::error::missing_input);
    BOOST_TEST(p.message.find("hostname") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(userinfo_kept_and_masked_in_messages)
{
    auto c = corest::compose_url(with_url("https://user:pw@h/"));
    BOOST_TEST_REQUIRE(c.problem.ok());
    BOOST_TEST(std::string(c.url.user()) == "user");
    BOOST_TEST(std::string(c.url.password()) == "pw");

    auto bad_port = problem_of(with_url("https://user:hunter2@h:99999/"));
    BOOST_TEST(bad_port.message.find("hunter2") == std::string::npos);
    BOOST_TEST(bad_port.message.find("user:***@h:99999") != std::string::npos);
    auto unparsable = problem_of(with_url("https://user:hunter2@[bad/x"));
    BOOST_TEST(unparsable.message.find("hunter2") == std::string::npos);
    BOOST_TEST(unparsable.message.find("https://user:***@[bad/x") != std::string::npos);
    auto space = problem_of(with_url("https://user:hunter2@h/a b", false));
    BOOST_TEST(space.message.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(redact)
{
    auto u = view("https://user:pw@h/p?api_key=SECRET&x=1&api_key=two#f");
    BOOST_TEST(corest::redact_url(u, "api_key") == "https://user:***@h/p?api_key=***&x=1&api_key=***#f");
    BOOST_TEST(corest::redact_url(u) == "https://user:***@h/p?api_key=SECRET&x=1&api_key=two#f");
    BOOST_TEST(corest::redact_url(view("https://h/?my%20key=v&k=w"), "my key") == "https://h/?my%20key=***&k=w");
    BOOST_TEST(corest::redact_url(view("https://h/?flag&x=1"), "flag") == "https://h/?flag=***&x=1");
    BOOST_TEST(corest::redact_url(view("https://user@h/")) == "https://user@h/");
    BOOST_TEST(corest::redact_url(view("https://h/")) == "https://h/");
}

BOOST_AUTO_TEST_CASE(origins)
{
    auto a = corest::origin_of(view("HTTPS://Example.COM/x"));
    BOOST_TEST(a.scheme == "https");
    BOOST_TEST(a.host == "example.com");
    BOOST_TEST(a.port == 443);
    auto b = corest::origin_of(view("http://[::1]:8080/"));
    BOOST_TEST(b.scheme == "http");
    BOOST_TEST(b.host == "::1");
    BOOST_TEST(b.port == 8080);
    BOOST_TEST((corest::origin_of(view("http://h:80/a")) == corest::origin_of(view("http://H/b"))));
    BOOST_TEST(!(corest::origin_of(view("http://h/")) == corest::origin_of(view("https://h/"))));
    BOOST_TEST(!(corest::origin_of(view("http://h/")) == corest::origin_of(view("http://h:8080/"))));
}

BOOST_AUTO_TEST_CASE(targets_and_host_headers)
{
    BOOST_TEST(corest::request_target(view("https://h")) == "/");
    BOOST_TEST(corest::request_target(view("https://h/a%20b?x=1#frag")) == "/a%20b?x=1");
    BOOST_TEST(corest::request_target(view("https://h?x")) == "/?x");

    BOOST_TEST(corest::host_header(view("https://h:443/")) == "h");
    BOOST_TEST(corest::host_header(view("https://h:8443/")) == "h:8443");
    BOOST_TEST(corest::host_header(view("http://h:443/")) == "h:443");
    BOOST_TEST(corest::host_header(view("http://[::1]:8080/")) == "[::1]:8080");
    BOOST_TEST(corest::host_header(view("http://[::1]/")) == "[::1]");

    BOOST_TEST(corest::effective_port(view("https://h/")) == 443);
    BOOST_TEST(corest::effective_port(view("http://h/")) == 80);
    BOOST_TEST(corest::effective_port(view("http://h:8080/")) == 8080);
}

BOOST_AUTO_TEST_CASE(ip_literals)
{
    BOOST_TEST(corest::is_ip_literal("127.0.0.1"));
    BOOST_TEST(corest::is_ip_literal("::1"));
    BOOST_TEST(corest::is_ip_literal("[2001:db8::1]"));
    BOOST_TEST(!corest::is_ip_literal("example.com"));
    BOOST_TEST(!corest::is_ip_literal("1.2.3"));
    BOOST_TEST(!corest::is_ip_literal(""));
}

BOOST_AUTO_TEST_CASE(append_query_param_and_component_encoding)
{
    boost::urls::url u = view("https://h/p#f");
    corest::append_query_param(u, "api key", "a+b");
    BOOST_TEST(std::string(u.buffer()) == "https://h/p?api%20key=a%2Bb#f");
    corest::append_query_param(u, "x", "");
    BOOST_TEST(std::string(u.buffer()) == "https://h/p?api%20key=a%2Bb&x=#f");

    BOOST_TEST(corest::percent_encode_component("a-._~Z9 +/\xC3\xA4%") == "a-._~Z9%20%2B%2F%C3%A4%25");
    BOOST_TEST(corest::percent_encode_component("") == "");
}

BOOST_AUTO_TEST_CASE(url_cache_gives_the_same_urls_and_keeps_the_checks)
{
    corest::detail::parsed_url_cache cache;
    auto compose_cached = [&](const corest::request& r) { return corest::detail::compose_shared_url(r, &cache); };
    auto with_cache = [&](const corest::request& r) {
        auto c = compose_cached(r);
        BOOST_TEST_REQUIRE(c.problem.ok(), "unexpected problem: " << c.problem.message);
        return std::string(c.url->buffer());
    };
    auto r = with_url("http://h/a b");
    BOOST_TEST(with_cache(r) == composed(r));
    BOOST_TEST(with_cache(r) == "http://h/a%20b");   // from the cache
    // params are applied after the cached part, call by call
    r.params = boost::json::parse(R"({"q":"1"})").as_object();
    BOOST_TEST(with_cache(r) == "http://h/a%20b?q=1");
    r.params = {};
    BOOST_TEST(with_cache(r) == "http://h/a%20b");
    // encode_url false is cached apart: the same text is refused, before and after
    auto verbatim = with_url("http://h/a b", false);
    for (int i = 0; i < 2; ++i) BOOST_TEST(!compose_cached(verbatim).problem.ok());
    // a refused URL is not remembered as good
    auto bad = with_url("http://h:99999/");
    for (int i = 0; i < 2; ++i) BOOST_TEST(!compose_cached(bad).problem.ok());
    // the given-but-ignored inputs are still named on a cache hit
    auto both = with_url("http://h/a b");
    both.hostname = "other";
    BOOST_TEST(compose_cached(both).ignored == std::vector<std::string>{"hostname"});
    // bounded: past its capacity it starts over, and every answer stays right
    for (std::size_t i = 0; i < corest::detail::parsed_url_cache::capacity + 10; ++i)
        BOOST_TEST(with_cache(with_url("http://h/" + std::to_string(i))) == "http://h/" + std::to_string(i));
}

BOOST_AUTO_TEST_SUITE_END()

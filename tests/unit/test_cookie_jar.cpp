#include <boost/test/unit_test.hpp>

#include <corest/detail/cookie_jar.hpp>

#include <boost/url/url_view.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono_literals;
using boost::urls::url_view;
using corest::detail::cookie_jar;
using sys_clock = std::chrono::system_clock;

// 2021-06-01 00:00:00 UTC
const sys_clock::time_point now = sys_clock::time_point(std::chrono::sys_days{std::chrono::year{2021} / 6 / 1});

std::string header(const cookie_jar& jar, std::string_view url, sys_clock::time_point at = now)
{
    return jar.cookie_header_for(url_view(url), at);
}

cookie_jar jar_with(std::string_view url, std::initializer_list<std::string_view> lines)
{
    cookie_jar jar;
    for (auto l : lines) jar.set_from_header(url_view(url), l, now);
    return jar;
}

std::string all_set_text(const cookie_jar& jar)
{
    std::string out;
    for (const auto& [n, v] : jar.all_set()) out += n + "=" + v + ",";
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cookie_jar_tests)

BOOST_AUTO_TEST_CASE(host_only_cookie)
{
    auto jar = jar_with("http://www.example.com/", {"a=1"});
    BOOST_TEST(header(jar, "http://www.example.com/") == "a=1");
    BOOST_TEST(header(jar, "http://WWW.EXAMPLE.COM/x") == "a=1");   // hosts compare without case
    BOOST_TEST(header(jar, "https://www.example.com:80/x") == "a=1");   // the scheme is not isolated ...
    BOOST_TEST(header(jar, "http://www.example.com:8443/x") == "");     // ... the port is
    BOOST_TEST(header(jar, "http://sub.www.example.com/") == "");
    BOOST_TEST(header(jar, "http://example.com/") == "");
    BOOST_TEST_REQUIRE(jar.stored().size() == 1u);
    const auto& c = jar.stored()[0];
    BOOST_TEST(c.name == "a");
    BOOST_TEST(c.value == "1");
    BOOST_TEST(c.domain == "www.example.com");
    BOOST_TEST(c.path == "/");
    BOOST_TEST(c.host_only);
    BOOST_TEST(!c.secure);
    BOOST_TEST(!c.http_only);
    BOOST_TEST(!c.expires.has_value());
}

BOOST_AUTO_TEST_CASE(domain_attribute)
{
    for (std::string_view line : {"a=1; Domain=example.com", "a=1; domain=.Example.COM", "a=1; DOMAIN=example.com"}) {
        BOOST_TEST_CONTEXT(line)
        {
            auto jar = jar_with("http://www.example.com/", {line});
            BOOST_TEST(header(jar, "http://example.com/") == "a=1");
            BOOST_TEST(header(jar, "http://www.example.com/") == "a=1");
            BOOST_TEST(header(jar, "http://deep.sub.example.com/") == "a=1");
            BOOST_TEST(header(jar, "http://notexample.com/") == "");
            BOOST_TEST(header(jar, "http://example.org/") == "");
            BOOST_TEST_REQUIRE(jar.stored().size() == 1u);
            BOOST_TEST(jar.stored()[0].domain == "example.com");
            BOOST_TEST(!jar.stored()[0].host_only);
        }
    }
    // Domain equal to the host also covers its subdomains.
    auto same = jar_with("http://example.com/", {"b=2; Domain=example.com"});
    BOOST_TEST(header(same, "http://api.example.com/") == "b=2");
    // Empty Domain is ignored: host-only.
    auto empty = jar_with("http://example.com/", {"c=3; Domain="});
    BOOST_TEST(header(empty, "http://api.example.com/") == "");
    BOOST_TEST(header(empty, "http://example.com/") == "c=3");
}

BOOST_AUTO_TEST_CASE(foreign_or_too_broad_domains_are_rejected)
{
    auto jar = jar_with("http://www.example.com/", {
                                                       "a=1; Domain=other.com",
                                                       "b=2; Domain=sub.www.example.com",
                                                       "c=3; Domain=ample.com",
                                                       "d=4; Domain=com",
                                                       "e=5; Domain=1.2.3.4",
                                                   });
    BOOST_TEST(jar.stored().empty());
    BOOST_TEST(jar.all_set().empty());
}

BOOST_AUTO_TEST_CASE(ip_hosts)
{
    auto jar = jar_with("http://192.168.1.10/", {"a=1; Domain=192.168.1.10", "b=2; Domain=168.1.10", "c=3"});
    BOOST_TEST(header(jar, "http://192.168.1.10/") == "a=1; c=3");
    BOOST_TEST_REQUIRE(jar.stored().size() == 2u);
    BOOST_TEST(jar.stored()[0].host_only);
    auto v6 = jar_with("http://[::1]:8080/", {"x=1"});
    BOOST_TEST(header(v6, "http://[::1]:8080/") == "x=1");
    BOOST_TEST(header(v6, "http://127.0.0.1/") == "");
    auto single = jar_with("http://localhost/", {"l=1; Domain=localhost"});
    BOOST_TEST(header(single, "http://localhost/") == "l=1");
}

BOOST_AUTO_TEST_CASE(default_path_and_path_match)
{
    auto jar = jar_with("http://h.example/a/b/c?q=1", {"p=1"});
    BOOST_TEST(jar.stored()[0].path == "/a/b");
    BOOST_TEST(header(jar, "http://h.example/a/b") == "p=1");
    BOOST_TEST(header(jar, "http://h.example/a/b/") == "p=1");
    BOOST_TEST(header(jar, "http://h.example/a/b/x/y") == "p=1");
    BOOST_TEST(header(jar, "http://h.example/a/bc") == "");
    BOOST_TEST(header(jar, "http://h.example/a") == "");
    BOOST_TEST(header(jar, "http://h.example/") == "");

    BOOST_TEST(jar_with("http://h.example/top", {"p=1"}).stored()[0].path == "/");
    BOOST_TEST(jar_with("http://h.example", {"p=1"}).stored()[0].path == "/");
    BOOST_TEST(jar_with("http://h.example/a/b/", {"p=1"}).stored()[0].path == "/a/b");
    BOOST_TEST(jar_with("http://h.example/a/b/c", {"p=1; Path=relative"}).stored()[0].path == "/a/b");
    BOOST_TEST(jar_with("http://h.example/a/b/c", {"p=1; Path="}).stored()[0].path == "/a/b");

    auto slash = jar_with("http://h.example/x", {"s=1; Path=/docs/"});
    BOOST_TEST(header(slash, "http://h.example/docs/") == "s=1");
    BOOST_TEST(header(slash, "http://h.example/docs/page") == "s=1");
    BOOST_TEST(header(slash, "http://h.example/docs") == "");
    BOOST_TEST(header(jar_with("http://h.example/x", {"r=1; Path=/"}), "http://h.example") == "r=1");
}

BOOST_AUTO_TEST_CASE(secure_cookies_only_over_https)
{
    // One port for both schemes: cookies are bound to the port, and Secure to https.
    auto jar = jar_with("https://h.example:8443/", {"s=1; Secure", "p=2; HttpOnly"});
    BOOST_TEST(header(jar, "https://h.example:8443/") == "s=1; p=2");
    BOOST_TEST(header(jar, "http://h.example:8443/") == "p=2");
    BOOST_TEST(jar.stored()[0].secure);
    BOOST_TEST(jar.stored()[1].http_only);
    // Set over http (RFC 6265 allows it): still sent only over https.
    auto plain = jar_with("http://h.example:8443/", {"s=1; secure"});
    BOOST_TEST(header(plain, "http://h.example:8443/") == "");
    BOOST_TEST(header(plain, "https://h.example:8443/") == "s=1");
}

BOOST_AUTO_TEST_CASE(expires_attribute)
{
    auto jar = jar_with("http://h.example/", {"e=1; Expires=Wed, 02 Jun 2021 00:00:00 GMT"});
    BOOST_TEST_REQUIRE(jar.stored()[0].expires.has_value());
    BOOST_TEST((*jar.stored()[0].expires - now == 24h));
    BOOST_TEST(header(jar, "http://h.example/", now + 23h) == "e=1");
    BOOST_TEST(header(jar, "http://h.example/", now + 24h) == "");

    // The common date forms all read the same instant.
    const auto want = sys_clock::time_point(std::chrono::sys_days{std::chrono::year{2021} / 6 / 9}) + 10h + 18min + 14s;
    for (std::string_view d : {"Wed, 09 Jun 2021 10:18:14 GMT", "Wed, 09-Jun-2021 10:18:14 GMT",
                               "Wednesday, 09-Jun-21 10:18:14 GMT", "Wed Jun  9 10:18:14 2021",
                               "wed, 9 jun 2021 10:18:14 gmt", "09 Jun 2021 10:18:14"}) {
        BOOST_TEST_CONTEXT(d)
        {
            auto j = jar_with("http://h.example/", {"d=1; Expires=" + std::string(d)});
            BOOST_TEST_REQUIRE(j.stored()[0].expires.has_value());
            BOOST_TEST((*j.stored()[0].expires == want));
        }
    }
    // Unparsable or impossible dates are ignored: a session cookie.
    for (std::string_view d : {"soon", "Wed, 31 Feb 2021 10:18:14 GMT", "Wed, 09 Jun 1600 10:18:14 GMT",
                               "Wed, 09 Jun 2021 25:18:14 GMT", ""}) {
        BOOST_TEST_CONTEXT(d)
        {
            auto j = jar_with("http://h.example/", {"d=1; Expires=" + std::string(d)});
            BOOST_TEST_REQUIRE(j.stored().size() == 1u);
            BOOST_TEST(!j.stored()[0].expires.has_value());
        }
    }
    // Year 9999 is past the clock's range: clamped, not overflowed.
    auto far = jar_with("http://h.example/", {"f=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT"});
    BOOST_TEST((*far.stored()[0].expires == sys_clock::time_point::max()));
    BOOST_TEST(header(far, "http://h.example/") == "f=1");
}

BOOST_AUTO_TEST_CASE(max_age_wins_over_expires)
{
    auto jar = jar_with("http://h.example/", {"m=1; Expires=Tue, 01 Jun 2021 00:00:00 GMT; Max-Age=10"});
    BOOST_TEST_REQUIRE(jar.stored().size() == 1u);
    BOOST_TEST((*jar.stored()[0].expires == now + 10s));
    BOOST_TEST(header(jar, "http://h.example/", now + 9s) == "m=1");
    BOOST_TEST(header(jar, "http://h.example/", now + 10s) == "");
    // Order does not matter.
    auto rev = jar_with("http://h.example/", {"m=1; max-age=10; expires=Thu, 01 Jan 1970 00:00:00 GMT"});
    BOOST_TEST((*rev.stored()[0].expires == now + 10s));
    // Invalid Max-Age is ignored.
    for (std::string_view bad : {"abc", "1.5", "+5", "", "- 1"}) {
        BOOST_TEST_CONTEXT(bad)
        {
            auto j = jar_with("http://h.example/", {"m=1; Max-Age=" + std::string(bad)});
            BOOST_TEST_REQUIRE(j.stored().size() == 1u);
            BOOST_TEST(!j.stored()[0].expires.has_value());
        }
    }
    auto huge = jar_with("http://h.example/", {"m=1; Max-Age=999999999999999999999999"});
    BOOST_TEST((*huge.stored()[0].expires == sys_clock::time_point::max()));
}

BOOST_AUTO_TEST_CASE(deletion)
{
    for (std::string_view del : {"a=; Max-Age=0", "a=x; Max-Age=-1", "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}) {
        BOOST_TEST_CONTEXT(del)
        {
            auto jar = jar_with("http://h.example/", {"a=1", "b=2", del});
            BOOST_TEST(header(jar, "http://h.example/") == "b=2");
            BOOST_TEST(all_set_text(jar) == "b=2,");
        }
    }
    // A deletion must match name, domain and path.
    auto other_path = jar_with("http://h.example/", {"a=1", "a=; Max-Age=0; Path=/other"});
    BOOST_TEST(header(other_path, "http://h.example/") == "a=1");
    BOOST_TEST(all_set_text(other_path) == "a=1,");
    // Deleting one of two same-name cookies keeps the name reported with the survivor.
    auto two = jar_with("http://h.example/", {"a=1", "a=2; Path=/p", "a=; Max-Age=0; Path=/p"});
    BOOST_TEST(all_set_text(two) == "a=1,");
    // An expired cookie with nothing to delete is simply not stored.
    BOOST_TEST(jar_with("http://h.example/", {"z=1; Max-Age=0"}).stored().empty());
}

BOOST_AUTO_TEST_CASE(replacement_and_header_order)
{
    auto jar = jar_with("http://h.example/a/b/c", {
                                                      "root=1; Path=/",
                                                      "deep=2; Path=/a/b",
                                                      "mid=3; Path=/a",
                                                      "root2=4; Path=/",
                                                      "deep=5; Path=/a/b",  // replaces, keeps its place
                                                  });
    BOOST_TEST(jar.stored().size() == 4u);
    BOOST_TEST(header(jar, "http://h.example/a/b/c") == "deep=5; mid=3; root=1; root2=4");
    BOOST_TEST(header(jar, "http://h.example/a") == "mid=3; root=1; root2=4");
    BOOST_TEST(all_set_text(jar) == "root=1,deep=5,mid=3,root2=4,");
    // Same name on another path is another cookie.
    jar.set_from_header(url_view("http://h.example/"), "root=9; Path=/a", now);
    BOOST_TEST(header(jar, "http://h.example/a/x") == "mid=3; root=9; root=1; root2=4");
    BOOST_TEST(all_set_text(jar) == "root=9,deep=5,mid=3,root2=4,");
}

BOOST_AUTO_TEST_CASE(cookies_from_several_hosts)
{
    cookie_jar jar;
    jar.set_from_header(url_view("https://a.example/"), "sa=1", now);
    jar.set_from_header(url_view("https://b.example/"), "sb=2", now);
    jar.set_from_header(url_view("https://x.shared.example/"), "sh=3; Domain=shared.example", now);
    BOOST_TEST(header(jar, "https://a.example/") == "sa=1");
    BOOST_TEST(header(jar, "https://b.example/") == "sb=2");
    BOOST_TEST(header(jar, "https://y.shared.example/") == "sh=3");
    BOOST_TEST(all_set_text(jar) == "sa=1,sb=2,sh=3,");
}

BOOST_AUTO_TEST_CASE(name_and_value_parsing)
{
    auto jar = jar_with("http://h.example/", {
                                                 " spaced = value with spaces ; Path=/",
                                                 "q=\"quoted\"",
                                                 "empty=",
                                                 "eq=a=b=c",
                                                 "tok=abc; Unknown=1; Secure-ish",
                                             });
    BOOST_TEST(header(jar, "http://h.example/") == "spaced=value with spaces; q=\"quoted\"; empty=; eq=a=b=c; tok=abc");
    BOOST_TEST(!jar.stored()[4].secure);
}

BOOST_AUTO_TEST_CASE(invalid_lines_are_ignored)
{
    const std::string with_nul("n=a\0b", 5);
    // Not "big=" + std::string(5000, 'x'): GCC 12 at -O3 warns falsely (-Warray-bounds) on it.
    std::string long_value(5004, 'x');
    long_value.replace(0, 4, "big=");
    auto jar = jar_with("http://h.example/", {
                                                 "",
                                                 "novalue",
                                                 "=v",
                                                 " =v",
                                                 ";a=b",
                                                 "c\x01=1",
                                                 "d=\x7f",
                                                 with_nul,
                                                 long_value,
                                                 "ok=1",
                                             });
    BOOST_TEST(header(jar, "http://h.example/") == "ok=1");
    BOOST_TEST(all_set_text(jar) == "ok=1,");
}

BOOST_AUTO_TEST_CASE(no_header_without_cookies)
{
    cookie_jar jar;
    BOOST_TEST(header(jar, "https://h.example/") == "");
    BOOST_TEST(jar.all_set().empty());
}

BOOST_AUTO_TEST_CASE(cookies_are_bound_to_the_port_that_set_them)
{
    auto jar = jar_with("http://h.example:8080/", {"a=1; Path=/", "d=2; Domain=h.example; Path=/"});
    BOOST_TEST(header(jar, "http://h.example:8080/x") == "a=1; d=2");
    BOOST_TEST(header(jar, "http://h.example:8081/x") == "");
    BOOST_TEST(header(jar, "http://h.example/x") == "");            // port 80
    BOOST_TEST(header(jar, "http://sub.h.example:8080/") == "d=2");  // domain matching as RFC 6265
    BOOST_TEST(header(jar, "http://sub.h.example:9090/") == "");
    BOOST_TEST(jar.stored()[0].port == 8080);
    // The same name set on two ports: two cookies, each sent to its own port.
    corest::detail::cookie_jar two;
    two.set_from_header(url_view("http://h.example:1/"), "n=one", now);
    two.set_from_header(url_view("http://h.example:2/"), "n=two", now);
    BOOST_TEST(two.stored().size() == 2u);
    BOOST_TEST(header(two, "http://h.example:1/") == "n=one");
    BOOST_TEST(header(two, "http://h.example:2/") == "n=two");
}

BOOST_AUTO_TEST_CASE(a_public_suffix_domain_is_refused)
{
    corest::detail::cookie_jar jar;
    const auto from = url_view("https://api.example.co.uk/");
    BOOST_TEST(jar.set_from_header(from, "a=1; Domain=co.uk", now) ==
               "cookie \"a\" refused: its Domain \"co.uk\" is a public suffix");
    BOOST_TEST(jar.set_from_header(from, "b=2; Domain=.UK", now).find("\"uk\" is a public suffix") != std::string::npos);
    BOOST_TEST(jar.set_from_header(from, "c=3; Domain=example.co.uk", now) == "");
    BOOST_TEST(jar.stored().size() == 1u);
    BOOST_TEST(header(jar, "https://www.example.co.uk/") == "c=3");
    BOOST_TEST((jar.all_set() == corest::header_list{{"c", "3"}}));
    // Private suffixes of the list count too (github.io); any single label does (the * rule).
    BOOST_TEST(!jar.set_from_header(url_view("https://me.github.io/"), "g=1; Domain=github.io", now).empty());
    BOOST_TEST(!jar.set_from_header(url_view("https://a.example/"), "e=1; Domain=example", now).empty());
    // A host that is a public suffix itself gets a host-only cookie.
    corest::detail::cookie_jar self;
    BOOST_TEST(self.set_from_header(url_view("https://co.uk/"), "s=1; Domain=co.uk", now) == "");
    BOOST_TEST_REQUIRE(self.stored().size() == 1u);
    BOOST_TEST(self.stored()[0].host_only);
    BOOST_TEST(header(self, "https://www.co.uk/") == "");
}

BOOST_AUTO_TEST_SUITE_END()

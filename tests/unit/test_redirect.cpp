#include <boost/test/unit_test.hpp>

#include <corest/detail/uri_reference.hpp>
#include <corest/redirect.hpp>

#include <boost/url/url_view.hpp>

#include <optional>
#include <string>
#include <utility>
#include <string_view>

namespace {

using corest::method;
using kind = corest::redirect_decision::kind;
using boost::urls::url_view;

const url_view first_url("https://api.example.com/v1/items?x=1");

corest::redirect_decision hop(unsigned status, std::optional<std::string_view> location,
                              method m = method::get, url_view current = first_url,
                              unsigned hops_done = 0, unsigned max_redirects = 10,
                              bool allow = true)
{
    return corest::next_hop(current, first_url, m, status, location, hops_done, max_redirects, allow);
}

std::string target_of(std::string_view location, url_view current = first_url)
{
    auto d = hop(302, location, method::get, current);
    BOOST_TEST_REQUIRE(static_cast<int>(d.what) == static_cast<int>(kind::follow));
    return std::string(d.target.buffer());
}

struct method_row {
    unsigned status;
    method in;
    method out;
    bool keep_body;
};

} // namespace

BOOST_AUTO_TEST_SUITE(redirect)

BOOST_AUTO_TEST_CASE(method_and_body_for_every_status)
{
    const method_row rows[] = {
        {301, method::post, method::get, false},    {301, method::get, method::get, true},
        {301, method::put, method::put, true},      {301, method::patch, method::patch, true},
        {301, method::delete_, method::delete_, true}, {301, method::head, method::head, true},
        {302, method::post, method::get, false},    {302, method::put, method::put, true},
        {302, method::delete_, method::delete_, true}, {302, method::options, method::options, true},
        {303, method::post, method::get, false},    {303, method::put, method::get, false},
        {303, method::patch, method::get, false},   {303, method::delete_, method::get, false},
        {303, method::get, method::get, false},     {303, method::head, method::head, false},
        {303, method::trace, method::get, false},   {307, method::post, method::post, true},
        {307, method::put, method::put, true},      {307, method::delete_, method::delete_, true},
        {308, method::post, method::post, true},    {308, method::patch, method::patch, true},
        {308, method::head, method::head, true},
    };
    for (const auto& row : rows) {
        BOOST_TEST_CONTEXT("status " << row.status << " method " << corest::method_name(row.in))
        {
            auto d = hop(row.status, "/next", row.in);
            BOOST_TEST(static_cast<int>(d.what) == static_cast<int>(kind::follow));
            BOOST_TEST(corest::method_name(d.method) == corest::method_name(row.out));
            BOOST_TEST(d.keep_body == row.keep_body);
            BOOST_TEST(d.drop_body_headers == !row.keep_body);
            BOOST_TEST(d.target.buffer() == "https://api.example.com/next");
            BOOST_TEST(!d.cross_origin);
        }
    }
}

BOOST_AUTO_TEST_CASE(follow_message_says_what_changed)
{
    BOOST_TEST(hop(302, "/n", method::post).message == "redirect 1 (302): POST becomes GET without body");
    BOOST_TEST(hop(307, "/n", method::post).message == "redirect 1 (307): POST and body kept");
    BOOST_TEST(hop(303, "/n", method::head).message == "redirect 1 (303): HEAD kept, body dropped");
    BOOST_TEST(hop(301, "https://other.example/", method::get, first_url, 2).message ==
               "redirect 3 (301): GET and body kept; another origin, so credentials are not sent");
}

BOOST_AUTO_TEST_CASE(non_redirects_stop)
{
    for (unsigned s : {200u, 204u, 300u, 304u, 305u, 306u, 309u, 399u, 404u, 500u}) {
        BOOST_TEST_CONTEXT("status " << s)
        {
            auto d = hop(s, "/elsewhere");
            BOOST_TEST(static_cast<int>(d.what) == static_cast<int>(kind::stop));
        }
    }
}

BOOST_AUTO_TEST_CASE(redirect_without_location_stops)
{
    auto d = hop(302, std::nullopt);
    BOOST_TEST(static_cast<int>(d.what) == static_cast<int>(kind::stop));
    BOOST_TEST(d.message == "the 302 response has no Location header; it is the result");
    BOOST_TEST(static_cast<int>(hop(301, "").what) == static_cast<int>(kind::stop));
    BOOST_TEST(static_cast<int>(hop(301, "  ").what) == static_cast<int>(kind::stop));
}

BOOST_AUTO_TEST_CASE(allow_redirects_false_stops)
{
    auto d = hop(302, "/next", method::get, first_url, 0, 10, false);
    BOOST_TEST(static_cast<int>(d.what) == static_cast<int>(kind::stop));
    BOOST_TEST(d.message == "allow_redirects is false: the 302 response is the result");
}

BOOST_AUTO_TEST_CASE(too_many_redirects)
{
    auto zero = hop(301, "/next", method::get, first_url, 0, 0);
    BOOST_TEST(static_cast<int>(zero.what) == static_cast<int>(kind::too_many));
    BOOST_TEST(zero.message == "too many redirects: the 301 response would be redirect 1, but max_redirects is 0");

    BOOST_TEST(static_cast<int>(hop(302, "/n", method::get, first_url, 2, 3).what) ==
               static_cast<int>(kind::follow));
    BOOST_TEST(static_cast<int>(hop(302, "/n", method::get, first_url, 3, 3).what) ==
               static_cast<int>(kind::too_many));
    // A non-redirect after the last allowed hop is simply the result.
    BOOST_TEST(static_cast<int>(hop(200, "/n", method::get, first_url, 3, 3).what) ==
               static_cast<int>(kind::stop));
}

BOOST_AUTO_TEST_CASE(location_resolution)
{
    const url_view cur("http://a.example/b/c/d;p?q");
    // RFC 3986 section 5.4.1 examples (fragments dropped).
    BOOST_TEST(target_of("g", cur) == "http://a.example/b/c/g");
    BOOST_TEST(target_of("./g", cur) == "http://a.example/b/c/g");
    BOOST_TEST(target_of("g/", cur) == "http://a.example/b/c/g/");
    BOOST_TEST(target_of("/g", cur) == "http://a.example/g");
    BOOST_TEST(target_of("?y", cur) == "http://a.example/b/c/d;p?y");
    BOOST_TEST(target_of("g?y", cur) == "http://a.example/b/c/g?y");
    BOOST_TEST(target_of("g#s", cur) == "http://a.example/b/c/g");
    BOOST_TEST(target_of("..", cur) == "http://a.example/b/");
    BOOST_TEST(target_of("../g", cur) == "http://a.example/b/g");
    BOOST_TEST(target_of("../..", cur) == "http://a.example/");
    // Scheme-relative keeps the current scheme.
    BOOST_TEST(target_of("//cdn.example/x", cur) == "http://cdn.example/x");
    BOOST_TEST(target_of("//cdn.example/x") == "https://cdn.example/x");
    // Absolute as is, fragment dropped, an empty path made "/".
    BOOST_TEST(target_of("https://b.example:8443/p?q=1#frag") == "https://b.example:8443/p?q=1");
    BOOST_TEST(target_of("http://b.example") == "http://b.example/");
    BOOST_TEST(target_of("HTTPS://B.example/x") == "HTTPS://B.example/x");
}

BOOST_AUTO_TEST_CASE(rfc3986_reference_resolution)
{
    // Every example of RFC 3986 section 5.4 (fragments are never sent, so dropped here).
    const url_view base("http://a/b/c/d;p?q");
    const std::pair<std::string_view, std::string_view> rows[] = {
        // 5.4.1 normal examples
        {"g:h", "g:h"}, {"g", "http://a/b/c/g"}, {"./g", "http://a/b/c/g"}, {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"}, {"//g", "http://g"}, {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q"}, {"g#s", "http://a/b/c/g"}, {"g?y#s", "http://a/b/c/g?y"},
        {";x", "http://a/b/c/;x"}, {"g;x", "http://a/b/c/g;x"}, {"g;x?y#s", "http://a/b/c/g;x?y"},
        {"", "http://a/b/c/d;p?q"}, {".", "http://a/b/c/"}, {"./", "http://a/b/c/"}, {"..", "http://a/b/"},
        {"../", "http://a/b/"}, {"../g", "http://a/b/g"}, {"../..", "http://a/"}, {"../../", "http://a/"},
        {"../../g", "http://a/g"},
        // 5.4.2 abnormal examples
        {"../../../g", "http://a/g"}, {"../../../../g", "http://a/g"}, {"/./g", "http://a/g"},
        {"/../g", "http://a/g"}, {"g.", "http://a/b/c/g."}, {".g", "http://a/b/c/.g"}, {"g..", "http://a/b/c/g.."},
        {"..g", "http://a/b/c/..g"}, {"./../g", "http://a/b/g"}, {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"}, {"g/../h", "http://a/b/c/h"}, {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"}, {"g?y/./x", "http://a/b/c/g?y/./x"}, {"g?y/../x", "http://a/b/c/g?y/../x"},
        {"g#s/./x", "http://a/b/c/g"}, {"g#s/../x", "http://a/b/c/g"}, {"http:g", "http:g"},
    };
    for (auto [reference, expected] : rows) {
        BOOST_TEST_CONTEXT("reference \"" << reference << "\"")
        {
            auto ref = boost::urls::parse_uri_reference(reference);
            BOOST_TEST_REQUIRE(ref.has_value());
            BOOST_TEST(corest::detail::resolve_reference_text(base, *ref) == expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_location_is_followed_as_the_server_spelled_it)
{
    const url_view one_level("http://h.example/respond");
    BOOST_TEST(target_of("../x", one_level) == "http://h.example/x");   // a ".." above the root goes
    BOOST_TEST(target_of("../../x?a=%7e", one_level) == "http://h.example/x?a=%7e");
    // No percent-decoding and no re-encoding of what is valid: signed URLs depend on it.
    BOOST_TEST(target_of("/f%6Fo/%7e%41", one_level) == "http://h.example/f%6Fo/%7e%41");
    BOOST_TEST(target_of("/..%2Fx", one_level) == "http://h.example/..%2Fx");   // %2F is not a '/'
    BOOST_TEST(target_of("/%2e%2e/x", one_level) == "http://h.example/%2e%2e/x");   // nor %2e a '.'
    BOOST_TEST(target_of("/a;p=%2F/../b?s=%2B+%20", one_level) == "http://h.example/b?s=%2B+%20");
    BOOST_TEST(target_of("//Other.Example:8080/P", one_level) == "http://Other.Example:8080/P");
    // An internationalized host in a Location is followed by its A-label.
    BOOST_TEST(target_of("http://b\xC3\xBC" "cher.example/x", one_level) == "http://xn--bcher-kva.example/x");
    BOOST_TEST(static_cast<int>(hop(302, "http://xn--a.example/").what) == static_cast<int>(kind::invalid_location));
}

BOOST_AUTO_TEST_CASE(raw_characters_in_location_are_encoded)
{
    BOOST_TEST(target_of("/a b/\xC3\xA9?q=1 2") == "https://api.example.com/a%20b/%C3%A9?q=1%202");
    BOOST_TEST(target_of("/100%/x") == "https://api.example.com/100%25/x");
}

BOOST_AUTO_TEST_CASE(other_schemes_are_refused)
{
    auto ftp = hop(302, "ftp://files.example/x");
    BOOST_TEST(static_cast<int>(ftp.what) == static_cast<int>(kind::refused));
    BOOST_TEST(ftp.message ==
               "redirect refused: the 302 response points to a \"ftp\" URL; only http and https redirects are followed");
    auto js = hop(301, "javascript:alert(1)");
    BOOST_TEST(static_cast<int>(js.what) == static_cast<int>(kind::refused));
    BOOST_TEST(js.message.find("\"javascript\"") != std::string::npos);
    auto file = hop(307, "FILE:///etc/passwd");
    BOOST_TEST(static_cast<int>(file.what) == static_cast<int>(kind::refused));
    BOOST_TEST(file.message.find("\"file\"") != std::string::npos);
    BOOST_TEST(static_cast<int>(hop(308, "data:text/plain,hi").what) == static_cast<int>(kind::refused));
}

BOOST_AUTO_TEST_CASE(unusable_locations_are_invalid)
{
    for (std::string_view bad : {"http://", "http:no-authority", "https://host:99999/", "http://[::1/"}) {
        BOOST_TEST_CONTEXT("Location " << bad)
        {
            auto d = hop(302, bad);
            BOOST_TEST(static_cast<int>(d.what) == static_cast<int>(kind::invalid_location));
            BOOST_TEST(d.message.find("Location header") != std::string::npos);
        }
    }
    BOOST_TEST(hop(302, "http://").message == "the 302 response's Location header \"http://\" is not a valid URL");
}

BOOST_AUTO_TEST_CASE(cross_origin_by_scheme_host_and_port)
{
    auto same = hop(302, "https://API.Example.com:443/other");
    BOOST_TEST(!same.cross_origin);
    BOOST_TEST(hop(302, "http://api.example.com/v1").cross_origin);         // scheme
    BOOST_TEST(hop(302, "https://api2.example.com/v1").cross_origin);       // host
    BOOST_TEST(hop(302, "https://api.example.com:8443/v1").cross_origin);   // port
    BOOST_TEST(hop(302, "https://example.com/v1").cross_origin);            // parent domain
    BOOST_TEST(!hop(302, "/relative").cross_origin);
}

BOOST_AUTO_TEST_CASE(a_to_b_to_a_sends_credentials_to_a_again)
{
    // Hop 1: A -> B is cross-origin.
    auto to_b = hop(302, "https://b.example/step");
    BOOST_TEST(to_b.cross_origin);
    // Hop 2: B -> A (relative to B, absolute back to A) compares with the FIRST url.
    auto back = corest::next_hop(to_b.target, first_url, method::get, 302,
                                 "https://api.example.com/done", 1, 10, true);
    BOOST_TEST(static_cast<int>(back.what) == static_cast<int>(kind::follow));
    BOOST_TEST(!back.cross_origin);
    // B -> B again stays cross-origin.
    auto stay = corest::next_hop(to_b.target, first_url, method::get, 302, "/again", 1, 10, true);
    BOOST_TEST(stay.cross_origin);
    BOOST_TEST(stay.target.buffer() == "https://b.example/again");
}

BOOST_AUTO_TEST_SUITE_END()

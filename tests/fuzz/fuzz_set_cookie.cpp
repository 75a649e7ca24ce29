// fuzz_set_cookie: Set-Cookie parsing and the cookie jar (include/corest/detail/cookie_jar.hpp).
//
// Input: a field input (fuzz_common.hpp: the first byte separates fields):
//   origin, set_cookie, set_cookie, ...
// origin picks the URL the Set-Cookie headers came from by its first digit (0-5,
// see `origins` below; anything else is 0). Each later field is one Set-Cookie value.
// Then the Cookie header is asked for a fixed list of URLs at three instants.
//
// Properties:
//   - every stored cookie domain-matches the host that set it (host-only cookies: equal
//     to it), has a lower-case domain, a path starting with '/', a non-empty name, no
//     control characters in name or value; no two share name, domain and path;
//   - the cookies output is valid UTF-8, names each name once, and each entry is the
//     name and value of a stored cookie;
//   - a Cookie header holds no CR, LF or NUL, is empty for another site, has no Secure
//     cookie over http, and every "name=value" in it is a stored cookie.

#include "fuzz_common.hpp"

#include <corest/detail/cookie_jar.hpp>

#include <boost/url/parse.hpp>

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

namespace {

using corest_fuzz::check;

constexpr std::string_view origins[] = {
    "https://www.example.com/app/login",
    "http://example.com",
    "http://127.0.0.1:8080/x/y",
    "https://[::1]/deep/path/",
    "http://localhost/a/b/c",
    "https://SHOP.Example.co.uk:8443/cart?item=1",
};

constexpr std::string_view lookups[] = {
    "https://www.example.com/app/login",
    "https://www.example.com/",
    "http://www.example.com/app/other",
    "https://sub.www.example.com/app",
    "http://example.com/x",
    "http://127.0.0.1:9999/x/y/z",
    "https://[::1]/deep/path/more",
    "http://localhost/a/b",
    "https://shop.example.co.uk/cart",
    "https://attacker.test/",
    "https://notexample.com/app",
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto f = corest_fuzz::split_fields(data, size);
    if (f.empty()) return 0;
    std::size_t which = 0;
    if (!f[0].empty() && f[0][0] >= '0' && f[0][0] <= '5') which = static_cast<std::size_t>(f[0][0] - '0');
    const auto from = boost::urls::parse_uri(origins[which]).value();

    using namespace std::chrono;
    const system_clock::time_point now = sys_days{year{2024} / May / 1} + hours{12};
    corest::detail::cookie_jar jar;
    for (std::size_t i = 1; i < f.size(); ++i) jar.set_from_header(from, f[i], now);

    namespace ck = corest::detail::cookies;
    const std::string host = ck::request_host(from);
    const bool host_is_ip = from.host_type() != boost::urls::host_type::name;
    std::set<std::tuple<std::string, std::string, std::string>> keys;
    for (const auto& c : jar.stored()) {
        check(!c.name.empty() && !ck::has_control(c.name) && !ck::has_control(c.value),
              "a stored cookie with an empty name or control characters", c.name + "=" + c.value);
        check(c.domain == ck::lower(c.domain) && !c.domain.empty(), "a stored domain is empty or not lower-case",
              c.domain);
        check(c.host_only ? c.domain == host : ck::domain_match(host, c.domain, host_is_ip),
              "a stored cookie for a domain the setting host does not match", c.domain + " from " + host);
        check(!c.path.empty() && c.path.front() == '/', "a stored path does not start with '/'", c.path);
        check(keys.emplace(c.name, c.domain, c.path).second, "two stored cookies with one name, domain and path",
              c.name);
    }
    // The cookies output: valid UTF-8 (raw bytes read as Latin-1), one entry per name,
    // each the (converted) name and value of a stored cookie.
    bool names_utf8 = true;
    for (const auto& c : jar.stored()) names_utf8 = names_utf8 && corest::detail::is_valid_utf8(c.name);
    std::set<std::string> reported;
    for (const auto& [name, value] : jar.all_set()) {
        check(corest::detail::is_valid_utf8(name) && corest::detail::is_valid_utf8(value),
              "the cookies output is not valid UTF-8", name + "=" + value);
        // Two raw names may read the same once converted ("\xe9" and "\xc3\xa9").
        if (names_utf8) check(reported.insert(name).second, "the cookies output names a cookie twice", name);
        bool stored = false;
        for (const auto& c : jar.stored())
            stored = stored || (corest::detail::output_text(c.name) == name && corest::detail::output_text(c.value) == value);
        check(stored, "the cookies output has a name and value no stored cookie has", name + "=" + value);
    }

    const system_clock::time_point instants[] = {now, now + days{400}, system_clock::time_point::max()};
    for (auto when : instants) {
        for (auto text : lookups) {
            const auto url = boost::urls::parse_uri(text).value();
            const std::string header = jar.cookie_header_for(url, when);
            check(corest_fuzz::header_safe(header), "a Cookie header with CR, LF or NUL", header);
            if (header.empty()) continue;
            const std::string to = ck::request_host(url);
            check(to != "attacker.test" && to != "notexample.com", "cookies sent to another site", header);
            // Every "name=value" (values hold no ';') is a stored cookie that may go to this URL.
            const bool https = url.scheme_id() == boost::urls::scheme::https;
            std::string_view rest = header;
            for (;;) {
                auto sep = rest.find("; ");
                std::string_view pair = rest.substr(0, sep);
                bool found = false, sendable = false;
                for (const auto& c : jar.stored())
                    if (pair.size() == c.name.size() + 1 + c.value.size() && pair.starts_with(c.name) &&
                        pair[c.name.size()] == '=' && pair.ends_with(c.value)) {
                        found = true;
                        if (!c.secure || https) sendable = true;
                    }
                check(found, "a Cookie header pair that is no stored cookie", header);
                check(sendable, "a Secure cookie sent over http", header);
                if (sep == std::string_view::npos) break;
                rest.remove_prefix(sep + 2);
            }
        }
    }
    return 0;
}

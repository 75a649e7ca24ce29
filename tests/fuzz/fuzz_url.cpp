// fuzz_url: the URL composer compose_url (include/corest/url.hpp) and the URL helpers
// that read its output (request_target, host_header, origin_of, redact_url,
// append_query_param).
//
// Input: a field input (fuzz_common.hpp: the first byte separates fields):
//   flags, url, scheme, hostname, port, base_path, path, param, param, ...
// flags is a set of letters saying which inputs are given: u url, s scheme,
// h hostname, p port, b base_path, a path; r sets encode_url=false.
// A param is "key=value"; a value that parses as JSON is that JSON value (number,
// bool, null, array, object), else the text itself; "key" alone is null.
//
// Properties, when the URL composes:
//   - the URL is http/https with a host, and its text parses back to the same text;
//   - the request-target starts with '/' and holds no space, control, non-ASCII or '#';
//     the Host header holds none of those nor '/', '?', '@';
//   - composing the composed URL again (as `url`, either encode_url) gives it unchanged;
//   - from hostname/base_path/path (no '%', '?', '#'): the decoded path is their join
//     and the host is the hostname as given.

#include "fuzz_common.hpp"

#include <corest/url.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <string>
#include <string_view>

namespace {

using corest_fuzz::check;

bool request_line_safe(std::string_view s)
{
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '#') return false;
    }
    return true;
}

void check_composed(const corest::request& r, const corest::composed_url& c)
{
    const boost::urls::url& u = c.url;
    const std::string text(u.buffer());
    check(u.scheme() == "http" || u.scheme() == "https", "composed URL: scheme is not http/https", text);
    check(u.has_authority() && !u.encoded_host().empty(), "composed URL: no host", text);

    auto again = boost::urls::parse_uri(text);
    check(again.has_value(), "composed URL: its text does not parse", text);
    check(again->buffer() == text, "composed URL: parsing its text changes it", text);

    const std::string target = corest::request_target(u);
    check(!target.empty() && target.front() == '/', "request_target: does not start with '/'", target);
    check(request_line_safe(target), "request_target: space, control, non-ASCII or '#'", target);

    const std::string host = corest::host_header(u);
    check(request_line_safe(host) && host.find_first_of("/?@") == std::string::npos,
          "host_header: a character that does not belong in Host", host);

    const corest::origin o = corest::origin_of(u);
    check(!o.host.empty() && o.port != 0, "origin_of: no host or port 0", text);
    check(o.scheme == "http" || o.scheme == "https", "origin_of: scheme", text);

    // The composed URL is a fixed point: composed again as `url` it does not change.
    for (bool encode : {true, false}) {
        corest::request again_req;
        again_req.url = text;
        again_req.encode_url = encode;
        auto c2 = corest::compose_url(again_req);
        check(c2.problem.ok(), encode ? "recompose (encode_url): the composed URL is rejected"
                                      : "recompose (raw): the composed URL is rejected",
              text + " -> " + c2.problem.message);
        check(c2.url.buffer() == text, encode ? "recompose (encode_url): the URL changed"
                                              : "recompose (raw): the URL changed",
              text + " -> " + std::string(c2.url.buffer()));
    }

    // From parts: the host is the hostname as given (an internationalized one as its
    // A-label), the decoded path the join of the parts.
    if (!r.url && r.hostname && r.hostname->find(':') == std::string::npos) {
        std::string why;
        const auto expected = corest::detail::needs_idna(*r.hostname) ? corest::detail::to_a_label(*r.hostname, why)
                                                                      : std::optional<std::string>(*r.hostname);
        check(expected && u.encoded_host() == *expected, "from parts: host differs from hostname", text);
    }
    // A host is never left with bytes outside ASCII: DNS, Host and SNI get its A-label.
    for (char ch : u.encoded_host())
        check(static_cast<unsigned char>(ch) < 0x80, "a host outside ASCII", text);
    if (!r.url && r.encode_url) {
        std::string_view base = r.base_path ? std::string_view(*r.base_path) : std::string_view();
        std::string_view path = r.path ? std::string_view(*r.path) : std::string_view();
        if (base.find_first_of("%?#") == std::string_view::npos && path.find_first_of("%?#") == std::string_view::npos)
            check(u.path() == corest::detail::join_paths(base, path), "from parts: decoded path differs from the join",
                  text);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto f = corest_fuzz::split_fields(data, size);
    if (f.empty()) return 0;
    const std::string_view flags = f[0];
    auto has = [&](char c) { return corest_fuzz::flag(flags, c); };

    corest::request r;
    if (has('u')) r.url = std::string(corest_fuzz::field(f, 1));
    if (has('s')) r.scheme = std::string(corest_fuzz::field(f, 2));
    if (has('h')) r.hostname = std::string(corest_fuzz::field(f, 3));
    if (has('p')) r.port = static_cast<unsigned>(corest_fuzz::number(corest_fuzz::field(f, 4)));
    if (has('b')) r.base_path = std::string(corest_fuzz::field(f, 5));
    if (has('a')) r.path = std::string(corest_fuzz::field(f, 6));
    r.encode_url = !has('r');
    std::string first_key;
    for (std::size_t i = 7; i < f.size(); ++i) {
        std::string_view p = f[i];
        auto eq = p.find('=');
        std::string key(p.substr(0, eq));
        boost::json::value v;   // null without '='
        if (eq != std::string_view::npos) {
            std::string_view text = p.substr(eq + 1);
            boost::json::error_code ec;
            v = boost::json::parse(text, ec);
            if (ec) v = boost::json::string(text);
        }
        if (i == 7) first_key = key;
        r.params[key] = std::move(v);
    }

    auto c = corest::compose_url(r);
    if (!c.problem.ok()) {
        check(!c.problem.message.empty(), "compose_url: an error without a message");
        check(c.url.empty(), "compose_url: an error with a URL");
        return 0;
    }
    check_composed(r, c);

    // What a call does next: credentials out of the userinfo, an api_key
    // query parameter, and the redacted URL for outputs.
    boost::urls::url u = c.url;
    if (u.has_userinfo()) u.remove_userinfo();
    const std::string api_key_name = first_key.empty() ? std::string("api_key") : first_key;
    corest::append_query_param(u, api_key_name, "s3cr3t value");
    check(boost::urls::parse_uri(u.buffer()).has_value(), "append_query_param: the URL does not parse",
          std::string(u.buffer()));
    check(request_line_safe(corest::request_target(u)), "append_query_param: unsafe request_target",
          std::string(u.buffer()));
    const std::string shown = corest::redact_url(u, api_key_name);
    auto shown_url = boost::urls::parse_uri(shown);
    check(shown_url.has_value(), "redact_url: the text does not parse", shown);
    check(std::string_view(shown_url->encoded_query()).ends_with("=***"), "redact_url: the api key value is shown",
          shown);
    const std::string shown_plain = corest::redact_url(c.url);
    auto plain_url = boost::urls::parse_uri(shown_plain);
    check(plain_url.has_value(), "redact_url: the text does not parse", shown_plain);
    if (c.url.has_password())
        check(plain_url->encoded_password() == "***", "redact_url: the password is shown", shown_plain);
    return 0;
}

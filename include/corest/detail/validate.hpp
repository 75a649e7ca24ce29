#ifndef COREST_DETAIL_VALIDATE_HPP
#define COREST_DETAIL_VALIDATE_HPP

// The one validation step: semantic checks of a request
// that hold for C++ callers and JSON callers alike, run once before anything
// is sent. The first problem wins; its message names the input by its
// (dotted) name and never contains a secret value. URL syntax is checked by
// the URL composer, not here.

#include <corest/detail/json_limits.hpp>
#include <corest/detail/resolve_input.hpp>
#include <corest/detail/validate/messages.hpp>
#include <corest/detail/validate/tls_files.hpp>
#include <corest/proxy.hpp>
#include <corest/request.hpp>
#include <corest/url.hpp>

#include <boost/json/kind.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

namespace corest::detail {

// ---- the checks, one area each ------------------------------------------

inline input_check check_target(const request& r)
{
    if (r.url) {
        if (r.url->empty()) return invalid_input(input_ref("url") + " must not be empty");
    } else if (!r.hostname) {
        return missing_input("input \"url\" or \"hostname\" is required");
    } else if (r.hostname->empty()) {
        return invalid_input(input_ref("hostname") + " must not be empty");
    }
    if (r.scheme && *r.scheme != "http" && *r.scheme != "https")
        return invalid_input(input_ref("scheme") + " must be \"http\" or \"https\", got " + quote_value(*r.scheme));
    if (r.port && (*r.port < 1 || *r.port > 65535))
        return invalid_input(input_ref("port") + " must be an integer 1-65535, got " + std::to_string(*r.port));
    if (r.dst && r.dst->empty()) return invalid_input(input_ref("dst") + " must not be empty");
    return {};
}

inline input_check check_headers_and_cookies(const request& r)
{
    for (const auto& [name, value] : r.headers) {
        const std::string path = "headers." + name;
        if (name.empty()) return invalid_input(input_ref("headers") + " has an empty header name");
        if (has_line_break(name))
            return invalid_input("input \"headers\" has a header name with a CR, LF or NUL character: " + quote_name(name));
        if (!is_token(name))
            return invalid_input(input_ref(path) + " is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
        if (auto c = check_header_text(path, value); !c.ok()) return c;
    }
    for (const auto& [name, value] : r.cookies) {
        if (name.empty()) return invalid_input(input_ref("cookies") + " has an empty cookie name");
        if (has_line_break(name) || name.find_first_of(";=") != std::string::npos)
            return invalid_input("input \"cookies\" has an invalid cookie name " + quote_name(name)
                                 + " (no ';', '=', CR, LF or NUL)");
        if (auto c = check_header_text("cookies." + name, value); !c.ok()) return c;
    }
    return {};
}

inline input_check check_form_value(const std::string& path, const boost::json::value& v, bool in_array)
{
    switch (v.kind()) {
    case boost::json::kind::string:
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
    case boost::json::kind::bool_: return {};
    case boost::json::kind::null:
        if (!in_array) return {};
        break;
    case boost::json::kind::array:
        if (in_array) break;
        for (std::size_t i = 0; i < v.get_array().size(); ++i)
            if (auto c = check_form_value(path + "[" + std::to_string(i) + "]", v.get_array()[i], true); !c.ok())
                return c;
        return {};
    case boost::json::kind::object: break;
    }
    return invalid_input(input_ref(path)
                         + (in_array ? " must be a string, number or bool, got "
                                     : " must be a string, number, bool, null or an array of those, got ")
                         + std::string(json_kind_name(v)));
}

inline input_check check_form(std::string_view input, const boost::json::object& fields)
{
    for (const auto& kv : fields)
        if (auto c = check_form_value(std::string(input) + "." + std::string(kv.key()), kv.value(), false); !c.ok())
            return c;
    return {};
}

inline input_check check_params(const request& r) { return check_form("params", r.params); }

inline input_check check_part_header(const std::string& path, const part_header& h)
{
    if (h.how != part_header::mode::custom) return {};
    if (h.value.empty()) return invalid_input(input_ref(path) + " must not be empty (use false to omit the header)");
    return check_header_text(path, h.value);
}

inline input_check check_multipart(const multipart_body& m)
{
    if (m.content_type) {
        if (m.content_type->empty()) return invalid_input(input_ref("multipart.content-type") + " must not be empty");
        if (auto c = check_header_text("multipart.content-type", *m.content_type); !c.ok()) return c;
    }
    if (m.boundary && !is_valid_boundary(*m.boundary))
        return invalid_input(input_ref("multipart.boundary")
                             + " must be 1-70 characters of letters, digits and '()+_,-./:=? or space, not ending in a space");
    if (m.parts.empty()) return invalid_input(input_ref("multipart.parts") + " must hold at least one part");
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
        const auto& part = m.parts[i];
        const std::string at = "multipart.parts[" + std::to_string(i) + "]";
        if (part.name.empty()) return invalid_input(input_ref(at + ".name") + " must not be empty");
        if (auto c = check_header_text(at + ".name", part.name); !c.ok()) return c;
        if (part.value && part.file)
            return invalid_input(input_ref(at) + " must have exactly one of \"value\" or \"file\", got both");
        if (!part.value && !part.file)
            return missing_input(input_ref(at + ".value") + " or \"" + at + ".file\" is required");
        if (part.filename) {
            if (!part.file) return invalid_input(input_ref(at + ".filename") + " is only for file parts (with \"file\")");
            if (auto c = check_header_text(at + ".filename", *part.filename); !c.ok()) return c;
        }
        if (auto c = check_part_header(at + ".content-type", part.content_type); !c.ok()) return c;
        if (auto c = check_part_header(at + ".content-disposition", part.content_disposition); !c.ok()) return c;
        if (part.file) {
            const std::string what = input_ref(at + ".file") + ": file " + quote_name(*part.file);
            if (part.file->empty()) return invalid_input(input_ref(at + ".file") + " must not be empty");
            if (!part.filename) // the default filename comes from the path
                if (auto c = check_header_text(at + ".file", *part.file); !c.ok()) return c;
            std::error_code ec;
            std::filesystem::path p(*part.file);
            if (!std::filesystem::exists(p, ec)) return invalid_input(what + " does not exist");
            if (!std::filesystem::is_regular_file(p, ec)) return invalid_input(what + " is not a regular file");
            if (!std::ifstream(p, std::ios::binary).is_open()) return invalid_input(what + " cannot be read");
        }
    }
    return {};
}

/// `input` is "json", or "data" when the JSON caller used the deprecated alias.
inline input_check check_json_method(std::string_view input, method m)
{
    if (allows_json_body(m)) return {};
    return invalid_input(input_ref(input) + " is only allowed with method POST, PUT, PATCH or DELETE, got "
                         + std::string(method_name(m)));
}

inline input_check check_body(const request& r)
{
    if (const auto* j = std::get_if<json_body>(&r.body)) {
        if (auto c = check_json_method("json", r.method); !c.ok()) return c;
        // First: the recursive checks below and the serializer then meet a bounded depth.
        if (nests_deeper_than(j->value, max_json_depth))
            return invalid_input(input_ref("json") + " nests deeper than " + std::to_string(max_json_depth) +
                                 " levels of arrays and objects, the most corest reads");
        if (has_non_finite_number(j->value))
            return invalid_input(input_ref("json") + " holds a number too large for JSON (e.g. 1e400)");
    }
    if (auto* form = std::get_if<urlencoded_body>(&r.body)) return check_form("urlencoded", form->fields);
    if (auto* m = std::get_if<multipart_body>(&r.body)) return check_multipart(*m);
    return {};
}

inline input_check check_authentication(const request& r)
{
    return std::visit(
        [](const auto& a) -> input_check {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, basic_auth>) {
                return check_basic_username("username", a.username);
            } else if constexpr (std::is_same_v<T, bearer_auth>) {
                if (a.token.empty()) return invalid_input(input_ref("authentication.token") + " must not be empty");
                return check_header_text("authentication.token", a.token.reveal());
            } else if constexpr (std::is_same_v<T, api_key_auth>) {
                if (a.name.empty()) return invalid_input(input_ref("authentication.name") + " must not be empty");
                if (auto c = check_header_text("authentication.name", a.name); !c.ok()) return c;
                if (a.location == api_key_location::header && !is_token(a.name))
                    return invalid_input(input_ref("authentication.name")
                                         + " is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
                return check_header_text("authentication.value", a.value.reveal());
            } else if constexpr (std::is_same_v<T, oauth2_client_credentials>) {
                auto u = boost::urls::parse_absolute_uri(a.token_url);
                if (!u || (u->scheme_id() != boost::urls::scheme::http && u->scheme_id() != boost::urls::scheme::https)
                    || !u->has_authority() || u->host().empty())
                    return invalid_input(input_ref("authentication.token_url") + " must be an absolute http or https URL");
                if (a.client_id.empty()) return invalid_input(input_ref("authentication.client_id") + " must not be empty");
                return {};
            } else {
                return {};
            }
        },
        r.authentication);
}

inline input_check check_seconds(std::string_view name, double x)
{
    if (!std::isfinite(x) || x < 0)
        return invalid_input(input_ref(name) + " must be a number of seconds >= 0 (0 = none), got " + format_number(x));
    return {};
}

inline input_check check_status_codes(std::string_view name, const std::vector<unsigned>& codes)
{
    for (std::size_t i = 0; i < codes.size(); ++i)
        if (codes[i] < 100 || codes[i] > 599)
            return invalid_input(input_ref(std::string(name) + "[" + std::to_string(i) + "]")
                                 + " must be an integer 100-599, got " + std::to_string(codes[i]));
    return {};
}

inline input_check check_policies(const request& r)
{
    const std::pair<std::string_view, double> timeouts[] = {
        {"connect_timeout", r.connect_timeout.count()}, {"read_timeout", r.read_timeout.count()},
        {"write_timeout", r.write_timeout.count()}, {"total_timeout", r.total_timeout.count()}};
    for (auto [name, x] : timeouts)
        if (auto c = check_seconds(name, x); !c.ok()) return c;
    if (auto c = check_status_codes("expected_status_code", r.expected_status_code); !c.ok()) return c;
    if (auto c = check_status_codes("retry_status_code", r.retry_status_code); !c.ok()) return c;
    const std::pair<std::string_view, double> backoff[] = {
        {"retry_backoff.initial", r.retry_backoff.initial}, {"retry_backoff.maximum", r.retry_backoff.maximum},
        {"retry_backoff.multiplier", r.retry_backoff.multiplier}, {"retry_backoff.deadline", r.retry_backoff.deadline}};
    for (auto [name, x] : backoff)
        if (!std::isfinite(x) || x < 0)
            return invalid_input(input_ref(name) + " must be a number >= 0, got " + format_number(x));
    if (r.circuit_breaker.failure_threshold < 1)
        return invalid_input(input_ref("circuit_breaker.failure_threshold") + " must be an integer >= 1, got "
                             + std::to_string(r.circuit_breaker.failure_threshold));
    double open = r.circuit_breaker.open_seconds;
    if (!std::isfinite(open) || open <= 0)
        return invalid_input(input_ref("circuit_breaker.open_seconds") + " must be a number > 0, got " + format_number(open));
    return {};
}

// ---- the validation step ------------------------------------------------

/// Checks a request once before anything is sent: error::ok, or
/// MISSING_INPUT / INVALID_INPUT naming the first bad input (dotted path).
/// Reads the files a request names (multipart files, PEM paths) but sends
/// nothing; secret values never appear in the message. Thread-safe.
inline input_check check_proxy(const request& r)
{
    if (r.proxy.how == proxy_setting::mode::url) {
        if (has_line_break(r.proxy.url)) return invalid_input(input_ref("proxy") + " must not contain a CR, LF or NUL character");
        std::string why;
        if (!parse_proxy_url(r.proxy.url, why))
            return invalid_input(input_ref("proxy") + " \"" + url_for_message(r.proxy.url) + "\" " + why);
    }
    if (r.no_proxy && has_line_break(*r.no_proxy))
        return invalid_input(input_ref("no_proxy") + " must not contain a CR, LF or NUL character");
    return {};
}

inline input_check check_resolve(const request& r)
{
    for (const auto& e : r.resolve) {
        const std::string key = (e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" +
                                std::to_string(e.port);
        const std::string where = input_ref("resolve." + key);
        std::string why;
        if (e.port == 0) return invalid_input(where + " has port 0; a port is 1-65535");
        if (e.host.empty() || !override_host(e.host, why))
            return invalid_input(where + ": the host is not a host name, an IP address or \"*\"" +
                                 (why.empty() ? std::string() : " (" + why + ")"));
        if (e.addresses.empty()) return invalid_input(where + " must give at least one address");
        for (const auto& a : e.addresses)
            if (!override_address(a))
                return invalid_input(where + ": " + quote_value(a) + " is not an IPv4 or IPv6 address");
    }
    return {};
}

inline input_check validate(const request& r)
{
    for (auto check : {check_target, check_params, check_resolve, check_proxy, check_headers_and_cookies, check_body,
                       check_authentication, check_tls_files, check_policies})
        if (auto c = check(r); !c.ok()) return c;
    return {};
}

} // namespace corest::detail

#endif

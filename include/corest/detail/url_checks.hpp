#ifndef COREST_DETAIL_URL_CHECKS_HPP
#define COREST_DETAIL_URL_CHECKS_HPP

// The target inputs checked while a URL is composed: a `hostname` (name, IPv4, IPv6), its
// A-label when internationalized, base_path and path joined, and a parsed URL's scheme,
// host and port against the rules. Problems are INVALID_INPUT naming the input.

#include <corest/body/urlencoded.hpp>
#include <corest/detail/idna.hpp>
#include <corest/detail/url_text.hpp>
#include <corest/error.hpp>
#include <corest/request.hpp>

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

inline void set_problem(corest::input_check& p, corest::error code, std::string message)
{
    p.code = code;
    p.message = std::move(message);
}

/// The `hostname` input: a host name, IPv4, `[IPv6]`, or a bare IPv6 (bracketed here).
/// Returns the authority host text, or nullopt with `problem` set.
inline std::optional<std::string> checked_hostname(std::string_view h, corest::input_check& problem)
{
    auto bad = [&](std::string why) {
        set_problem(problem, corest::error::invalid_input,
                    "hostname: \"" + url_for_message(h) + "\" " + why);
        return std::nullopt;
    };
    if (h.empty()) return bad("is empty; give a host name, an IPv4 address or an [IPv6] literal");
    if (h.front() == '[') {
        if (h.size() < 2 || h.back() != ']' || !boost::urls::parse_ipv6_address(h.substr(1, h.size() - 2)))
            return bad("is not a valid [IPv6] literal");
        return std::string(h);
    }
    if (h.find(':') != std::string_view::npos) {
        if (boost::urls::parse_ipv6_address(h)) return "[" + std::string(h) + "]";
        return bad("is not a host name or IP address (give the port in \"port\", the scheme in \"scheme\")");
    }
    for (char c : h)
        if (!is_unreserved(c) && static_cast<unsigned char>(c) < 0x80)
            return bad("contains " + describe_char(c) + ", which is not allowed in a host name");
    if (!needs_idna(h)) return std::string(h);
    std::string why;
    auto a_label = to_a_label(h, why);   // an internationalized name: its A-label
    if (!a_label) return bad("is not a valid internationalized domain name (" + why + ")");
    return a_label;
}

/// `[base_path]/[path]` with exactly one '/' at the join and a leading '/'.
inline std::string join_paths(std::string_view base, std::string_view path)
{
    std::string out;
    if (!base.empty() && !path.empty()) {
        while (!base.empty() && base.back() == '/') base.remove_suffix(1);
        while (!path.empty() && path.front() == '/') path.remove_prefix(1);
        out = std::string(base) + "/" + std::string(path);
    } else {
        out = std::string(base.empty() ? path : base);
    }
    if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
    return out;
}

/// Boost.URL 1.81 misreads two kinds of authority, and then reports a path that does not
/// start with '/', which RFC 3986 forbids after an authority: "h:rest" (host h, an empty
/// port, path "rest") and a host name that starts like an IPv4 address ("10.0.0.1.nip.io":
/// host 10.0.0.1, path ".nip.io/"; boostorg/url#755). Such URLs are refused, never sent
/// to the wrong host with a broken request line.
inline bool misparsed_authority(boost::urls::url_view u)
{
    std::string_view path = u.encoded_path();
    return u.has_authority() && !path.empty() && path.front() != '/';
}

inline constexpr std::string_view ipv4_prefix_refused =
    "has a host name that starts like an IPv4 address (as 10.0.0.1.example.com), which "
    "Boost.URL 1.81 misreads; corest refuses it rather than connect to that address";

/// Scheme, host and port of a parsed URL against the rules: http/https, a host, port 1-65535.
/// `raw` is the input as given (masked for the message only when it is bad).
inline bool check_target(boost::urls::url& u, std::string_view name, std::string_view raw,
                         corest::input_check& problem)
{
    auto bad = [&](std::string why) {
        set_problem(problem, corest::error::invalid_input,
                    std::string(name) + ": \"" + url_for_message(raw) + "\" " + why);
        return false;
    };
    if (!iequals(u.scheme(), "http") && !iequals(u.scheme(), "https"))
        return bad("has scheme \"" + url_for_message(u.scheme()) + "\"; only http and https are supported");
    if (u.scheme() != to_lower(u.scheme())) u.set_scheme(to_lower(u.scheme()));
    if (!u.has_authority() || u.encoded_host().empty()) return bad("has no host");
    if (misparsed_authority(u))
        return bad(u.host_type() == boost::urls::host_type::ipv4
                       ? std::string(ipv4_prefix_refused)
                       : std::string("is not a valid absolute URL (scheme://host[:port]/path?query)"));
    if (u.has_port()) {
        std::string_view p = u.port();
        if (p.empty()) {
            u.remove_port();
        } else {
            unsigned long value = 0;
            auto r = std::from_chars(p.data(), p.data() + p.size(), value);
            if (r.ec != std::errc{} || r.ptr != p.data() + p.size() || value == 0 || value > 65535)
                return bad("has port " + std::string(p) + "; a port is 1-65535");
        }
    }
    return true;
}

/// A host name that is not plain ASCII becomes its A-label (detail/idna.hpp); an invalid
/// internationalized name is INVALID_INPUT naming `name`. IP literals are left alone.
inline bool apply_idna(boost::urls::url& u, std::string_view name, std::string_view raw, corest::input_check& problem)
{
    if (u.host_type() != boost::urls::host_type::name) return true;
    const std::string_view encoded = u.encoded_host();
    std::string decoded = encoded.find('%') == std::string_view::npos ? std::string(encoded) : u.host();
    if (!needs_idna(decoded)) return true;
    std::string why;
    auto a_label = to_a_label(decoded, why);
    if (!a_label) {
        set_problem(problem, corest::error::invalid_input,
                    std::string(name) + ": the host of \"" + url_for_message(raw) +
                        "\" is not a valid internationalized domain name (" + why + ")");
        return false;
    }
    u.set_encoded_host(*a_label);
    return true;
}

/// `raw` with the bytes outside ASCII in its host percent-encoded, so that a URL whose
/// host is an internationalized name parses; apply_idna then gives its A-label.
inline std::string encode_host_bytes(std::string_view raw)
{
    auto a = find_authority(raw);
    if (a.begin == std::string_view::npos) return std::string(raw);
    auto auth = raw.substr(a.begin, a.end - a.begin);
    auto at = auth.rfind('@');
    const std::size_t host_begin = a.begin + (at == std::string_view::npos ? 0 : at + 1);
    std::string out(raw.substr(0, host_begin));
    for (std::size_t i = host_begin; i < a.end; ++i) {
        const auto c = static_cast<unsigned char>(raw[i]);
        if (c >= 0x80) append_pct(out, c);
        else out += raw[i];
    }
    out += raw.substr(a.end);
    return out;
}

} // namespace corest::detail

#endif

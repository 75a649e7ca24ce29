#ifndef COREST_URL_HPP
#define COREST_URL_HPP

// The URL composer (docs/inputs.md, "Where the call goes"): `url`, or scheme/hostname/port/base_path/path,
// plus `params`, with the `encode_url` rules; and the small URL helpers the rest
// of corest needs (origin, request target, Host header, redaction for outputs).
// percent_encode_component and the params value rules live in body/urlencoded.hpp
// (shared with urlencoded bodies) and come with this header.

#include <corest/body/urlencoded.hpp>
#include <corest/detail/idna.hpp>
#include <corest/detail/url_cache.hpp>
#include <corest/error.hpp>
#include <corest/request.hpp>

#include <boost/json/value.hpp>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>  // from_chars for ports
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest {

/// The outcome of compose_url: `url` is meaningful only when problem.ok().
/// `ignored` names the target inputs that were given but lost to `url`
/// (in the order scheme, hostname, port, base_path, path), for a `log` line.
struct composed_url {
    boost::urls::url url;
    corest::input_check problem;
    std::vector<std::string> ignored;
};

/// scheme, host and port of a URL: the unit of credential scoping, pooling and
/// circuit breaking. `host` is lower-cased; an IPv6 literal is kept WITHOUT
/// brackets (in Boost.URL's canonical text, e.g. "::1"), ready for a resolver.
/// `port` is the effective port (the scheme's default when the URL has none).
struct origin {
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;
    bool operator==(const origin&) const = default;

    /// "scheme://host:port", the port always written: keys pools and breakers.
    std::string key() const { return scheme + "://" + host + ":" + std::to_string(port); }
};

namespace detail {

constexpr bool is_hex_digit(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Characters that may never appear literally in a URL (RFC 3986 allows none of them).
constexpr bool is_url_disallowed(unsigned char c) noexcept
{
    return c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' ||
        c == '^' || c == '`' || c == '{' || c == '|' || c == '}';
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

inline std::string to_lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

/// Where the authority of "scheme://authority..." lies in raw (maybe invalid) text;
/// begin == end == npos when there is none.
struct authority_span {
    std::size_t begin = std::string_view::npos;
    std::size_t end = std::string_view::npos;
};

inline authority_span find_authority(std::string_view s) noexcept
{
    auto ends_part = [](char c) { return c == '/' || c == '?' || c == '#'; };
    std::size_t sep = 0;   // the "://" after the scheme, before any '/', '?' or '#'
    for (;; ++sep) {
        if (sep + 3 > s.size() || ends_part(s[sep])) return {};
        if (s[sep] == ':' && s[sep + 1] == '/' && s[sep + 2] == '/') break;
    }
    std::size_t end = sep + 3;
    while (end < s.size() && !ends_part(s[end])) ++end;
    return {sep + 3, end};
}

/// Raw URL text for a message: a userinfo password becomes *** and control
/// characters are shown as %XX, so the text is safe and readable in a log.
inline std::string url_for_message(std::string_view s)
{
    std::string masked(s);
    auto a = find_authority(s);
    if (a.begin != std::string_view::npos) {
        auto at = s.substr(a.begin, a.end - a.begin).rfind('@');
        if (at != std::string_view::npos) {
            auto userinfo = s.substr(a.begin, at);
            auto colon = userinfo.find(':');
            if (colon != std::string_view::npos)
                masked = std::string(s.substr(0, a.begin + colon + 1)) + "***" +
                    std::string(s.substr(a.begin + at));
        }
    }
    std::string out;
    for (char c : masked) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) append_pct(out, u);
        else out += c;
    }
    return out;
}

/// encode_url=true: percent-encode what may not appear in a URL, keep valid %XX
/// exactly as written, a stray '%' becomes %25, '[' ']' outside the authority and
/// any '#' after the first become %5B %5D %23. `has_authority` false treats the
/// whole text as path/query/fragment.
inline std::string encode_url_text(std::string_view s, bool has_authority = true)
{
    authority_span a = has_authority ? find_authority(s) : authority_span{};
    std::string out;
    out.reserve(s.size() + 16);
    bool in_fragment = false;
    std::size_t kept_from = 0;   // start of the run of characters copied as they are
    auto replace = [&](std::size_t i) {
        out.append(s.substr(kept_from, i - kept_from));
        kept_from = i + 1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        auto u = static_cast<unsigned char>(c);
        bool in_authority = a.begin != std::string_view::npos && i >= a.begin && i < a.end;
        if (c == '%') {
            if (i + 2 < s.size() && is_hex_digit(s[i + 1]) && is_hex_digit(s[i + 2])) {
                i += 2;   // a valid escape is kept as written
            } else {
                replace(i);
                out += "%25";
            }
        } else if (is_url_disallowed(u) || (!in_authority && (c == '[' || c == ']')) ||
                   (c == '#' && in_fragment)) {
            replace(i);
            append_pct(out, u);
        } else if (c == '#') {
            in_fragment = true;
        }
    }
    out.append(s.substr(kept_from));
    return out;
}

/// Index of the first character not allowed in a URL, if any.
inline std::optional<std::size_t> first_disallowed(std::string_view s) noexcept
{
    for (std::size_t i = 0; i < s.size(); ++i)
        if (is_url_disallowed(static_cast<unsigned char>(s[i]))) return i;
    return std::nullopt;
}

inline std::string describe_char(char c)
{
    auto u = static_cast<unsigned char>(c);
    if (c == ' ') return "a space";
    if (u < 0x20 || u >= 0x7F) {
        std::string out = "byte ";
        append_pct(out, u);
        return out;
    }
    return std::string("'") + c + "'";
}

} // namespace detail

/// True for an IPv4 literal or an IPv6 literal (with or without brackets).
inline bool is_ip_literal(std::string_view host)
{
    if (boost::urls::parse_ipv4_address(host)) return true;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return static_cast<bool>(boost::urls::parse_ipv6_address(host));
}

/// The port a connection goes to: the URL's port, else 443 for https and 80 for
/// http; 0 for any other scheme without a port.
inline std::uint16_t effective_port(const boost::urls::url_view_base& u)
{
    if (u.has_port() && !u.port().empty()) return u.port_number();
    if (detail::iequals(u.scheme(), "https")) return 443;
    if (detail::iequals(u.scheme(), "http")) return 80;
    return 0;
}

inline origin origin_of(const boost::urls::url_view_base& u)
{
    origin o;
    o.scheme = detail::to_lower(u.scheme());
    switch (u.host_type()) {
    case boost::urls::host_type::ipv6: o.host = u.host_ipv6_address().to_string(); break;
    case boost::urls::host_type::ipvfuture: {
        std::string_view h = u.encoded_host();
        o.host = detail::to_lower(h.size() >= 2 ? h.substr(1, h.size() - 2) : h);
        break;
    }
    default: {
        // Decoding allocates; a host without escapes (nearly all) is used as written.
        std::string_view h = u.encoded_host();
        o.host = h.find('%') == std::string_view::npos ? detail::to_lower(h) : detail::to_lower(u.host());
        break;
    }
    }
    o.port = effective_port(u);
    return o;
}

/// The request-target of the request line: encoded path ("/" when empty) and
/// "?query" when the URL has one; never the fragment.
inline std::string request_target(const boost::urls::url_view_base& u)
{
    std::string out(u.encoded_path());
    if (out.empty()) out = "/";
    if (u.has_query()) {
        out += '?';
        out += std::string_view(u.encoded_query());
    }
    return out;
}

/// The Host header: host as written in the URL (IPv6 in brackets), plus ":port"
/// only when the URL gives a port that is not the scheme's default.
inline std::string host_header(const boost::urls::url_view_base& u)
{
    std::string out(u.encoded_host());
    if (u.has_port() && !u.port().empty()) {
        std::uint16_t fallback = detail::iequals(u.scheme(), "https") ? 443 : detail::iequals(u.scheme(), "http") ? 80 : 0;
        if (u.port_number() != fallback) {
            out += ':';
            out += std::to_string(u.port_number());
        }
    }
    return out;
}

/// scheme://host[:port] of a URL, for messages ("the call to http://h:8080 timed out").
inline std::string display_origin(const boost::urls::url_view_base& u)
{
    return detail::to_lower(u.scheme()) + "://" + host_header(u);
}

/// Appends `name=value` after any existing query, encoded like `params`.
inline void append_query_param(boost::urls::url& u, std::string_view name, std::string_view value)
{
    std::string query = u.has_query() ? std::string(u.encoded_query()) : std::string();
    std::string pair;
    detail::append_encoded_pair(pair, name, value);
    if (!query.empty() && query.back() != '&') query += '&';
    query += pair;
    u.set_encoded_query(query);
}

namespace detail {

inline std::string pct_decode_lenient(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && is_hex_digit(s[i + 1]) && is_hex_digit(s[i + 2])) {
            auto val = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
            out += static_cast<char>(val(s[i + 1]) * 16 + val(s[i + 2]));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

} // namespace detail

/// The URL as text for `url`, `history` and `log`: a userinfo password becomes
/// `***`, and so does the value of every query parameter named
/// `api_key_query_name` (when non-empty; compared after percent-decoding).
inline std::string redact_url(const boost::urls::url_view_base& u, std::string_view api_key_query_name = {})
{
    if (!u.has_password() && (api_key_query_name.empty() || !u.has_query())) return std::string(u.buffer());
    boost::urls::url c(u);
    if (c.has_password()) c.set_encoded_password("***");
    if (!api_key_query_name.empty() && c.has_query()) {
        std::string_view q = c.encoded_query();
        std::string out;
        std::size_t pos = 0;
        while (pos <= q.size()) {
            auto amp = q.find('&', pos);
            if (amp == std::string_view::npos) amp = q.size();
            auto piece = q.substr(pos, amp - pos);
            auto eq = piece.find('=');
            auto key = piece.substr(0, eq);
            if (pos != 0) out += '&';
            if (detail::pct_decode_lenient(key) == api_key_query_name) {
                out += key;
                out += "=***";
            } else {
                out += piece;
            }
            pos = amp + 1;
        }
        c.set_encoded_query(out);
    }
    return std::string(c.buffer());
}

namespace detail {

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

} // namespace detail

namespace detail {

/// compose_url's outcome with the URL shared: the client's cached parse itself when
/// nothing is added to it, so a call in flight holds a pointer instead of a copy.
struct shared_composed_url {
    std::shared_ptr<const boost::urls::url> url;   // null unless problem.ok()
    corest::input_check problem;
    std::vector<std::string> ignored;
};

inline shared_composed_url compose_shared_url(const corest::request& r, parsed_url_cache* cache)
{
    shared_composed_url out;
    auto fail = [&](corest::error code, std::string message) {
        set_problem(out.problem, code, std::move(message));
        out.url = nullptr;
        return out;
    };
    std::string text;
    std::string_view name;
    if (r.url) {
        name = "url";
        if (r.scheme) out.ignored.emplace_back("scheme");
        if (r.hostname) out.ignored.emplace_back("hostname");
        if (r.port) out.ignored.emplace_back("port");
        if (r.base_path) out.ignored.emplace_back("base_path");
        if (r.path) out.ignored.emplace_back("path");
        std::string_view raw = *r.url;
        if (cache) out.url = cache->find(raw, r.encode_url);
        if (!out.url) {
            // An internationalized host name's bytes are encoded here and turned into its
            // A-label below, with or without encode_url: that is the host's one form.
            const std::string idn_encoded = encode_host_bytes(raw);
            if (r.encode_url) {
                // Encoding cannot fix a host: a space or control byte there is an error.
                auto a = find_authority(raw);
                if (a.begin != std::string_view::npos) {
                    auto auth = raw.substr(a.begin, a.end - a.begin);
                    auto at = auth.rfind('@');
                    auto host = at == std::string_view::npos ? auth : auth.substr(at + 1);
                    for (char c : host)
                        if (static_cast<unsigned char>(c) < 0x80 && is_url_disallowed(static_cast<unsigned char>(c)))
                            return fail(corest::error::invalid_input, "url: the host of \"" + url_for_message(raw) +
                                                                          "\" contains " + describe_char(c));
                }
                text = encode_url_text(idn_encoded);
            } else {
                if (auto pos = first_disallowed(idn_encoded))
                    return fail(corest::error::invalid_input,
                                "url: \"" + url_for_message(raw) + "\" contains " + describe_char(idn_encoded[*pos]) +
                                    ", which is not allowed in a URL (with \"encode_url\": true it is percent-encoded)");
                text = idn_encoded;
            }
            auto parsed = boost::urls::parse_uri(text);
            if (!parsed)
                return fail(corest::error::invalid_input,
                            "url: \"" + url_for_message(raw) + "\" is not a valid absolute URL (scheme://host[:port]/path?query)");
            auto checked = std::make_shared<boost::urls::url>(*parsed);
            if (!check_target(*checked, "url", raw, out.problem)) return out;
            if (!apply_idna(*checked, "url", raw, out.problem)) return out;
            out.url = std::move(checked);
            if (cache) cache->store(raw, r.encode_url, out.url);
        }
    } else {
        if (!r.hostname)
            return fail(corest::error::missing_input, "url: either \"url\" or \"hostname\" is required");
        std::string scheme = to_lower(r.scheme.value_or("https"));
        if (scheme != "http" && scheme != "https")
            return fail(corest::error::invalid_input,
                        "scheme: \"" + url_for_message(*r.scheme) + "\" is not supported; use http or https");
        auto host = checked_hostname(*r.hostname, out.problem);
        if (!host) return out;
        std::string port_text;
        if (r.port) {
            if (*r.port == 0 || *r.port > 65535)
                return fail(corest::error::invalid_input, "port: " + std::to_string(*r.port) + " is out of range 1-65535");
            if (*r.port != (scheme == "https" ? 443u : 80u)) port_text = ":" + std::to_string(*r.port);
        }
        std::string_view base = r.base_path ? std::string_view(*r.base_path) : std::string_view();
        std::string_view path = r.path ? std::string_view(*r.path) : std::string_view();
        name = r.path ? "path" : "base_path";
        if (!r.encode_url) {
            for (auto [input, value] : {std::pair{std::string_view("base_path"), base}, std::pair{std::string_view("path"), path}})
                if (auto pos = first_disallowed(value))
                    return fail(corest::error::invalid_input,
                                std::string(input) + ": \"" + url_for_message(value) + "\" contains " +
                                    describe_char(value[*pos]) +
                                    ", which is not allowed in a URL (with \"encode_url\": true it is percent-encoded)");
        }
        std::string joined = join_paths(base, path);
        if (r.encode_url) joined = encode_url_text(joined, false);
        text = scheme + "://" + *host + port_text + joined;
        auto parsed = boost::urls::parse_uri(text);
        if (!parsed)
            return fail(corest::error::invalid_input,
                        std::string(name) + ": \"" + url_for_message(joined) + "\" is not a valid URL path");
        if (misparsed_authority(*parsed))   // the host was checked: only an IPv4-like prefix does this
            return fail(corest::error::invalid_input,
                        "hostname: \"" + url_for_message(*r.hostname) + "\" " + std::string(ipv4_prefix_refused));
        out.url = std::make_shared<const boost::urls::url>(*parsed);
    }

    std::string added;
    for (const auto& kv : r.params)
        if (!append_field(added, kv.key(), kv.value(), "params", out.problem)) {
            out.url = nullptr;
            return out;
        }
    if (!added.empty()) {
        auto with_params = std::make_shared<boost::urls::url>(*out.url);   // never the cached one
        std::string query = with_params->has_query() ? std::string(with_params->encoded_query()) : std::string();
        if (!query.empty() && query.back() != '&') query += '&';
        with_params->set_encoded_query(query + added);
        out.url = std::move(with_params);
    }
    return out;
}

} // namespace detail

/// Composes the target URL of a request: `url`, or scheme/hostname/port/base_path/path,
/// plus `params`, with the encode_url rules; an internationalized host becomes its
/// A-label. Never throws for bad input: errors come back in `problem` (INVALID_INPUT /
/// MISSING_INPUT naming the input; a quoted URL has its userinfo password masked). A `?`
/// or `#` inside base_path/path starts the query/fragment, as in a written URL.
inline composed_url compose_url(const corest::request& r)
{
    auto shared = detail::compose_shared_url(r, nullptr);
    composed_url out;
    if (shared.url) out.url = *shared.url;
    out.problem = std::move(shared.problem);
    out.ignored = std::move(shared.ignored);
    return out;
}

} // namespace corest

#endif

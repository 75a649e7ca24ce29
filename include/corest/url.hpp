#ifndef COREST_URL_HPP
#define COREST_URL_HPP

// The URL composer (docs/inputs.md, "Where the call goes"): `url`, or scheme/hostname/port/base_path/path,
// plus `params`, with the `encode_url` rules; and the small URL helpers the rest
// of corest needs (origin, request target, Host header, redaction for outputs).
// percent_encode_component and the params value rules live in body/urlencoded.hpp
// (shared with urlencoded bodies) and come with this header.

#include <corest/body/urlencoded.hpp>
#include <corest/detail/idna.hpp>
#include <corest/detail/url_checks.hpp>
#include <corest/detail/url_text.hpp>
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
    boost::urls::url url;               ///< The URL to request, encoded; empty on a problem.
    corest::input_check problem;        ///< INVALID_INPUT / MISSING_INPUT naming the input, or ok.
    std::vector<std::string> ignored;   ///< Target inputs given beside `url` and not used.
};

/// scheme, host and port of a URL: the unit of credential scoping, pooling and
/// circuit breaking. `host` is lower-cased; an IPv6 literal is kept WITHOUT
/// brackets (in Boost.URL's canonical text, e.g. "::1"), ready for a resolver.
/// `port` is the effective port (the scheme's default when the URL has none).
struct origin {
    std::string scheme;        ///< "http" or "https".
    std::string host;          ///< Lower-case; IPv6 without brackets.
    std::uint16_t port = 0;    ///< The effective port.
    /// Same scheme, host and port.
    bool operator==(const origin&) const = default;

    /// "scheme://host:port", the port always written: keys pools and breakers.
    std::string key() const { return scheme + "://" + host + ":" + std::to_string(port); }
};


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

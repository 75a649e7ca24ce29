#ifndef COREST_PROXY_HPP
#define COREST_PROXY_HPP

// Proxies: which one a hop goes through, decided without I/O.
//
// A call's `proxy` input is a proxy URL, "none", or "from the environment" (the default).
// The environment is read as curl reads it: `http_proxy` (lower case only: CGI servers put
// request headers in HTTP_* variables) for http URLs, `https_proxy` or `HTTPS_PROXY` for
// https URLs, then `all_proxy` / `ALL_PROXY`; the lower-case variable wins when both are
// set. `no_proxy` (the input, else `no_proxy` / `NO_PROXY`) names the hosts reached
// directly, whichever proxy was chosen, an explicit one included. The library reads the
// environment only when client_options::proxy_from_environment says so; the tool always does.

#include <corest/request.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest {

/// A proxy a hop goes through.
struct proxy_endpoint {
    /// The kind of proxy, by its URL's scheme.
    enum class kind : unsigned char {
        http,     ///< plain http through it in absolute form, https through CONNECT
        https,    ///< the same, reached over TLS
        socks5,   ///< SOCKS5, corest resolves the target's name
        socks5h   ///< SOCKS5, the proxy resolves the target's name
    };
    kind type = kind::http;                  ///< By the proxy URL's scheme.
    std::string host;                        ///< Without IPv6 brackets.
    std::uint16_t port = 0;                  ///< From the URL; else 80 (http), 443 (https), 1080 (SOCKS).
    std::optional<std::string> username;     ///< Percent-decoded userinfo, when given.
    std::optional<std::string> password;     ///< Percent-decoded; never printed.
    std::string shown;                       ///< The proxy for log lines and messages, the password as ***.

    /// Same proxy, same credentials.
    bool operator==(const proxy_endpoint&) const = default;
};

/// The proxy variables of an environment (all unset by default).
struct proxy_environment {
    std::optional<std::string> http_proxy;    ///< For http targets (lower case only, as curl: HTTP_PROXY is ignored).
    std::optional<std::string> https_proxy;   ///< For https targets.
    std::optional<std::string> HTTPS_PROXY;   ///< For https targets, when https_proxy is unset.
    std::optional<std::string> all_proxy;     ///< For any target without its own variable.
    std::optional<std::string> ALL_PROXY;     ///< The same, when all_proxy is unset.
    std::optional<std::string> no_proxy;      ///< Hosts reached directly.
    std::optional<std::string> NO_PROXY;      ///< The same, when no_proxy is unset.

    /// This process's variables.
    static proxy_environment from_process()
    {
        auto get = [](const char* name) -> std::optional<std::string> {
            if (const char* v = std::getenv(name)) return std::string(v);
            return std::nullopt;
        };
        return {get("http_proxy"), get("https_proxy"), get("HTTPS_PROXY"), get("all_proxy"),
                get("ALL_PROXY"), get("no_proxy"), get("NO_PROXY")};
    }
};

/// What choose_proxy decided: a proxy, or direct; `why` says so for the log
/// ("proxy http://p:3128 (https_proxy)", "direct (no_proxy)", "direct").
struct proxy_choice {
    std::optional<proxy_endpoint> proxy;   ///< The proxy to go through; empty: direct.
    std::string why;                       ///< The log line saying which way and why.
    std::string problem;                   ///< Set: the proxy URL named in `why` is not valid (INVALID_INPUT).
};

namespace detail {

inline std::string lower_copy(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

inline std::string strip_brackets(std::string_view host)
{
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return std::string(host);
}

inline std::string_view trim_blanks(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// `addr` is in the CIDR range `network`/`bits` (same family).
inline bool in_cidr(const boost::asio::ip::address& addr, const boost::asio::ip::address& network, unsigned bits)
{
    if (addr.is_v4() != network.is_v4()) return false;
    if (addr.is_v4()) {
        if (bits > 32) return false;
        const auto a = addr.to_v4().to_uint(), n = network.to_v4().to_uint();
        const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t(0) << (32 - bits);
        return (a & mask) == (n & mask);
    }
    if (bits > 128) return false;
    const auto a = addr.to_v6().to_bytes(), n = network.to_v6().to_bytes();
    for (unsigned i = 0; i < 16 && bits > 0; ++i) {
        const unsigned take = bits >= 8 ? 8 : bits;
        const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
        if ((a[i] & mask) != (n[i] & mask)) return false;
        bits -= take;
    }
    return true;
}

/// One no_proxy entry ("example.com", ".example.com", "*", "10.0.0.0/8", "[::1]:8080")
/// against a lower-case host without brackets or trailing dot, and its port.
inline bool no_proxy_entry_matches(std::string_view entry, std::string_view host, std::uint16_t port)
{
    if (entry == "*") return true;
    // An optional ":port": the last ':' after a ']' or in an entry with one ':' only.
    std::optional<unsigned long> entry_port;
    const auto bracket_end = entry.find(']');
    const auto colon = entry.rfind(':');
    const bool one_colon = entry.find(':') == colon;
    if (colon != std::string_view::npos && ((bracket_end != std::string_view::npos && colon > bracket_end) ||
                                            (bracket_end == std::string_view::npos && one_colon))) {
        const std::string digits(entry.substr(colon + 1));
        char* end = nullptr;
        const auto p = std::strtoul(digits.c_str(), &end, 10);
        if (digits.empty() || *end != '\0') return false;
        entry_port = p;
        entry = entry.substr(0, colon);
    }
    if (entry_port && *entry_port != port) return false;
    std::string name = lower_copy(strip_brackets(entry));
    while (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) return false;

    boost::system::error_code ec;
    const auto host_address = boost::asio::ip::make_address(std::string(host), ec);
    const bool host_is_ip = !ec;
    if (const auto slash = name.find('/'); slash != std::string::npos) {   // CIDR
        if (!host_is_ip) return false;
        const auto network = boost::asio::ip::make_address(name.substr(0, slash), ec);
        if (ec) return false;
        char* end = nullptr;
        const std::string bits_text = name.substr(slash + 1);
        const auto bits = std::strtoul(bits_text.c_str(), &end, 10);
        if (bits_text.empty() || *end != '\0') return false;
        return in_cidr(host_address, network, static_cast<unsigned>(bits));
    }
    if (const auto entry_address = boost::asio::ip::make_address(name, ec); !ec)
        return host_is_ip && entry_address == host_address;
    if (host_is_ip) return false;
    if (name.front() == '.') name.erase(0, 1);   // ".example.com" and "example.com" alike
    if (host == name) return true;
    return host.size() > name.size() && host.ends_with(name) && host[host.size() - name.size() - 1] == '.';
}

/// Whether `list` (comma- and blank-separated no_proxy entries) names host:port.
inline bool no_proxy_matches(std::string_view list, std::string_view host, std::uint16_t port)
{
    std::string h = lower_copy(strip_brackets(host));
    while (!h.empty() && h.back() == '.') h.pop_back();
    std::size_t pos = 0;
    while (pos < list.size()) {
        const auto end = list.find_first_of(", \t", pos);
        const auto entry = trim_blanks(list.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        if (!entry.empty() && no_proxy_entry_matches(entry, h, port)) return true;
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    return false;
}

inline std::string percent_decoded(std::string_view s)
{
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace detail

/// A proxy URL read: `http://[user:password@]host[:port]` (also https, socks5, socks5h;
/// a bare "host:port" is http, as curl takes it). nullopt with `why` when it is not one.
inline std::optional<proxy_endpoint> parse_proxy_url(std::string_view text, std::string& why)
{
    std::string with_scheme(detail::trim_blanks(text));
    if (with_scheme.find("://") == std::string::npos) with_scheme = "http://" + with_scheme;
    auto parsed = boost::urls::parse_uri(with_scheme);
    if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) {
        why = "is not a proxy URL (scheme://[user:password@]host[:port])";
        return std::nullopt;
    }
    const std::string scheme = detail::lower_copy(parsed->scheme());
    proxy_endpoint p;
    std::uint16_t default_port = 0;
    if (scheme == "http") p.type = proxy_endpoint::kind::http, default_port = 80;
    else if (scheme == "https") p.type = proxy_endpoint::kind::https, default_port = 443;
    else if (scheme == "socks5") p.type = proxy_endpoint::kind::socks5, default_port = 1080;
    else if (scheme == "socks5h") p.type = proxy_endpoint::kind::socks5h, default_port = 1080;
    else {
        why = "has the scheme \"" + scheme + "\"; a proxy is http, https, socks5 or socks5h";
        return std::nullopt;
    }
    const std::string_view path = parsed->encoded_path();
    if ((!path.empty() && path != "/") || parsed->has_query() || parsed->has_fragment()) {
        why = "has a path, query or fragment; a proxy URL is scheme://[user:password@]host[:port]";
        return std::nullopt;
    }
    p.host = detail::lower_copy(detail::strip_brackets(parsed->encoded_host()));
    p.port = default_port;
    if (parsed->has_port() && !parsed->port().empty()) {
        const std::string digits(parsed->port());
        char* end = nullptr;
        const auto v = std::strtoul(digits.c_str(), &end, 10);
        if (*end != '\0' || v == 0 || v > 65535) {
            why = "has port " + digits + "; a port is 1-65535";
            return std::nullopt;
        }
        p.port = static_cast<std::uint16_t>(v);
    }
    if (parsed->has_userinfo()) {
        p.username = detail::percent_decoded(parsed->encoded_user());
        if (parsed->has_password()) p.password = detail::percent_decoded(parsed->encoded_password());
    }
    const bool v6 = p.host.find(':') != std::string::npos;
    p.shown = scheme + "://";
    if (v6) p.shown += '[';
    p.shown += p.host;
    if (v6) p.shown += ']';
    p.shown += ':';
    p.shown += std::to_string(p.port);
    return p;
}

/// The proxy of a hop to `target` (scheme http or https, `host` as origin_of gives it,
/// `port` effective): the `proxy` and `no_proxy` inputs, else `env`. Pure.
inline proxy_choice choose_proxy(std::string_view scheme, std::string_view host, std::uint16_t port,
                                 const proxy_setting& setting, const std::optional<std::string>& no_proxy_input,
                                 const proxy_environment& env)
{
    proxy_choice out;
    std::string from;   // where the proxy URL came from, for the log
    std::optional<std::string> url;
    if (setting.how == proxy_setting::mode::none) {
        out.why = "direct (proxy is false)";
        return out;
    }
    if (setting.how == proxy_setting::mode::url) {
        url = setting.url;
        from = "the proxy input";
    } else {
        auto pick = [&](const std::optional<std::string>& v, const char* name) {
            if (!url && v && !detail::trim_blanks(*v).empty()) {
                url = *v;
                from = name;
            }
        };
        if (scheme == "http") pick(env.http_proxy, "http_proxy");
        if (scheme == "https") {
            pick(env.https_proxy, "https_proxy");
            pick(env.HTTPS_PROXY, "HTTPS_PROXY");
        }
        pick(env.all_proxy, "all_proxy");
        pick(env.ALL_PROXY, "ALL_PROXY");
    }
    if (!url) {
        out.why = "direct";
        return out;
    }
    const std::optional<std::string>& list =
        no_proxy_input ? no_proxy_input : (env.no_proxy ? env.no_proxy : env.NO_PROXY);
    if (list && detail::no_proxy_matches(*list, host, port)) {
        out.why = "direct (no_proxy)";
        return out;
    }
    std::string why;
    out.proxy = parse_proxy_url(*url, why);
    if (!out.proxy) {
        out.problem = from + ": the proxy URL " + why;
        out.why = "no proxy: " + out.problem;
        return out;
    }
    out.why = "proxy " + out.proxy->shown + " (" + from + ")";
    return out;
}

} // namespace corest

#endif

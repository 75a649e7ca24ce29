#ifndef COREST_DETAIL_COOKIE_JAR_HPP
#define COREST_DETAIL_COOKIE_JAR_HPP

// The cookies of one execution: cookies set by any hop are sent on later hops that
// match them and reported in `cookies`, after RFC 6265 sections 5.1-5.4, with the
// public suffix list, and bound to the port that set them (origin-bound cookies, as
// browsers now do). Without I/O; one jar per execution: not thread-safe, no persistence.

#include <corest/detail/body_classify.hpp>  // output_text
#include <corest/detail/public_suffix.hpp>
#include <corest/request.hpp>
#include <corest/retry.hpp>  // detail::datetime: calendar helpers shared with Retry-After
#include <corest/url.hpp>    // is_ip_literal

#include <boost/url/host_type.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest::detail {

struct cookie {
    std::string name, value, domain;  // domain lower-cased, without a leading dot
    std::string path;
    std::uint16_t port = 0;            // of the hop that set it: sent to that port only
    bool host_only = true, secure = false, http_only = false;
    std::optional<std::chrono::system_clock::time_point> expires;  // nullopt: session cookie
};

namespace cookies {

inline bool is_cookie_date_delimiter(unsigned char c) noexcept
{
    return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

/// Leading digits of `tok` (min..max of them, then the end or a non-digit) -> value.
inline bool leading_digits(std::string_view tok, std::size_t min, std::size_t max, int& out) noexcept
{
    std::size_t n = 0;
    int v = 0;
    while (n < tok.size() && tok[n] >= '0' && tok[n] <= '9') {
        if (n == max) return false;
        v = v * 10 + (tok[n] - '0');
        ++n;
    }
    if (n < min) return false;
    out = v;
    return true;
}

/// hms-time = 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT ( non-digit *OCTET )
inline bool match_cookie_time(std::string_view tok, int& h, int& m, int& s) noexcept
{
    int* fields[] = {&h, &m, &s};
    for (int f = 0; f < 3; ++f) {
        std::size_t n = 0;
        int v = 0;
        while (n < tok.size() && tok[n] >= '0' && tok[n] <= '9' && n < 2) v = v * 10 + (tok[n++] - '0');
        if (n == 0 || (n < tok.size() && tok[n] >= '0' && tok[n] <= '9')) return false;
        *fields[f] = v;
        tok.remove_prefix(n);
        if (f < 2) {
            if (tok.empty() || tok.front() != ':') return false;
            tok.remove_prefix(1);
        }
    }
    return true;
}

/// RFC 6265 section 5.1.1 cookie-date: lenient, so it reads IMF-fixdate,
/// "Wed, 09-Jun-2021 10:18:14 GMT", RFC 850 and asctime alike. Two-digit years
/// 70-99 are 19xx, 00-69 are 20xx; years before 1601 and impossible dates fail.
inline std::optional<std::chrono::sys_seconds> parse_cookie_date(std::string_view s)
{
    bool has_time = false, has_day = false, has_month = false, has_year = false;
    int h = 0, mi = 0, sec = 0, day = 0, year = 0;
    unsigned month = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_cookie_date_delimiter(static_cast<unsigned char>(s[i]))) ++i;
        std::size_t j = i;
        while (j < s.size() && !is_cookie_date_delimiter(static_cast<unsigned char>(s[j]))) ++j;
        if (i == j) break;
        auto tok = s.substr(i, j - i);
        i = j;
        if (!has_time && match_cookie_time(tok, h, mi, sec)) has_time = true;
        else if (!has_day && leading_digits(tok, 1, 2, day)) has_day = true;
        else if (!has_month && tok.size() >= 3 && (month = datetime::month_from_name(tok.substr(0, 3))))
            has_month = true;
        else if (!has_year && leading_digits(tok, 2, 4, year)) has_year = true;
    }
    if (!has_time || !has_day || !has_month || !has_year) return std::nullopt;
    if (year >= 70 && year <= 99) year += 1900;
    else if (year >= 0 && year <= 69) year += 2000;
    if (day < 1 || day > 31 || year < 1601 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
    return datetime::make_utc(year, month, static_cast<unsigned>(day), h, mi, sec);
}

/// Seconds since the epoch -> a system_clock time point, clamped to its range
/// (nanosecond clocks end in 2262; a cookie may say 9999).
inline std::chrono::system_clock::time_point clamp_to_clock(std::chrono::sys_seconds t) noexcept
{
    using clock = std::chrono::system_clock;
    constexpr auto lo = std::chrono::ceil<std::chrono::seconds>(clock::time_point::min().time_since_epoch());
    constexpr auto hi = std::chrono::floor<std::chrono::seconds>(clock::time_point::max().time_since_epoch());
    if (t.time_since_epoch() <= lo) return clock::time_point::min();
    if (t.time_since_epoch() >= hi) return clock::time_point::max();
    return clock::time_point(std::chrono::duration_cast<clock::duration>(t.time_since_epoch()));
}

/// `now + delta` seconds without overflow.
inline std::chrono::system_clock::time_point add_seconds(std::chrono::system_clock::time_point now,
                                                         std::int64_t delta) noexcept
{
    using clock = std::chrono::system_clock;
    using std::chrono::floor;
    // Both sides in whole seconds: the difference fits in 64 bits whatever `now` is.
    auto room = (floor<std::chrono::seconds>(clock::time_point::max().time_since_epoch()) -
                 floor<std::chrono::seconds>(now.time_since_epoch())).count();
    if (delta >= room) return clock::time_point::max();
    return now + std::chrono::seconds(delta);
}

inline std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

inline bool has_control(std::string_view s) noexcept
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

/// RFC 6265 5.1.3 domain-match: identical, or `host` ends with "." + `domain`
/// and is a name, not an IP address.
inline bool domain_match(std::string_view host, std::string_view domain, bool host_is_ip) noexcept
{
    if (host == domain) return true;
    return !host_is_ip && !domain.empty() && host.size() > domain.size() &&
           host.substr(host.size() - domain.size()) == domain &&
           host[host.size() - domain.size() - 1] == '.';
}

/// RFC 6265 5.1.4 path-match.
inline bool path_match(std::string_view request_path, std::string_view cookie_path) noexcept
{
    if (request_path == cookie_path) return true;
    if (request_path.size() <= cookie_path.size() ||
        request_path.substr(0, cookie_path.size()) != cookie_path)
        return false;
    return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
}

/// RFC 6265 5.1.4 default-path: the request path up to (not including) its last '/'.
inline std::string default_path(std::string_view uri_path)
{
    if (uri_path.empty() || uri_path.front() != '/') return "/";
    auto last = uri_path.rfind('/');
    if (last == 0) return "/";
    return std::string(uri_path.substr(0, last));
}

inline std::string request_host(boost::urls::url_view u) { return lower(u.encoded_host()); }

inline std::string_view trim(std::string_view s) noexcept { return datetime::trim_ows(s); }

} // namespace cookies

/// Cookies received during one execution, and the Cookie header for each next hop.
class cookie_jar {
public:
    /// Reads one Set-Cookie header value received for `request_url` at `now`.
    /// Name=Value, then attributes (names case-insensitive, the last of each wins):
    /// Domain (a leading dot ignored; must domain-match the request host, else the
    /// cookie is ignored; an IP address only when it is the host itself; a public
    /// suffix only when it is the host itself, which makes a host-only cookie), Path
    /// (default-path algorithm when absent or not starting with '/'), Secure, HttpOnly,
    /// Max-Age (wins over Expires; <= 0 deletes), Expires (RFC 6265 cookie-date). The
    /// cookie belongs to the request's port. A cookie that is already expired deletes the
    /// stored one with the same name, domain, path and port. Invalid lines are ignored,
    /// never an error. Returns a log line when a cookie was refused for its public-suffix
    /// Domain (the caller's `log` says so), else "".
    std::string set_from_header(boost::urls::url_view request_url, std::string_view set_cookie_value,
                                std::chrono::system_clock::time_point now)
    {
        namespace ck = cookies;
        auto semi = set_cookie_value.find(';');
        auto pair = set_cookie_value.substr(0, semi);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) return {};
        cookie c;
        c.name = std::string(ck::trim(pair.substr(0, eq)));
        c.value = std::string(ck::trim(pair.substr(eq + 1)));
        if (c.name.empty() || ck::has_control(c.name) || ck::has_control(c.value) ||
            c.name.size() + c.value.size() > max_name_value_bytes)
            return {};

        std::optional<std::string> domain_attr, path_attr;
        std::optional<std::chrono::system_clock::time_point> max_age, expires;
        std::string_view rest = semi == std::string_view::npos ? std::string_view{}
                                                               : set_cookie_value.substr(semi + 1);
        while (!rest.empty()) {
            auto end = rest.find(';');
            auto av = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
            auto aeq = av.find('=');
            auto name = ck::lower(ck::trim(av.substr(0, aeq)));
            auto val = aeq == std::string_view::npos ? std::string_view{} : ck::trim(av.substr(aeq + 1));
            if (name == "expires") {
                if (auto t = ck::parse_cookie_date(val)) expires = ck::clamp_to_clock(*t);
            } else if (name == "max-age") {
                if (auto t = parse_max_age(val, now)) max_age = t;
            } else if (name == "domain") {
                if (val.empty()) continue;  // RFC 6265: ignore an empty Domain
                if (val.front() == '.') val.remove_prefix(1);
                domain_attr = ck::lower(val);
            } else if (name == "path") {
                path_attr = (val.empty() || val.front() != '/') ? std::optional<std::string>{}
                                                                 : std::string(val);
            } else if (name == "secure") {
                c.secure = true;
            } else if (name == "httponly") {
                c.http_only = true;
            }
        }

        if (max_age) c.expires = max_age;
        else if (expires) c.expires = expires;

        const std::string host = ck::request_host(request_url);
        const bool host_is_ip = request_url.host_type() != boost::urls::host_type::name;
        if (host.empty()) return {};
        if (domain_attr && !domain_attr->empty()) {
            const std::string& d = *domain_attr;
            if (!ck::domain_match(host, d, host_is_ip)) return {};
            if (d != host && corest::is_ip_literal(d)) return {};
            // RFC 6265 5.3 step 5: a public suffix is refused unless it is the host itself,
            // which then gets a host-only cookie.
            if (!host_is_ip && is_public_suffix(d)) {
                if (d != host)
                    return "cookie " + quote_cookie_name(c.name) + " refused: its Domain \"" + d +
                           "\" is a public suffix";
                domain_attr.reset();
            }
        }
        if (domain_attr && !domain_attr->empty()) {
            c.domain = *domain_attr;
            c.host_only = host_is_ip;  // an IP address has no subdomains
        } else {
            c.domain = host;
            c.host_only = true;
        }
        c.path = path_attr ? *path_attr : ck::default_path(request_url.encoded_path());
        c.port = corest::effective_port(request_url);

        const bool expired = c.expires && *c.expires <= now;
        auto same = std::find_if(jar_.begin(), jar_.end(), [&](const cookie& o) {
            return o.name == c.name && o.domain == c.domain && o.path == c.path && o.port == c.port;
        });
        if (expired) {
            if (same != jar_.end()) jar_.erase(same);
            forget(c.name);
            return {};
        }
        remember(c.name, c.value);
        if (same != jar_.end()) *same = std::move(c);  // keeps its place: its creation order
        else jar_.push_back(std::move(c));
        return {};
    }

    /// The Cookie header value for a request to `url` at `now`: "a=1; b=2" with
    /// every unexpired cookie set on this port whose domain and path match (Secure ones
    /// only over https), longer paths first, then older first; "" when none match.
    std::string cookie_header_for(boost::urls::url_view url, std::chrono::system_clock::time_point now) const
    {
        namespace ck = cookies;
        const std::string host = ck::request_host(url);
        const bool host_is_ip = url.host_type() != boost::urls::host_type::name;
        const bool https = url.scheme_id() == boost::urls::scheme::https;
        std::string_view path = url.encoded_path();
        if (path.empty()) path = "/";
        const std::uint16_t port = corest::effective_port(url);

        std::vector<const cookie*> matches;
        for (const auto& c : jar_) {
            if (c.port != port) continue;
            if (c.expires && *c.expires <= now) continue;
            if (c.secure && !https) continue;
            if (c.host_only ? host != c.domain : !ck::domain_match(host, c.domain, host_is_ip)) continue;
            if (!ck::path_match(path, c.path)) continue;
            matches.push_back(&c);
        }
        std::stable_sort(matches.begin(), matches.end(), [](const cookie* a, const cookie* b) {
            return a->path.size() > b->path.size();
        });
        std::string out;
        for (const cookie* c : matches) {
            if (!out.empty()) out += "; ";
            out += c->name;
            out += '=';
            out += c->value;
        }
        return out;
    }

    /// name -> value of every cookie set during the execution, in the order first
    /// set; a later cookie of the same name replaces the value, a deletion removes it.
    /// This is the result's `cookies` output, so as valid UTF-8 (bytes that are not are
    /// read as Latin-1, like header values); the jar itself sends the bytes received.
    bool empty() const noexcept { return jar_.empty(); }

    corest::header_list all_set() const
    {
        corest::header_list out;
        out.reserve(set_.size());
        for (const auto& [name, value] : set_) out.emplace_back(output_text(name), output_text(value));
        return out;
    }

    /// The stored cookies, in creation order (for tests and diagnostics).
    const std::vector<cookie>& stored() const noexcept { return jar_; }

private:
    static std::string quote_cookie_name(std::string_view name)
    {
        std::string shown = output_text(name.substr(0, 64));
        return "\"" + shown + (name.size() > 64 ? "...\"" : "\"");
    }

    // Browsers keep at least 4096 bytes of name and value; larger is ignored.
    static constexpr std::size_t max_name_value_bytes = 4096;

    /// Max-Age: an optional '-' then digits; <= 0 means "expired now".
    static std::optional<std::chrono::system_clock::time_point> parse_max_age(
        std::string_view v, std::chrono::system_clock::time_point now)
    {
        bool negative = !v.empty() && v.front() == '-';
        auto digits = negative ? v.substr(1) : v;
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
            return std::nullopt;
        if (negative) return std::chrono::system_clock::time_point::min();
        std::int64_t n = 0;
        for (char c : digits) {
            if (n > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
                n = std::numeric_limits<std::int64_t>::max();
                break;
            }
            n = n * 10 + (c - '0');
        }
        if (n <= 0) return std::chrono::system_clock::time_point::min();
        return cookies::add_seconds(now, n);
    }

    void remember(const std::string& name, const std::string& value)
    {
        for (auto& [n, v] : set_)
            if (n == name) {
                v = value;
                return;
            }
        set_.emplace_back(name, value);
    }

    // After a deletion: another live cookie of that name keeps the name reported.
    void forget(const std::string& name)
    {
        auto it = std::find_if(set_.begin(), set_.end(), [&](const auto& p) { return p.first == name; });
        if (it == set_.end()) return;
        auto other = std::find_if(jar_.rbegin(), jar_.rend(), [&](const cookie& c) { return c.name == name; });
        if (other != jar_.rend()) it->second = other->value;
        else set_.erase(it);
    }

    std::vector<cookie> jar_;
    corest::header_list set_;
};

} // namespace corest::detail

#endif

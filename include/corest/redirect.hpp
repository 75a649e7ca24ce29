#ifndef COREST_REDIRECT_HPP
#define COREST_REDIRECT_HPP

// The redirect follower's decision (docs/inputs.md, "Redirects"), without I/O:
// given one response, is it followed, where to, with which method and body,
// and does the next hop leave the origin of the call's first URL (then no
// credentials go with it). The call state machine (detail/call/call_fsm.hpp) acts on it.

#include <corest/detail/uri_reference.hpp>
#include <corest/method.hpp>
#include <corest/url.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corest {

/// What to do with one response as a redirect (next_hop).
struct redirect_decision {
    /// The decision.
    enum class kind {
        stop,             ///< not a redirect, or not followed: this response is the result
        follow,           ///< send the next hop to `target`
        refused,          ///< REDIRECT_REFUSED: a scheme other than http/https
        too_many,         ///< TOO_MANY_REDIRECTS
        invalid_location  ///< PROTOCOL_ERROR: the Location header is not a usable URI reference
    };
    kind what = kind::stop;               ///< The decision.
    boost::urls::url target;              ///< With follow: absolute, without fragment.
    corest::method method = method::get;  ///< With follow: the next hop's method (303 and POST-to-GET rules).
    bool keep_body = true;                ///< With follow: re-send the body (307, 308).
    /// With follow: remove Content-Type, Content-Length, Transfer-Encoding and
    /// Content-Encoding (the body is gone).
    bool drop_body_headers = false;
    /// With follow: the target's origin differs from the first URL's origin, so no
    /// credentials and no caller Cookie go to it.
    bool cross_origin = false;
    /// A sentence for log and message; no URL (the caller masks secrets in URLs itself).
    std::string message;
};

namespace detail {

/// Percent-encodes what servers put raw into Location headers but URIs do not
/// allow (spaces, non-ASCII, a stray '%', ...), as browsers and curl do.
inline std::string encode_raw_location(std::string_view s)
{
    constexpr char hex[] = "0123456789ABCDEF";
    auto is_hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        bool bad = c <= 0x20 || c >= 0x7f || std::string_view("\"<>\\^`{|}").find(static_cast<char>(c)) !=
                                                  std::string_view::npos;
        if (c == '%' && !(i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2]))) bad = true;
        if (bad) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

/// An absent or empty port, or 1..65535 (Boost 1.81's port_number() wraps 99999).
inline bool location_port_ok(boost::urls::url_view u) noexcept
{
    if (!u.has_port() || u.port().empty()) return true;
    std::string_view p = u.port();
    unsigned long v = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<unsigned long>(c - '0');
        if (v > 65535) return false;
    }
    return v != 0;
}

inline bool is_redirect_status(unsigned status) noexcept
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

} // namespace detail

/// What to do with a response to `method` on `current` that has `status` and
/// optionally a `Location` header, after `hops_done` redirects were followed
/// in this call (whose first URL is `first_url`).
///
/// - Only 301, 302, 303, 307 and 308 with a non-empty Location are redirects;
///   anything else, or `allow_redirects == false`, is `stop` (the response is the result).
/// - `hops_done >= max_redirects` is `too_many` (so `max_redirects == 0` and a
///   redirect is TOO_MANY_REDIRECTS).
/// - Location is resolved against `current` (RFC 3986 section 5.2, dot segments removed);
///   the fragment is dropped (it is never sent); everything else is kept as the server
///   spelled it (no percent-decoding, no re-encoding of what is valid). Raw spaces or
///   non-ASCII in it are percent-encoded first; a Location that still does not parse, or
///   has no host, is `invalid_location`.
/// - A target scheme other than http/https is `refused`, naming the scheme.
/// - 301/302: POST becomes GET without body, other methods keep method and body.
///   303: every method but HEAD becomes GET; the body is dropped for all (HEAD too).
///   307/308: method and body kept.
/// - `cross_origin`: the target's origin (scheme, lower-cased host, effective port)
///   differs from `first_url`'s, so a chain A -> B -> A sends credentials to A twice.
/// Pure: no I/O; `current` and `first_url` are only read during the call.
inline redirect_decision next_hop(const boost::urls::url_view_base& current, const boost::urls::url_view_base& first_url,
                                  corest::method method, unsigned status,
                                  std::optional<std::string_view> location, unsigned hops_done,
                                  unsigned max_redirects, bool allow_redirects)
{
    using kind = redirect_decision::kind;
    redirect_decision d;
    d.method = method;
    if (!detail::is_redirect_status(status)) return d;
    const std::string code = std::to_string(status);
    std::string_view loc = location ? *location : std::string_view{};
    while (!loc.empty() && (loc.front() == ' ' || loc.front() == '\t')) loc.remove_prefix(1);
    while (!loc.empty() && (loc.back() == ' ' || loc.back() == '\t')) loc.remove_suffix(1);
    if (loc.empty()) {
        d.message = "the " + code + " response has no Location header; it is the result";
        return d;
    }
    if (!allow_redirects) {
        d.message = "allow_redirects is false: the " + code + " response is the result";
        return d;
    }
    if (hops_done >= max_redirects) {
        d.what = kind::too_many;
        d.message = "too many redirects: the " + code + " response would be redirect " +
                    std::to_string(hops_done + 1) + ", but max_redirects is " +
                    std::to_string(max_redirects);
        return d;
    }

    auto invalid = [&] {
        d.what = kind::invalid_location;
        std::string shown(loc.substr(0, 200));
        d.message = "the " + code + " response's Location header \"" +
                    detail::encode_raw_location(shown) + (loc.size() > 200 ? "..." : "") +
                    "\" is not a valid URL";
        return d;
    };
    std::string encoded;
    auto ref = boost::urls::parse_uri_reference(loc);
    if (!ref) {
        encoded = detail::encode_raw_location(loc);
        ref = boost::urls::parse_uri_reference(encoded);
        if (!ref) return invalid();
    }
    auto resolved = detail::resolve_reference(current, *ref);
    if (!resolved) return invalid();
    boost::urls::url target = std::move(*resolved);

    auto sid = target.scheme_id();
    if (sid != boost::urls::scheme::http && sid != boost::urls::scheme::https) {
        d.what = kind::refused;
        d.message = "redirect refused: the " + code + " response points to a \"" +
                    detail::to_lower(target.scheme()) +
                    "\" URL; only http and https redirects are followed";
        return d;
    }
    if (!target.has_authority() || target.encoded_host().empty() || !detail::location_port_ok(target))
        return invalid();
    corest::input_check idna_problem;
    if (!detail::apply_idna(target, "Location", loc, idna_problem)) return invalid();
    // set_path_absolute, not set_encoded_path("/"): Boost 1.81 turns the latter into "/./".
    if (target.encoded_path().empty()) target.set_path_absolute(true);

    d.what = kind::follow;
    d.target = std::move(target);
    switch (status) {
    case 301:
    case 302:
        if (method == method::post) {
            d.method = method::get;
            d.keep_body = false;
        }
        break;
    case 303:
        if (method != method::head) d.method = method::get;
        d.keep_body = false;
        break;
    default:  // 307, 308
        break;
    }
    d.drop_body_headers = !d.keep_body;
    d.cross_origin = !(origin_of(d.target) == origin_of(first_url));

    d.message = "redirect " + std::to_string(hops_done + 1) + " (" + code + "): ";
    if (d.method != method)
        d.message += std::string(method_name(method)) + " becomes " +
                     std::string(method_name(d.method)) + " without body";
    else if (!d.keep_body)
        d.message += std::string(method_name(method)) + " kept, body dropped";
    else
        d.message += std::string(method_name(method)) + " and body kept";
    if (d.cross_origin) d.message += "; another origin, so credentials are not sent";
    return d;
}

} // namespace corest

#endif

#ifndef COREST_DETAIL_URI_REFERENCE_HPP
#define COREST_DETAIL_URI_REFERENCE_HPP

// Reference resolution exactly as RFC 3986 section 5.2 gives it, on the encoded text.
// Boost.URL 1.81's resolve() is not used: it keeps "/../x" for "../x" against "/a", and it
// normalizes percent-encoding while it works ("/f%6Fo" becomes "/foo", "..%2Fx" a "../x"
// segment), so a redirect would request a different resource than the server named.
// Here every component is copied as the server spelled it; only the dot segments of the
// path go.

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

/// RFC 3986 section 5.2.4: removes "." and ".." segments from an encoded path. A ".."
/// above the root is dropped (so "/../x" is "/x"). Percent-encoded dots are not dots.
inline std::string remove_dot_segments(std::string_view in)
{
    std::string out;
    while (!in.empty()) {
        if (in.starts_with("../")) in.remove_prefix(3);                          // A
        else if (in.starts_with("./")) in.remove_prefix(2);
        else if (in.starts_with("/./")) in.remove_prefix(2);                     // B
        else if (in == "/.") in = "/";
        else if (in.starts_with("/../") || in == "/..") {                       // C
            in = in.size() == 3 ? std::string_view("/") : in.substr(3);
            const auto slash = out.rfind('/');
            out.resize(slash == std::string::npos ? 0 : slash);
        } else if (in == "." || in == "..") in = {};                             // D
        else {                                                                   // E
            const auto next = in.find('/', 1);
            const auto segment = in.substr(0, next);
            out += segment;
            in.remove_prefix(segment.size());
        }
    }
    return out;
}

/// RFC 3986 section 5.2.3: the reference's path merged with the base's.
inline std::string merge_paths(const boost::urls::url_view_base& base, std::string_view reference_path)
{
    if (base.has_authority() && base.encoded_path().empty()) return "/" + std::string(reference_path);
    std::string_view path = base.encoded_path();
    const auto slash = path.rfind('/');
    std::string out(slash == std::string_view::npos ? std::string_view() : path.substr(0, slash + 1));
    out += reference_path;
    return out;
}

/// The target URI of `reference` against the absolute `base` (RFC 3986 section 5.2.2),
/// without fragment, as text: every component as spelled in the reference or the base.
inline std::string resolve_reference_text(const boost::urls::url_view_base& base,
                                          const boost::urls::url_view_base& reference)
{
    std::string scheme, authority, path, query;
    bool has_authority = false, has_query = false;
    if (reference.has_scheme()) {
        scheme = reference.scheme();
        has_authority = reference.has_authority();
        authority = reference.encoded_authority();
        path = remove_dot_segments(reference.encoded_path());
        has_query = reference.has_query();
        query = reference.encoded_query();
    } else {
        scheme = base.scheme();
        if (reference.has_authority()) {
            has_authority = true;
            authority = reference.encoded_authority();
            path = remove_dot_segments(reference.encoded_path());
            has_query = reference.has_query();
            query = reference.encoded_query();
        } else {
            has_authority = base.has_authority();
            authority = base.encoded_authority();
            const std::string_view ref_path = reference.encoded_path();
            if (ref_path.empty()) {
                path = base.encoded_path();
                has_query = reference.has_query() || base.has_query();
                query = reference.has_query() ? reference.encoded_query() : base.encoded_query();
            } else {
                path = remove_dot_segments(ref_path.front() == '/' ? std::string(ref_path)
                                                                   : merge_paths(base, ref_path));
                has_query = reference.has_query();
                query = reference.encoded_query();
            }
        }
    }
    std::string out = scheme + ":";
    if (has_authority) out += "//" + authority;
    out += path;
    if (has_query) out += "?" + query;
    return out;
}

/// resolve_reference_text, parsed: nullopt when the result is not a valid URI (a
/// reference whose path starts with "//" without an authority, say).
inline std::optional<boost::urls::url> resolve_reference(const boost::urls::url_view_base& base,
                                                         const boost::urls::url_view_base& reference)
{
    const std::string text = resolve_reference_text(base, reference);   // the view below points into it
    auto parsed = boost::urls::parse_uri(text);
    if (!parsed) return std::nullopt;
    return boost::urls::url(*parsed);
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_REQUEST_HEAD_HPP
#define COREST_DETAIL_REQUEST_HEAD_HPP

// Serializes the head of one request hop: start line, corest's default headers
// unless the caller set them, the caller's headers (minus credentials on a hop to
// another origin and minus body headers when the body was dropped), cookies,
// credentials and the body's framing.

#include <corest/body.hpp>
#include <corest/request.hpp>
#include <corest/url.hpp>
#include <corest/version.hpp>

#include <boost/beast/core/string.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

struct hop_head_options {
    corest::method method = corest::method::get;
    bool send_body = true;                 // false after a 301/302/303 that dropped it
    bool same_origin_as_first = true;      // credentials and the caller's Cookie only then
    std::string cookie_header;             // from the `cookies` input and the jar, already filtered
    std::optional<std::string> authorization;
    std::optional<std::pair<std::string, std::string>> api_key_header;
    // Through an HTTP proxy to an http URL: the request line carries the absolute URL,
    // and the proxy's credentials go with it.
    bool absolute_form = false;
    std::optional<std::string> proxy_authorization;
};

inline bool header_is(std::string_view name, std::string_view lower)
{
    return boost::beast::iequals(name, lower);
}

inline bool caller_sets(const header_list& headers, std::string_view lower)
{
    for (const auto& [k, v] : headers)
        if (header_is(k, lower)) return true;
    return false;
}

inline std::string build_request_head(const request& r, const boost::urls::url_view_base& url, const encoded_body& body,
                                      const hop_head_options& o)
{
    // Built in this thread's scratch string and returned at its exact size: a call keeps
    // its head until the response comes, and a reserve that spares regrowth would be most
    // of it (benchmarks/README.md, "What the memory of a waiting call shaped").
    thread_local std::string head;
    head.clear();
    head.append(method_name(o.method)).append(1, ' ');
    if (o.absolute_form) head.append(detail::to_lower(url.scheme())).append("://").append(host_header(url));
    head.append(request_target(url)).append(" HTTP/1.1\r\n");
    auto line = [&](std::string_view name, std::string_view value) {
        head.append(name).append(": ").append(value).append("\r\n");
    };
    if (!caller_sets(r.headers, "host")) line("Host", host_header(url));
    if (!caller_sets(r.headers, "user-agent")) line("User-Agent", corest::user_agent);
    if (!caller_sets(r.headers, "accept")) line("Accept", "*/*");
    if (r.decompress && !caller_sets(r.headers, "accept-encoding")) line("Accept-Encoding", "gzip, deflate");

    // An empty body given as an input (text "", urlencoded {}) is still a body: it has a
    // content type, and goes out with it and Content-Length: 0.
    const bool has_body = o.send_body && (!body.empty() || !body.content_type.empty());
    for (const auto& [k, v] : r.headers) {
        if (!o.same_origin_as_first &&
            (header_is(k, "authorization") || header_is(k, "proxy-authorization") || header_is(k, "cookie")))
            continue;
        if (header_is(k, "cookie") && !o.cookie_header.empty()) continue;   // merged below
        if (header_is(k, "authorization") && o.authorization) continue;     // the auth input wins
        // corest frames the body itself; the caller's framing headers would contradict it.
        if (header_is(k, "content-length") || header_is(k, "transfer-encoding")) continue;
        if (!o.send_body && (header_is(k, "content-type") || header_is(k, "content-encoding"))) continue;
        line(k, v);
    }
    if (!o.cookie_header.empty()) {
        std::string merged;
        if (o.same_origin_as_first)
            for (const auto& [k, v] : r.headers)
                if (header_is(k, "cookie")) merged.append(v).append("; ");
        merged += o.cookie_header;
        line("Cookie", merged);
    }
    if (o.authorization) line("Authorization", *o.authorization);
    if (o.proxy_authorization) line("Proxy-Authorization", *o.proxy_authorization);
    if (o.api_key_header) line(o.api_key_header->first, o.api_key_header->second);
    if (has_body) {
        if (!body.content_type.empty() && !caller_sets(r.headers, "content-type")) line("Content-Type", body.content_type);
        line("Content-Length", std::to_string(body.content_length));
    } else if (o.method == corest::method::post || o.method == corest::method::put ||
               o.method == corest::method::patch) {
        line("Content-Length", "0");
    }
    head.append("\r\n");
    std::string exact(head);
    if (head.capacity() > 16 * 1024) head = std::string();   // a rare huge head is not kept per thread
    return exact;
}

} // namespace corest::detail

#endif

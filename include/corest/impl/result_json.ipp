#ifndef COREST_IMPL_RESULT_JSON_IPP
#define COREST_IMPL_RESULT_JSON_IPP

// to_json(result): the JSON form of a result. Included at the end of json.hpp, after
// the result type.

#include <corest/detail/base64.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace corest {

inline boost::json::object to_json(const result& r)
{
    boost::json::object o;
    o["status"] = r.ok() ? "success" : "error";
    o["message"] = r.message;
    if (!r.ok()) o["error"] = error_name(r.error);

    // Only when a final response arrived (also on error).
    if (r.status_code) {
        o["status_code"] = *r.status_code;
        o["reason"] = r.reason;
        boost::json::object headers;
        for (const auto& [name, value] : r.headers) headers[name] = value;
        o["headers"] = std::move(headers);
    }

    boost::json::object cookies;
    for (const auto& [name, value] : r.cookies) cookies[name] = value;   // a later Set-Cookie wins
    o["cookies"] = std::move(cookies);

    if (r.encoding) o["encoding"] = *r.encoding;
    switch (r.kind) {
    case body_kind::none: break;
    case body_kind::json: o["json"] = r.json_body; break;
    case body_kind::text: o["text"] = r.body; break;
    case body_kind::bytes: o["bytes"] = detail::base64_encode(r.body); break;
    }

    if (r.dst) o["dst"] = *r.dst;
    if (r.size) o["size"] = *r.size;

    o["url"] = r.url;
    if (!r.http_version.empty()) o["http_version"] = r.http_version;
    boost::json::array history;
    for (const auto& h : r.history)
        history.push_back(boost::json::object{{"status_code", h.status_code}, {"url", h.url}});
    o["history"] = std::move(history);
    o["attempts"] = r.attempts;
    o["timings"] = boost::json::object{
        {"dns", r.timings.dns},
        {"connect", r.timings.connect},
        {"tls", r.timings.tls},
        {"ttfb", r.timings.ttfb},
        {"total", r.timings.total},
    };
    boost::json::array log;
    for (const auto& line : r.log) log.push_back(boost::json::string(line));
    o["log"] = std::move(log);
    return o;
}

} // namespace corest

#endif

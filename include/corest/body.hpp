#ifndef COREST_BODY_HPP
#define COREST_BODY_HPP

// The request body encoder: one request_body (json, text, urlencoded, multipart) becomes
// an encoded_body (body/encoded.hpp).

#include <corest/body/encoded.hpp>
#include <corest/body/multipart.hpp>
#include <corest/body/urlencoded.hpp>
#include <corest/detail/json_text.hpp>
#include <corest/error.hpp>
#include <corest/request.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace corest {

/// Encodes a request body (docs/inputs.md, "The request body"): no body -> empty, no content type;
/// json -> serialized, application/json; text -> as is, text/plain; charset=utf-8;
/// urlencoded -> application/x-www-form-urlencoded; multipart -> see body/multipart.hpp.
/// Bad input (INVALID_INPUT naming the input) leaves an empty body and sets `problem`.
inline encoded_body encode_body(const corest::request_body& body, corest::input_check& problem)
{
    encoded_body out;
    auto in_memory = [&out](std::string content_type, std::string bytes) {
        out.content_type = std::move(content_type);
        out.content_length = bytes.size();
        out.segments.emplace_back(std::move(bytes));
    };
    if (const auto* j = std::get_if<json_body>(&body)) {
        std::string text;
        detail::append_json(text, j->value);
        in_memory("application/json", std::move(text));
    } else if (const auto* t = std::get_if<text_body>(&body)) {
        in_memory("text/plain; charset=utf-8", t->text);
    } else if (const auto* u = std::get_if<urlencoded_body>(&body)) {
        std::string bytes = encode_urlencoded(u->fields, problem);
        if (!problem.ok()) return {};
        in_memory("application/x-www-form-urlencoded", std::move(bytes));
    } else if (const auto* m = std::get_if<multipart_body>(&body)) {
        out = encode_multipart(*m, problem);
        if (!problem.ok()) return {};
    }
    return out;
}

} // namespace corest

#endif

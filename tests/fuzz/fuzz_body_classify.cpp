// fuzz_body_classify: body classification and charset handling
// (include/corest/detail/body_classify.hpp) and the JSON form of the result (to_json).
//
// Input: the first line (up to the first LF) is the Content-Type header value, the
// rest is the body. An empty first line means no Content-Type header. A first line
// starting with '~' (removed) classifies the body as still content-encoded.
// The header value is made valid UTF-8 first, as normalize_headers does for real responses.
//
// Properties:
//   - is_valid_utf8 agrees with a byte-at-a-time reference validator;
//   - kind none exactly for an empty body; text bodies are valid UTF-8; json and
//     bytes bodies are unchanged; encoding is the declared charset, else "utf-8"
//     exactly when the body is non-empty valid UTF-8 (and was decoded);
//   - latin1/windows-1252 conversions give valid UTF-8;
//   - to_json(result) serializes to JSON that parses back, with the same text, or
//     bytes that base64-decode to the body.

#include "fuzz_common.hpp"

#include <corest/detail/base64.hpp>
#include <corest/detail/body_classify.hpp>
#include <corest/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>

namespace {

using corest_fuzz::check;

/// RFC 3629 UTF-8, one byte at a time, the simplest way: the decoded code point
/// must need exactly its length, not be a surrogate, and not exceed U+10FFFF.
bool reference_utf8(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len;
        std::uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto nl = input.find('\n');
    std::string_view content_type = input.substr(0, nl);
    std::string_view body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    bool still_encoded = false;
    if (!content_type.empty() && content_type.front() == '~') {
        still_encoded = true;
        content_type.remove_prefix(1);
    }

    namespace d = corest::detail;
    check(d::is_valid_utf8(body) == reference_utf8(body), "is_valid_utf8 disagrees with the reference", body);
    check(d::is_valid_utf8(content_type) == reference_utf8(content_type),
          "is_valid_utf8 disagrees with the reference", content_type);
    const std::string latin1 = d::latin1_to_utf8(body);
    check(reference_utf8(latin1), "latin1_to_utf8 gives invalid UTF-8", latin1);
    const std::string cp1252 = d::windows1252_to_utf8(body);
    check(reference_utf8(cp1252), "windows1252_to_utf8 gives invalid UTF-8", cp1252);
    (void)d::content_type_charset(content_type);   // the raw bytes too

    corest::result r;
    r.status_code = 200;
    std::string header(content_type);
    if (!d::is_valid_utf8(header)) header = d::latin1_to_utf8(header);
    if (!content_type.empty()) r.headers.emplace_back("content-type", header);
    r.body = std::string(body);
    d::classify_body(r, still_encoded);

    const auto charset = content_type.empty() ? std::nullopt : d::content_type_charset(header);
    const bool utf8 = d::is_valid_utf8(body);
    check((r.kind == corest::body_kind::none) == body.empty(), "kind none is not the same as an empty body");
    switch (r.kind) {
    case corest::body_kind::text:
        check(d::is_valid_utf8(r.body), "a text body that is not valid UTF-8", r.body);
        check(!still_encoded, "a still-encoded body reported as text");
        break;
    case corest::body_kind::json:
        check(!still_encoded, "a still-encoded body reported as json");
        [[fallthrough]];
    case corest::body_kind::bytes:
    case corest::body_kind::none:
        check(r.body == body, "a json/bytes body was changed", r.body);
        break;
    }
    if (charset) check(r.encoding == charset, "encoding is not the declared charset", r.encoding.value_or("(none)"));
    else if (!still_encoded)
        check(r.encoding.has_value() == (utf8 && !body.empty()) && (!r.encoding || *r.encoding == "utf-8"),
              "undeclared encoding is not utf-8 exactly for valid UTF-8", r.encoding.value_or("(none)"));

    const std::string json = boost::json::serialize(corest::to_json(r));
    boost::json::error_code ec;
    auto back = boost::json::parse(json, ec);
    check(!ec, "to_json output does not parse", json);
    const auto& o = back.as_object();
    check(o.contains("json") + o.contains("text") + o.contains("bytes") == (r.kind != corest::body_kind::none),
          "to_json: not exactly one of json/text/bytes", json);
    if (r.kind == corest::body_kind::text) check(o.at("text").as_string() == r.body, "to_json: text differs", json);
    if (r.kind == corest::body_kind::bytes) {
        auto decoded = d::base64_decode(o.at("bytes").as_string());
        check(decoded && *decoded == r.body, "to_json: bytes do not decode to the body", json);
    }
    return 0;
}

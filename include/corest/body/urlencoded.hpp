#ifndef COREST_BODY_URLENCODED_HPP
#define COREST_BODY_URLENCODED_HPP

// application/x-www-form-urlencoded bodies (the `urlencoded` input), and the form
// value encoding they share with `params` (url.hpp includes this header).

#include <corest/detail/json_text.hpp>
#include <corest/error.hpp>
#include <corest/request.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace corest {

namespace detail {

constexpr bool is_unreserved(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '.' || c == '_' || c == '~';
}

inline void append_pct(std::string& out, unsigned char c)
{
    constexpr char hex[] = "0123456789ABCDEF";
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 0xF];
}

/// Query/form text of a JSON scalar: strings as is, numbers as corest writes JSON
/// numbers (1.5, 100.0, 7), bools as true/false. nullopt for null, arrays, objects.
inline std::optional<std::string> scalar_text(const boost::json::value& v) { return json_scalar_text(v); }

inline void append_encoded_pair(std::string& out, std::string_view key, std::string_view value);

/// Appends `key=value` pairs for one params/urlencoded field to `out` ('&'-separated):
/// array = key repeated, null = skipped. An object (or an array inside an array)
/// is INVALID_INPUT naming `<input>.<key>`; returns false then.
inline bool append_field(std::string& out, std::string_view key, const boost::json::value& v,
                         std::string_view input, corest::input_check& problem)
{
    auto reject = [&](std::string_view what) {
        problem.code = corest::error::invalid_input;
        problem.message = std::string(input) + "." + std::string(key) + ": " + std::string(what) +
            " cannot be sent as a form value; use a string, number, bool, null or an array of those";
        return false;
    };
    if (v.is_null()) return true;
    if (v.is_object()) return reject("an object");
    if (v.is_array()) {
        for (const auto& item : v.get_array()) {
            if (item.is_null()) continue;
            auto text = scalar_text(item);
            if (!text) return reject(item.is_object() ? "an object inside an array" : "an array inside an array");
            append_encoded_pair(out, key, *text);
        }
        return true;
    }
    append_encoded_pair(out, key, *scalar_text(v));
    return true;
}

} // namespace detail

/// Percent-encodes everything outside RFC 3986 unreserved (A-Z a-z 0-9 - . _ ~) as
/// upper-case %XX: a space is %20, a '+' is %2B, UTF-8 bytes are encoded one by one.
/// Used for query parameters and application/x-www-form-urlencoded bodies.
inline std::string percent_encode_component(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (detail::is_unreserved(c)) out += c;
        else detail::append_pct(out, static_cast<unsigned char>(c));
    }
    return out;
}

inline void detail::append_encoded_pair(std::string& out, std::string_view key, std::string_view value)
{
    if (!out.empty()) out += '&';
    out += percent_encode_component(key);
    out += '=';
    out += percent_encode_component(value);
}

/// `k=v&k2=v2` in object order: strings as is, numbers as in JSON text (1.5, 100.0),
/// bools as true/false, an array repeats the key, null
/// is skipped; everything outside unreserved is %XX (space %20, '+' %2B).
/// A nested object (or an array inside an array) is INVALID_INPUT naming
/// `urlencoded.<key>`; the result is then "".
inline std::string encode_urlencoded(const boost::json::object& fields, corest::input_check& problem)
{
    std::string out;
    for (const auto& kv : fields)
        if (!detail::append_field(out, kv.key(), kv.value(), "urlencoded", problem)) return {};
    return out;
}

} // namespace corest

#endif

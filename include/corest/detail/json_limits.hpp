#ifndef COREST_DETAIL_JSON_LIMITS_HPP
#define COREST_DETAIL_JSON_LIMITS_HPP

// What JSON corest takes. Numbers are finite (Boost.JSON reads 1e400 as infinity, which
// JSON cannot write). Real documents nest deeper than Boost.JSON's default of 32:
// a value may have up to 1000 levels of arrays and objects (a scalar has none, `[1]` one),
// in a `json` input, in a connector file's values and in a response body. Inputs and
// connector files are one object around their values, so they parse with one level more.

#include <boost/json/value.hpp>

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

inline constexpr std::size_t max_json_depth = 1000;

/// True when `v` nests deeper than `limit` levels. Recursion stops at the limit, so a
/// hostile value cannot exhaust the stack here.
inline bool nests_deeper_than(const boost::json::value& v, std::size_t limit)
{
    if (v.is_array()) {
        if (limit == 0) return true;
        for (const auto& e : v.get_array())
            if (nests_deeper_than(e, limit - 1)) return true;
    } else if (v.is_object()) {
        if (limit == 0) return true;
        for (const auto& kv : v.get_object())
            if (nests_deeper_than(kv.value(), limit - 1)) return true;
    }
    return false;
}

/// Whether a JSON value holds a number that is not finite: Boost.JSON reads a literal too
/// large for a double (1e400) as infinity, and writes that back as "Infinity", which is not JSON.
inline bool has_non_finite_number(const boost::json::value& v)
{
    switch (v.kind()) {
    case boost::json::kind::double_: return !std::isfinite(v.get_double());
    case boost::json::kind::array:
        for (const auto& e : v.get_array())
            if (has_non_finite_number(e)) return true;
        return false;
    case boost::json::kind::object:
        for (const auto& kv : v.get_object())
            if (has_non_finite_number(kv.value())) return true;
        return false;
    default: return false;
    }
}

/// In JSON text whose top level is an object, the key of the top-level member in which
/// the nesting first goes past `max_depth` levels (counting the top-level object as one),
/// when it does. A scan of the text, not a parse: it runs after the parser refused the
/// text for its depth, to name the input in the message.
inline std::optional<std::string> key_nested_too_deep(std::string_view text, std::size_t max_depth)
{
    std::size_t depth = 0;
    std::string last_key;   // the latest string read at depth 1
    bool expecting_key = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            std::size_t j = i + 1;
            std::string s;
            while (j < text.size() && text[j] != '"') {
                if (text[j] == '\\' && j + 1 < text.size()) ++j;
                s += text[j++];
            }
            if (depth == 1 && expecting_key) last_key = std::move(s);
            expecting_key = false;
            i = j;
        } else if (c == '{' || c == '[') {
            ++depth;
            if (depth > max_depth) {
                if (depth == 1 || last_key.empty()) return std::nullopt;
                return last_key;
            }
            expecting_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            if (depth > 0) --depth;
        } else if (c == ',') {
            expecting_key = depth == 1;
        }
    }
    return std::nullopt;
}

} // namespace corest::detail

#endif

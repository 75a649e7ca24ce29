#ifndef COREST_DETAIL_JSON_TEXT_HPP
#define COREST_DETAIL_JSON_TEXT_HPP

// JSON text as corest writes it everywhere (request bodies, forms built from JSON values,
// the tool's output): numbers keep the form a person wrote. Boost.JSON 1.81 writes every
// double in scientific form (1.5E0, 1E2), which strict APIs and body signatures notice.
//   integers       as integers (uint64 up to 2^64-1 exactly)
//   doubles        the shortest text that reads back as the same double: plain decimal for
//                  1e-6 <= |x| < 1e21, with ".0" when integral (1.5, 100.0, 0.1, -0.0),
//                  else exponent form (1e+21, 1e-7), as ECMAScript writes numbers
//   non-finite     null (JSON has no NaN or infinity)

#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

/// Appends the text of a double (see the header comment).
inline void append_json_double(std::string& out, double x)
{
    if (!std::isfinite(x)) {
        out += "null";
        return;
    }
    // The shortest digits that read back as x ("d.ddde+XX"), then laid out as ECMAScript
    // lays them out: to_chars' own fixed form would print the exact binary value of a
    // large double (999999999999999868928 for 9.999999999999999e20).
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
    const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    const auto e = text.find('e');
    std::string_view mantissa = text.substr(0, e);
    const bool negative = mantissa.front() == '-';
    if (negative) mantissa.remove_prefix(1);
    std::string digits;   // without the point
    for (char c : mantissa)
        if (c != '.') digits += c;
    int exponent = 0;
    std::from_chars(text.data() + e + 1 + (text[e + 1] == '+'), text.data() + text.size(), exponent);
    if (negative) out += '-';
    const double magnitude = std::fabs(x);
    if (x == 0 || (magnitude >= 1e-6 && magnitude < 1e21)) {
        // Digits before the decimal point: -5 to 21 in this range (0 for x == 0).
        const int point = x == 0 ? 1 : exponent + 1;
        const int count = static_cast<int>(digits.size());
        if (point <= 0) {
            out += "0.";
            for (int i = point; i < 0; ++i) out += '0';
            out += digits;
        } else if (point >= count) {
            out += digits;
            for (int i = count; i < point; ++i) out += '0';
            out += ".0";
        } else {
            for (int i = 0; i < count; ++i) {
                if (i == point) out += '.';
                out += digits[static_cast<std::size_t>(i)];
            }
        }
        return;
    }
    // Exponent form, "1e+21" and "1e-7" (to_chars writes "1e-07").
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i == 1) out += '.';
        out += digits[i];
    }
    out += exponent < 0 ? "e-" : "e+";
    out += std::to_string(exponent < 0 ? -exponent : exponent);
}

/// Appends a JSON string literal: quotes, backslashes and control characters escaped,
/// every other byte as it is.
inline void append_json_string(std::string& out, std::string_view s)
{
    constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t kept = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.substr(kept, i - kept));
        kept = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out.append(s.substr(kept));
    out += '"';
}

/// Appends the JSON text of `v`: compact without `indent`, else indented by two spaces
/// per level starting at `*indent`. Recursive: corest's inputs and parsed bodies are at
/// most 1000 levels deep.
inline void append_json(std::string& out, const boost::json::value& v, std::optional<std::size_t> indent = {})
{
    const auto inner = indent ? std::optional<std::size_t>(*indent + 2) : std::nullopt;
    auto open_item = [&](bool first) {
        if (!first) out += ',';
        if (inner) {
            out += '\n';
            out.append(*inner, ' ');
        }
    };
    auto close = [&](char c) {
        if (indent) {
            out += '\n';
            out.append(*indent, ' ');
        }
        out += c;
    };
    switch (v.kind()) {
    case boost::json::kind::null: out += "null"; return;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case boost::json::kind::int64: out += std::to_string(v.get_int64()); return;
    case boost::json::kind::uint64: out += std::to_string(v.get_uint64()); return;
    case boost::json::kind::double_: append_json_double(out, v.get_double()); return;
    case boost::json::kind::string: append_json_string(out, v.get_string()); return;
    case boost::json::kind::array: {
        const auto& a = v.get_array();
        if (a.empty()) {
            out += "[]";
            return;
        }
        out += '[';
        bool first = true;
        for (const auto& e : a) {
            open_item(first);
            first = false;
            append_json(out, e, inner);
        }
        close(']');
        return;
    }
    case boost::json::kind::object: {
        const auto& o = v.get_object();
        if (o.empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto& kv : o) {
            open_item(first);
            first = false;
            append_json_string(out, kv.key());
            out += indent ? ": " : ":";
            append_json(out, kv.value(), inner);
        }
        close('}');
        return;
    }
    }
}

/// The text of a JSON scalar as a form or query value: strings as they are, numbers as
/// append_json writes them, bools as true/false. nullopt for null, arrays and objects.
inline std::optional<std::string> json_scalar_text(const boost::json::value& v)
{
    switch (v.kind()) {
    case boost::json::kind::string: return std::string(v.get_string());
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
    case boost::json::kind::bool_: {
        std::string out;
        append_json(out, v);
        return out;
    }
    default: return std::nullopt;
    }
}

} // namespace corest::detail

#endif

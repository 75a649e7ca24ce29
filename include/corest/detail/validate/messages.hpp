#ifndef COREST_DETAIL_VALIDATE_MESSAGES_HPP
#define COREST_DETAIL_VALIDATE_MESSAGES_HPP

// How validation messages name inputs and show values (quoted whole, escaped, never a
// secret), and the character rules of header lines, tokens and multipart boundaries.

#include <corest/request.hpp>

#include <boost/json/kind.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

namespace corest::detail {

// ---- message helpers ----------------------------------------------------

inline input_check invalid_input(std::string message) { return {error::invalid_input, std::move(message)}; }
inline input_check missing_input(std::string message) { return {error::missing_input, std::move(message)}; }

/// Appends `text` with control characters, quotes and backslashes escaped.
inline void append_escaped(std::string& out, std::string_view text)
{
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '"' || c == '\\') { out += '\\'; out += static_cast<char>(c); }
        else if (c < 0x20 || c == 0x7f) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else out += static_cast<char>(c);
    }
}

/// `"text"` for a message: control characters escaped, long text cut.
/// Only for values that are not secrets; names of inputs and files go through quote_name.
inline std::string quote_value(std::string_view text)
{
    constexpr std::size_t max_chars = 64;
    std::string out = "\"";
    append_escaped(out, text.substr(0, max_chars));
    if (text.size() > max_chars) out += "...";
    out += '"';
    return out;
}

/// `"name"` of an input, a key or a file for a message: whole (escaped), since naming it
/// is what the message is for; a name over 4096 bytes keeps its first and last 64
/// characters around "...", cut between UTF-8 sequences.
inline std::string quote_name(std::string_view name)
{
    constexpr std::size_t whole_up_to = 4096;
    constexpr std::size_t kept = 64;
    std::string out = "\"";
    if (name.size() <= whole_up_to) {
        append_escaped(out, name);
    } else {
        auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
        std::size_t head = kept, tail = name.size() - kept;
        while (head > 0 && continuation(name[head])) --head;
        while (tail < name.size() && continuation(name[tail])) ++tail;
        append_escaped(out, name.substr(0, head));
        out += "...";
        append_escaped(out, name.substr(tail));
    }
    out += '"';
    return out;
}

/// A number as a message shows it: shortest round-trip form.
inline std::string format_number(double x)
{
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
    return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

/// The JSON type of a value as messages name it ("string", "number", ...).
inline std::string_view json_kind_name(const boost::json::value& v) noexcept
{
    switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "bool";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
    }
    return "value";
}

inline std::string input_ref(std::string_view path) { return "input " + quote_name(path); }

// ---- character rules ----------------------------------------------------

/// CR, LF or NUL: what would split or cut a header line.
inline bool has_line_break(std::string_view s) noexcept
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// RFC 9110 tchar.
inline bool is_tchar(char c) noexcept
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

inline bool is_token(std::string_view s) noexcept
{
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

/// RFC 2046 boundary: 1-70 bchars, not ending in a space.
inline bool is_valid_boundary(std::string_view b) noexcept
{
    if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
    for (char c : b) {
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && std::string_view("'()+_,-./:=? ").find(c) == std::string_view::npos) return false;
    }
    return true;
}

/// INVALID_INPUT when `value` of `path` would break a header line.
inline input_check check_header_text(std::string_view path, std::string_view value)
{
    if (has_line_break(value))
        return invalid_input(input_ref(path) + " must not contain a CR, LF or NUL character");
    return {};
}

/// A Basic username: it ends up in a header line, and ':' would split it.
inline input_check check_basic_username(std::string_view path, std::string_view username)
{
    if (auto c = check_header_text(path, username); !c.ok()) return c;
    if (username.find(':') != std::string_view::npos)
        return invalid_input(input_ref(path) + " must not contain ':' (HTTP Basic separates user and password with it)");
    return {};
}

} // namespace corest::detail

#endif

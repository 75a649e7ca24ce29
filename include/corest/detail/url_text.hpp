#ifndef COREST_DETAIL_URL_TEXT_HPP
#define COREST_DETAIL_URL_TEXT_HPP

// URL text before and after parsing: the encode_url rules (percent-encode what may not
// appear, keep valid escapes), where an authority lies in raw text, URL text safe for a
// message (password masked, controls shown as %XX), lenient percent-decoding.

#include <corest/body/urlencoded.hpp>
#include <corest/detail/ascii.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

constexpr bool is_hex_digit(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Characters that may never appear literally in a URL (RFC 3986 allows none of them).
constexpr bool is_url_disallowed(unsigned char c) noexcept
{
    return c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' ||
        c == '^' || c == '`' || c == '{' || c == '|' || c == '}';
}

inline std::string to_lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

/// Where the authority of "scheme://authority..." lies in raw (maybe invalid) text;
/// begin == end == npos when there is none.
struct authority_span {
    std::size_t begin = std::string_view::npos;
    std::size_t end = std::string_view::npos;
};

inline authority_span find_authority(std::string_view s) noexcept
{
    auto ends_part = [](char c) { return c == '/' || c == '?' || c == '#'; };
    std::size_t sep = 0;   // the "://" after the scheme, before any '/', '?' or '#'
    for (;; ++sep) {
        if (sep + 3 > s.size() || ends_part(s[sep])) return {};
        if (s[sep] == ':' && s[sep + 1] == '/' && s[sep + 2] == '/') break;
    }
    std::size_t end = sep + 3;
    while (end < s.size() && !ends_part(s[end])) ++end;
    return {sep + 3, end};
}

/// Raw URL text for a message: a userinfo password becomes *** and control
/// characters are shown as %XX, so the text is safe and readable in a log.
inline std::string url_for_message(std::string_view s)
{
    std::string masked(s);
    auto a = find_authority(s);
    if (a.begin != std::string_view::npos) {
        auto at = s.substr(a.begin, a.end - a.begin).rfind('@');
        if (at != std::string_view::npos) {
            auto userinfo = s.substr(a.begin, at);
            auto colon = userinfo.find(':');
            if (colon != std::string_view::npos)
                masked = std::string(s.substr(0, a.begin + colon + 1)) + "***" +
                    std::string(s.substr(a.begin + at));
        }
    }
    std::string out;
    for (char c : masked) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) append_pct(out, u);
        else out += c;
    }
    return out;
}

/// encode_url=true: percent-encode what may not appear in a URL, keep valid %XX
/// exactly as written, a stray '%' becomes %25, '[' ']' outside the authority and
/// any '#' after the first become %5B %5D %23. `has_authority` false treats the
/// whole text as path/query/fragment.
inline std::string encode_url_text(std::string_view s, bool has_authority = true)
{
    authority_span a = has_authority ? find_authority(s) : authority_span{};
    std::string out;
    out.reserve(s.size() + 16);
    bool in_fragment = false;
    std::size_t kept_from = 0;   // start of the run of characters copied as they are
    auto replace = [&](std::size_t i) {
        out.append(s.substr(kept_from, i - kept_from));
        kept_from = i + 1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        auto u = static_cast<unsigned char>(c);
        bool in_authority = a.begin != std::string_view::npos && i >= a.begin && i < a.end;
        if (c == '%') {
            if (i + 2 < s.size() && is_hex_digit(s[i + 1]) && is_hex_digit(s[i + 2])) {
                i += 2;   // a valid escape is kept as written
            } else {
                replace(i);
                out += "%25";
            }
        } else if (is_url_disallowed(u) || (!in_authority && (c == '[' || c == ']')) ||
                   (c == '#' && in_fragment)) {
            replace(i);
            append_pct(out, u);
        } else if (c == '#') {
            in_fragment = true;
        }
    }
    out.append(s.substr(kept_from));
    return out;
}

/// Index of the first character not allowed in a URL, if any.
inline std::optional<std::size_t> first_disallowed(std::string_view s) noexcept
{
    for (std::size_t i = 0; i < s.size(); ++i)
        if (is_url_disallowed(static_cast<unsigned char>(s[i]))) return i;
    return std::nullopt;
}

inline std::string describe_char(char c)
{
    auto u = static_cast<unsigned char>(c);
    if (c == ' ') return "a space";
    if (u < 0x20 || u >= 0x7F) {
        std::string out = "byte ";
        append_pct(out, u);
        return out;
    }
    return std::string("'") + c + "'";
}

inline std::string pct_decode_lenient(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && is_hex_digit(s[i + 1]) && is_hex_digit(s[i + 2])) {
            auto val = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
            out += static_cast<char>(val(s[i + 1]) * 16 + val(s[i + 2]));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

} // namespace corest::detail

#endif

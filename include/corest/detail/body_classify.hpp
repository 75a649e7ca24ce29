#ifndef COREST_DETAIL_BODY_CLASSIFY_HPP
#define COREST_DETAIL_BODY_CLASSIFY_HPP

// Decides how a body kept in memory is reported (docs/outputs.md): its
// `encoding`, and exactly one of json / text /
// bytes. No I/O: it looks only at result::body and the content-type header.

#include <corest/detail/json_limits.hpp>
#include <corest/result.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

/// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
inline bool is_valid_utf8(std::string_view s) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p != end) {
        // ASCII runs, the bulk of most bodies, are checked 32 bytes at a time, then a word.
        while (end - p >= 32) {
            std::uint64_t w[4];
            std::memcpy(w, p, 32);
            if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull) break;
            p += 32;
        }
        while (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, 8);
            if (word & 0x8080808080808080ull) break;
            p += 8;
        }
        if (p == end) break;
        unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t len;
        unsigned char lo = 0x80, hi = 0xBF;   // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;         // overlong
            if (c == 0xED) hi = 0x9F;         // surrogates U+D800..U+DFFF
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;         // overlong
            if (c == 0xF4) hi = 0x8F;         // above U+10FFFF
        } else {
            return false;                     // continuation byte, C0/C1, F5..FF
        }
        if (static_cast<std::size_t>(end - p) < len) return false;
        if (p[1] < lo || p[1] > hi) return false;
        for (std::size_t i = 2; i < len; ++i)
            if ((p[i] & 0xC0) != 0x80) return false;
        p += len;
    }
    return true;
}

inline char ascii_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string_view trim_ows(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// The charset parameter of a Content-Type value, lower-cased, quotes
/// removed; std::nullopt when absent or empty.
/// Example: `text/html; Charset="ISO-8859-1"` gives "iso-8859-1".
inline std::optional<std::string> content_type_charset(std::string_view content_type)
{
    std::size_t pos = content_type.find(';');
    while (pos != std::string_view::npos) {
        std::string_view rest = content_type.substr(pos + 1);
        // The parameter runs to the next ';' that is not inside a quoted string.
        std::size_t end = 0;
        bool quoted = false;
        for (; end < rest.size(); ++end) {
            char c = rest[end];
            if (quoted && c == '\\') { ++end; continue; }
            if (c == '"') quoted = !quoted;
            else if (c == ';' && !quoted) break;
        }
        if (end > rest.size()) end = rest.size();
        std::string_view param = rest.substr(0, end);
        pos = end < rest.size() ? pos + 1 + end : std::string_view::npos;

        std::size_t eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view name = trim_ows(param.substr(0, eq));
        if (name.size() != 7) continue;
        std::string lname;
        for (char c : name) lname += ascii_lower(c);
        if (lname != "charset") continue;

        std::string_view raw = trim_ows(param.substr(eq + 1));
        std::string value;
        if (!raw.empty() && raw.front() == '"') {
            for (std::size_t i = 1; i < raw.size() && raw[i] != '"'; ++i) {
                if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
                value += ascii_lower(raw[i]);
            }
        } else {
            for (char c : raw) value += ascii_lower(c);
        }
        value = std::string(trim_ows(value));
        if (value.empty()) return std::nullopt;
        return value;
    }
    return std::nullopt;
}

/// The charsets we know how to turn into UTF-8 text.
enum class charset_family { utf8, ascii, latin1, windows1252, other_ascii_compatible, not_ascii_compatible };

inline charset_family classify_charset(std::string_view cs) noexcept
{
    auto is_one_of = [cs](std::initializer_list<std::string_view> names) {
        for (auto n : names)
            if (cs == n) return true;
        return false;
    };
    if (is_one_of({"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8"})) return charset_family::utf8;
    if (is_one_of({"us-ascii", "ascii", "ansi_x3.4-1968", "ansi_x3.4-1986", "iso646-us", "iso-ir-6",
                   "us", "cp367", "ibm367", "csascii"}))
        return charset_family::ascii;
    if (is_one_of({"iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "latin-1", "l1",
                   "iso-ir-100", "cp819", "ibm819", "csisolatin1"}))
        return charset_family::latin1;
    if (is_one_of({"windows-1252", "cp1252", "x-cp1252"})) return charset_family::windows1252;
    // Encodings in which an ASCII byte does not stand for that ASCII character.
    auto starts = [cs](std::string_view p) { return cs.substr(0, p.size()) == p; };
    if (starts("utf-16") || starts("utf-32") || starts("ucs-2") || starts("ucs-4") || starts("utf-7")
        || starts("unicode") || cs.find("ebcdic") != std::string_view::npos
        || is_one_of({"cp037", "ibm037", "cp500", "ibm500", "cp875", "cp1026", "cp1047", "ibm1047"}))
        return charset_family::not_ascii_compatible;
    return charset_family::other_ascii_compatible;
}

inline bool is_ascii(std::string_view s) noexcept
{
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

inline void append_utf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/// ISO-8859-1 to UTF-8: every byte is the code point of the same value.
inline std::string latin1_to_utf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (char c : s) append_utf8(out, static_cast<unsigned char>(c));
    return out;
}

/// windows-1252 to UTF-8 (WHATWG mapping: its five unassigned bytes map to C1 controls).
inline std::string windows1252_to_utf8(std::string_view s)
{
    static constexpr std::array<std::uint16_t, 32> high = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        append_utf8(out, (c >= 0x80 && c < 0xA0) ? high[c - 0x80] : c);
    }
    return out;
}

/// Received header text (a value, a reason phrase, a cookie) as output text: obs-text
/// (RFC 9110 5.5) is historically ISO-8859-1, so bytes that are not valid UTF-8 are read
/// as Latin-1. Keeps every output valid UTF-8 (and to_json's JSON valid). Appends to `out`.
inline void append_output_text(std::string& out, std::string_view s)
{
    if (is_valid_utf8(s)) out.append(s);
    else out += latin1_to_utf8(s);
}

/// The same, as a new string.
inline std::string output_text(std::string_view s)
{
    std::string out;
    append_output_text(out, s);
    return out;
}

/// The body as JSON, when the whole of it (a UTF-8 BOM aside) is one JSON text.
inline std::optional<boost::json::value> parse_json_body(std::string_view body)
{
    if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);   // RFC 8259 8.1: may be ignored
    boost::json::parse_options opt;
    opt.max_depth = max_json_depth;   // real documents nest deeper than the default 32
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(body, ec, {}, opt);
    if (ec || has_non_finite_number(v)) return std::nullopt;   // 1e400 would be output as "Infinity"
    return v;
}

/// What classify_body needs to know of a body's bytes (UTF-8 validity, NUL bytes), found
/// while the body arrives: each piece is checked right after it was appended, while it
/// is still in cache, instead of scanning a complete megabyte again from memory.
class body_text_scan {
public:
    /// Checks what `body` gained since the last call, up to the last whole UTF-8
    /// sequence (a sequence split between two reads waits for its end).
    void advance(std::string_view body) noexcept
    {
        std::size_t cut = body.size();
        // A lead byte among the last three bytes whose sequence runs past the end.
        for (std::size_t back = 1; back <= 3 && back <= cut - checked_; ++back) {
            const auto c = static_cast<unsigned char>(body[body.size() - back]);
            if (c < 0x80) break;      // ASCII: no sequence is open
            if (c < 0xC0) continue;   // a continuation byte: its lead is further back
            const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (len > back) cut = body.size() - back;
            break;
        }
        check(body.substr(checked_, cut - checked_));
        checked_ = cut;
    }

    /// Checks the rest: `body` is complete.
    void finish(std::string_view body) noexcept
    {
        check(body.substr(checked_));
        checked_ = body.size();
    }

    bool valid_utf8() const noexcept { return valid_utf8_; }
    bool has_nul() const noexcept { return has_nul_; }

private:
    void check(std::string_view piece) noexcept
    {
        if (!valid_utf8_ || piece.empty()) return;   // invalid: NUL bytes no longer matter
        if (!is_valid_utf8(piece)) valid_utf8_ = false;
        else if (!has_nul_ && piece.find('\0') != std::string_view::npos) has_nul_ = true;
    }

    std::size_t checked_ = 0;
    bool valid_utf8_ = true;
    bool has_nul_ = false;
};

/// Fills r.encoding, r.kind and (for JSON) r.json_body from r.body and the
/// `content-type` entry of r.headers (lower-case names):
/// - encoding: the declared charset, else "utf-8" when the non-empty body is valid UTF-8;
/// - empty body: kind none;
/// - the body parses as JSON (any Content-Type): kind json;
/// - the body is valid in its declared charset, or (no charset) valid UTF-8
///   without NUL bytes: kind text, and r.body becomes its UTF-8 form
///   (iso-8859-1 and windows-1252 are converted);
/// - else kind bytes (r.body unchanged).
/// still_encoded: the body is in a content coding we did not decode (such a body is
/// kept as it came, as bytes), so a non-empty body is bytes whatever it looks like.
/// scanned: the body's bytes as they arrived (finished), so they are not scanned again.
inline void classify_body(corest::result& r, bool still_encoded = false, const body_text_scan* scanned = nullptr)
{
    r.kind = body_kind::none;
    r.json_body = nullptr;
    r.encoding.reset();

    std::optional<std::string> charset;
    if (const std::string* ct = r.header("content-type")) charset = content_type_charset(*ct);
    r.encoding = charset;
    if (r.body.empty()) return;

    if (still_encoded) {
        r.kind = body_kind::bytes;
        return;
    }

    const bool utf8 = scanned ? scanned->valid_utf8() : is_valid_utf8(r.body);
    if (!charset && utf8) r.encoding = "utf-8";

    if (auto v = parse_json_body(r.body)) {
        r.kind = body_kind::json;
        r.json_body = std::move(*v);
        return;
    }

    r.kind = body_kind::bytes;
    if (!charset) {
        // Undeclared: valid UTF-8 is text, unless a NUL says it is binary data
        // that merely happens to be valid (a run of zero bytes, say).
        const bool has_nul = scanned ? scanned->has_nul() : r.body.find('\0') != std::string::npos;
        if (utf8 && !has_nul) r.kind = body_kind::text;
        return;
    }
    switch (classify_charset(*charset)) {
    case charset_family::utf8:
        if (utf8) r.kind = body_kind::text;
        break;
    case charset_family::ascii:
    case charset_family::other_ascii_compatible:
        // Text we cannot decode is still text when every byte is ASCII.
        if (is_ascii(r.body)) r.kind = body_kind::text;
        break;
    case charset_family::latin1:
        r.kind = body_kind::text;
        if (!is_ascii(r.body)) r.body = latin1_to_utf8(r.body);
        break;
    case charset_family::windows1252:
        r.kind = body_kind::text;
        if (!is_ascii(r.body)) r.body = windows1252_to_utf8(r.body);
        break;
    case charset_family::not_ascii_compatible:
        break;
    }
}

} // namespace corest::detail

#endif

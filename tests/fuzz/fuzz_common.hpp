#ifndef COREST_TESTS_FUZZ_COMMON_HPP
#define COREST_TESTS_FUZZ_COMMON_HPP

// Small helpers shared by the libFuzzer targets.
//
// Field inputs: several targets read their input as text fields. The FIRST BYTE
// of the input is the field separator and the rest is split on it, so seed files
// stay readable (they start with '\n' and have one field per line) while the
// fuzzer can still put LF, CR or NUL inside a field by changing the first byte.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace corest_fuzz {

/// A violated property: print it and abort, which libFuzzer reports as a crash
/// (and saves the input).
[[noreturn]] inline void fail(const char* what, std::string_view detail = {})
{
    std::fprintf(stderr, "\n*** corest fuzz property violated: %s\n", what);
    if (!detail.empty()) {
        std::fprintf(stderr, "*** detail (%zu bytes): ", detail.size());
        for (char c : detail) {
            auto u = static_cast<unsigned char>(c);
            if (u >= 0x20 && u < 0x7f && c != '\\') std::fputc(c, stderr);
            else std::fprintf(stderr, "\\x%02x", u);
        }
        std::fputc('\n', stderr);
    }
    std::abort();
}

inline void check(bool ok, const char* what, std::string_view detail = {})
{
    if (!ok) fail(what, detail);
}

/// The fields of a field input (see above). An empty input has no fields.
inline std::vector<std::string_view> split_fields(const std::uint8_t* data, std::size_t size)
{
    std::vector<std::string_view> out;
    if (size == 0) return out;
    const char sep = static_cast<char>(data[0]);
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    for (;;) {
        auto pos = rest.find(sep);
        out.push_back(rest.substr(0, pos));
        if (pos == std::string_view::npos) break;
        rest.remove_prefix(pos + 1);
    }
    return out;
}

/// Field i, or "" past the end.
inline std::string_view field(const std::vector<std::string_view>& f, std::size_t i)
{
    return i < f.size() ? f[i] : std::string_view();
}

/// Whether the flags field holds letter c.
inline bool flag(std::string_view flags, char c) { return flags.find(c) != std::string_view::npos; }

/// Leading decimal digits of s as an unsigned (saturating at max), or `fallback` without any.
inline std::uint64_t number(std::string_view s, std::uint64_t fallback = 0)
{
    std::uint64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc::result_out_of_range) return UINT64_MAX;
    if (r.ec != std::errc()) return fallback;
    return v;
}

/// No CR, LF or NUL: text that cannot split or cut a header line.
inline bool header_safe(std::string_view s)
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

} // namespace corest_fuzz

#endif

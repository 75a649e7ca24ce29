#ifndef COREST_DETAIL_BASE64_HPP
#define COREST_DETAIL_BASE64_HPP

// Standard base64 (RFC 4648 section 4, with '=' padding): the `bytes` output
// and HTTP Basic credentials.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes any bytes, padded with '=' to a multiple of 4 characters.
inline std::string base64_encode(std::string_view in)
{
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
    for (; i + 3 <= in.size(); i += 3) {
        std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += base64_alphabet[v >> 18 & 63];
        out += base64_alphabet[v >> 12 & 63];
        out += base64_alphabet[v >> 6 & 63];
        out += base64_alphabet[v & 63];
    }
    std::size_t rest = in.size() - i;
    if (rest == 1) {
        std::uint32_t v = byte(i) << 16;
        out += base64_alphabet[v >> 18 & 63];
        out += base64_alphabet[v >> 12 & 63];
        out += "==";
    } else if (rest == 2) {
        std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
        out += base64_alphabet[v >> 18 & 63];
        out += base64_alphabet[v >> 12 & 63];
        out += base64_alphabet[v >> 6 & 63];
        out += '=';
    }
    return out;
}

/// Decodes base64; padding may be omitted, but when present it must complete
/// the last group. Anything else (whitespace, foreign characters, a dangling
/// character) is std::nullopt.
inline std::optional<std::string> base64_decode(std::string_view in)
{
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::size_t data_len = in.size();
    std::size_t pad = 0;
    while (data_len > 0 && in[data_len - 1] == '=' && pad < 2) {
        --data_len;
        ++pad;
    }
    if (pad > 0 && in.size() % 4 != 0) return std::nullopt;
    if (data_len % 4 == 1) return std::nullopt;

    std::string out;
    out.reserve(data_len / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < data_len; ++i) {
        int v = value(in[i]);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

} // namespace corest::detail

#endif

#ifndef COREST_METHOD_HPP
#define COREST_METHOD_HPP

#include <array>
#include <optional>
#include <string_view>

namespace corest {

enum class method { get, head, post, put, patch, delete_, options, trace };

/// The method's token on the wire, e.g. "DELETE".
constexpr std::string_view method_name(method m) noexcept
{
    constexpr std::array<std::string_view, 8> names{
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"};
    return names[static_cast<std::size_t>(m)];
}

/// Case-insensitive parse of the eight methods corest sends; nullopt for anything else.
constexpr std::optional<method> parse_method(std::string_view text) noexcept
{
    for (int i = 0; i <= static_cast<int>(method::trace); ++i) {
        auto m = static_cast<method>(i);
        auto name = method_name(m);
        if (name.size() != text.size()) continue;
        bool same = true;
        for (std::size_t k = 0; k < name.size() && same; ++k) {
            char c = text[k];
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            same = c == name[k];
        }
        if (same) return m;
    }
    return std::nullopt;
}

/// RFC 9110 idempotent methods: the ones retried after a connection error by default.
constexpr bool is_idempotent(method m) noexcept
{
    return m != method::post && m != method::patch;
}

/// Methods that may carry a `json` body (post, put, patch, delete).
constexpr bool allows_json_body(method m) noexcept
{
    return m == method::post || m == method::put || m == method::patch || m == method::delete_;
}

} // namespace corest

#endif

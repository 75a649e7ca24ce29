#ifndef COREST_DETAIL_ASCII_HPP
#define COREST_DETAIL_ASCII_HPP

// ASCII case rules for protocol words (schemes, month and day names, header names):
// locale-free, so a Turkish locale cannot make "I" and "i" differ.

#include <cstddef>
#include <string_view>

namespace corest::detail {

/// Equal ignoring ASCII case.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_IDNA_HPP
#define COREST_DETAIL_IDNA_HPP

// Internationalized host names: a host that is not plain ASCII (or has an A-label to
// check) becomes its A-label form, IDNA 2008 with UTS 46 non-transitional mapping, as
// curl and current browsers do (libidn2). DNS, Host, SNI, certificate checks, cookies and
// the result's `url` all see that one form. Thread-safe: libidn2 keeps no state.

#include <idn2.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

/// True when `host` (percent-decoded) needs IDNA processing: it has a byte outside ASCII,
/// or a label that starts with "xn--" (an A-label, which must decode to a valid U-label).
inline bool needs_idna(std::string_view host) noexcept
{
    for (std::size_t i = 0; i < host.size(); ++i) {
        if (static_cast<unsigned char>(host[i]) >= 0x80) return true;
        const bool label_start = i == 0 || host[i - 1] == '.';
        if (label_start && host.size() - i >= 4 && (host[i] | 0x20) == 'x' && (host[i + 1] | 0x20) == 'n' &&
            host[i + 2] == '-' && host[i + 3] == '-')
            return true;
    }
    return false;
}

/// The A-label form of the UTF-8 host name `host` (lower case), or nullopt with `why` a
/// reason a person can act on ("domain label has character forbidden ...").
inline std::optional<std::string> to_a_label(std::string_view host, std::string& why)
{
    // Checked here, not left to libidn2: its UTS 46 mapping drops or maps some ASCII
    // punctuation, and a host must not silently become another one.
    for (char c : host) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.')) {
            why = "the name has a character that is not allowed in a host name";
            return std::nullopt;
        }
    }
    const std::string input(host);
    char* out = nullptr;
    const int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()), reinterpret_cast<uint8_t**>(&out),
                                  IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT | IDN2_USE_STD3_ASCII_RULES);
    if (rc != IDN2_OK) {
        why = idn2_strerror(rc);
        return std::nullopt;
    }
    std::string label(out);
    idn2_free(out);
    for (char& c : label) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        // An A-label host is letters, digits, hyphens and dots (STD3); anything else
        // (a '%', a space) cannot be a host name in DNS.
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
            why = "the name has a character that is not allowed in a host name";
            return std::nullopt;
        }
    }
    // UTS 46 maps some code points to nothing (U+00B4 ACUTE ACCENT becomes empty under
    // the STD3 rules): a name that loses a whole label is no host name.
    std::string_view rest = label;
    if (rest.ends_with('.')) rest.remove_suffix(1);   // the root's dot is allowed
    if (rest.empty() || rest.front() == '.' || rest.find("..") != std::string_view::npos || rest.back() == '.') {
        why = "the name maps to an empty label";
        return std::nullopt;
    }
    return label;
}

} // namespace corest::detail

#endif

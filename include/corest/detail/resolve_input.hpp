#ifndef COREST_DETAIL_RESOLVE_INPUT_HPP
#define COREST_DETAIL_RESOLVE_INPUT_HPP

// The parts of a `resolve` input entry, read and checked: "host:port" keys, addresses,
// and hosts in the form URL hosts are compared in. Without the request types, so that the
// input mapping and validation (included by request.hpp) can use them.

#include <corest/detail/idna.hpp>

#include <boost/asio/ip/address.hpp>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace corest::detail {

/// "host:port" split: host as written (an IPv6 literal without its brackets) and port.
/// nullopt when it is not that form or the port is not 1-65535.
inline std::optional<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view key)
{
    const auto colon = key.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == key.size()) return std::nullopt;
    std::string_view host = key.substr(0, colon), port = key.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return std::nullopt;
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return std::nullopt;   // an IPv6 literal needs its brackets before the port
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
    return std::pair{std::string(host), static_cast<std::uint16_t>(value)};
}

/// An address of a `resolve` entry: IPv4, or IPv6 with or without brackets.
inline std::optional<boost::asio::ip::address> override_address(std::string_view text)
{
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    return a;
}

/// A `resolve` host as URL hosts are compared: lower case, an internationalized name as
/// its A-label, an IP literal in its canonical text. nullopt (with `why`) when invalid.
inline std::optional<std::string> override_host(std::string_view host, std::string& why)
{
    if (host == "*") return std::string(host);
    if (auto a = override_address(host)) return a->to_string();
    for (char c : host) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && !(std::isalnum(u) || c == '-' || c == '.' || c == '_')) {
            why = "it has a character not allowed in a host name";
            return std::nullopt;
        }
    }
    if (needs_idna(host)) return to_a_label(host, why);
    std::string out(host);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

} // namespace corest::detail

#endif

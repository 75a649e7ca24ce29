#ifndef COREST_DETAIL_RESOLVE_OVERRIDES_HPP
#define COREST_DETAIL_RESOLVE_OVERRIDES_HPP

// The `resolve` input (curl's --resolve): addresses used instead of DNS for a host and
// port, on every hop of a call. Keys are compared as URL hosts are: without case, an
// internationalized name by its A-label, an IPv6 literal without brackets; "*" is any
// host on that port. The URL, Host, SNI, certificate checks and cookies keep the name.

#include <corest/detail/resolve_input.hpp>
#include <corest/request.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace corest::detail {

/// One checked entry: the host in compared form ("*" for any), its port, its addresses.
struct resolve_override {
    std::string host;
    std::uint16_t port = 0;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    std::string shown;   // "host:port -> a, b" for the log
};

/// A call's overrides, from a validated request (validate() refused bad entries).
struct resolve_overrides {
    std::vector<resolve_override> entries;

    static resolve_overrides of(const std::vector<corest::resolve_entry>& input)
    {
        resolve_overrides out;
        for (const auto& e : input) {
            std::string why;
            auto host = override_host(e.host, why);
            if (!host) continue;
            resolve_override o;
            o.host = *host;
            o.port = e.port;
            o.shown = *host + ":" + std::to_string(e.port) + " ->";
            for (const auto& text : e.addresses)
                if (auto a = override_address(text)) {
                    o.endpoints.emplace_back(*a, e.port);
                    o.shown += (o.endpoints.size() == 1 ? " " : ", ") + a->to_string();
                }
            out.entries.push_back(std::move(o));
        }
        return out;
    }

    /// The entry for `host` (compared form, as origin_of gives it) and `port`: an exact
    /// host wins over "*".
    const resolve_override* find(std::string_view host, std::uint16_t port) const
    {
        const resolve_override* any = nullptr;
        for (const auto& e : entries) {
            if (e.port != port) continue;
            if (e.host == host) return &e;
            if (e.host == "*" && !any) any = &e;
        }
        return any;
    }
};

} // namespace corest::detail

#endif

#ifndef COREST_TESTS_SUPPORT_WIRE_LOG_HPP
#define COREST_TESTS_SUPPORT_WIRE_LOG_HPP

// What reached the wire recorder (tests/fixtures/wire_server.py): the latest request whose
// target contains a tag, read from its log.
//
//   auto seen = corest::test::wire_request("/my-unique-tag");
//   BOOST_TEST(seen.header("Host") == "xn--bcher-kva.example:1234");

#include "support/servers.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corest::test {

struct wire_entry {
    unsigned port = 0;
    std::string method, target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first value of header `name` (any case), or "" when there is none.
    std::string header(std::string_view name) const
    {
        for (const auto& [k, v] : headers)
            if (boost::json::string_view(k).size() == name.size() &&
                std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
                return v;
        return {};
    }
};

namespace detail {

inline std::string base64_decode(std::string_view in)
{
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned bits = 0, acc = 0;
    for (char c : in) {
        const int v = value(c);
        if (v < 0) continue;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

} // namespace detail

/// The latest request with `tag` in its target, if one arrived; `log` is the wire
/// recorder's (default) or the HTTP/2 recorder's (servers().wire_h2_log).
inline std::optional<wire_entry> wire_request(std::string_view tag, const std::string& log = servers().wire_log)
{
    std::ifstream in(log);
    if (!in) throw std::runtime_error("cannot read the wire log " + log);
    std::optional<wire_entry> found;
    for (std::string line; std::getline(in, line);) {
        const auto doc = boost::json::parse(line).as_object();
        const std::string target(doc.at("target").as_string());
        if (target.find(tag) == std::string::npos) continue;
        wire_entry e;
        e.port = static_cast<unsigned>(doc.at("port").to_number<int>());
        e.method = doc.at("method").as_string();
        e.target = target;
        for (const auto& h : doc.at("headers").as_array())
            e.headers.emplace_back(h.as_array()[0].as_string(), h.as_array()[1].as_string());
        e.body = detail::base64_decode(doc.at("body_b64").as_string());
        found = std::move(e);
    }
    return found;
}

} // namespace corest::test

#endif

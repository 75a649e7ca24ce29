#ifndef COREST_DETAIL_RESPONSE_HEADERS_HPP
#define COREST_DETAIL_RESPONSE_HEADERS_HPP

// The `headers` output from a received header block (docs/outputs.md):
// names lower-cased, a repeated name joined with ", " at the position of its
// first occurrence. Set-Cookie follows the same rule (the output joins them); the
// cookies themselves are reported separately in `cookies`.

#include <corest/detail/body_classify.hpp>
#include <corest/request.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/fields.hpp>

#include <cstddef>
#include <iterator>
#include <string>
#include <unordered_map>

namespace corest::detail {

inline corest::header_list normalize_headers(const boost::beast::http::fields& f)
{
    // A linear search finds repeats among the few names a response usually has; past
    // `few` names a hash index takes over, so a peer sending thousands is not quadratic.
    // Entries are built in place: this runs for every response.
    constexpr std::size_t few = 16;
    corest::header_list out;
    out.reserve(static_cast<std::size_t>(std::distance(f.begin(), f.end())));
    std::unordered_map<std::string, std::size_t> index;   // lower-case name -> position in out
    auto find = [&](std::string_view name) -> std::string* {
        if (out.size() <= few) {
            for (auto& [k, v] : out)
                if (boost::beast::iequals(k, name)) return &v;
            return nullptr;
        }
        if (index.empty())
            for (std::size_t i = 0; i < out.size(); ++i) index.emplace(out[i].first, i);
        std::string lower(name);
        for (char& c : lower) c = ascii_lower(c);
        auto it = index.find(lower);
        return it == index.end() ? nullptr : &out[it->second].second;
    };
    for (const auto& field : f) {
        const auto n = field.name_string();
        const auto v = field.value();
        const std::string_view name(n.data(), n.size());
        const std::string_view value(v.data(), v.size());
        if (std::string* joined = find(name)) {
            *joined += ", ";
            append_output_text(*joined, value);
            continue;
        }
        auto& [k, val] = out.emplace_back();
        k.assign(name);
        for (char& c : k) c = ascii_lower(c);
        append_output_text(val, value);
        if (!index.empty()) index.emplace(k, out.size() - 1);
    }
    return out;
}

} // namespace corest::detail

#endif

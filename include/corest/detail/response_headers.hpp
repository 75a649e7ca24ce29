#ifndef COREST_DETAIL_RESPONSE_HEADERS_HPP
#define COREST_DETAIL_RESPONSE_HEADERS_HPP

// The `headers` output from a received header block (SPEC.md "Result"):
// names lower-cased, a repeated name joined with ", " at the position of its
// first occurrence. Set-Cookie follows the same rule (SPEC says joined); the
// cookies themselves are reported separately in `cookies`.

#include <corest/detail/body_classify.hpp>
#include <corest/request.hpp>

#include <boost/beast/http/fields.hpp>

#include <cstddef>
#include <string>
#include <unordered_map>

namespace corest::detail {

inline corest::header_list normalize_headers(const boost::beast::http::fields& f)
{
    corest::header_list out;
    std::unordered_map<std::string, std::size_t> index;   // lower-case name -> position in out
    for (const auto& field : f) {
        auto n = field.name_string();
        auto v = field.value();
        std::string name;
        name.reserve(n.size());
        for (char c : n) name += ascii_lower(c);
        std::string value(v.data(), v.size());
        // obs-text (RFC 9110 5.5) is historically ISO-8859-1; keep the outputs valid UTF-8.
        if (!is_valid_utf8(value)) value = latin1_to_utf8(value);

        auto [it, inserted] = index.try_emplace(name, out.size());
        if (inserted) {
            out.emplace_back(std::move(name), std::move(value));
        } else {
            std::string& joined = out[it->second].second;
            joined += ", ";
            joined += value;
        }
    }
    return out;
}

} // namespace corest::detail

#endif

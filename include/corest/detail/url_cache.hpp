#ifndef COREST_DETAIL_URL_CACHE_HPP
#define COREST_DETAIL_URL_CACHE_HPP

// The URLs a client's calls gave as `url`, already encoded, parsed and checked.
// A service calls the same few URLs again and again; encoding and parsing one
// cost about an eighth of a call's instructions. Thread-safe; bounded: when full
// it starts over (a batch of a million distinct URLs keeps at most `capacity`).

#include <boost/url/url.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace corest::detail {

class parsed_url_cache {
public:
    static constexpr std::size_t capacity = 256;

    /// The URL parsed from `raw` with this `encode_url` setting, when seen before (shared:
    /// calls hold it, they do not copy it).
    std::shared_ptr<const boost::urls::url> find(std::string_view raw, bool encode_url) const
    {
        std::lock_guard lock(mutex_);
        const auto& map = encode_url ? encoded_ : verbatim_;
        auto it = map.find(raw);
        if (it == map.end()) return nullptr;
        return it->second;
    }

    /// Remembers a URL that passed every check.
    void store(std::string_view raw, bool encode_url, std::shared_ptr<const boost::urls::url> parsed)
    {
        std::lock_guard lock(mutex_);
        auto& map = encode_url ? encoded_ : verbatim_;
        if (map.size() >= capacity) map.clear();
        map.try_emplace(std::string(raw), std::move(parsed));
    }

private:
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    using url_map =
        std::unordered_map<std::string, std::shared_ptr<const boost::urls::url>, text_hash, std::equal_to<>>;

    mutable std::mutex mutex_;
    url_map encoded_;    // encode_url: true
    url_map verbatim_;   // encode_url: false
};

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_HTTP1_BODY_SINK_HPP
#define COREST_DETAIL_HTTP1_BODY_SINK_HPP

// Where a response body goes (memory up to a limit, the `dst` file, or nowhere for a
// redirect being followed) and how reading it went.

#include <corest/detail/body_classify.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/file_sink.hpp>
#include <corest/detail/http1/message.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

namespace corest::detail {

/// The chunk a body is parsed into before it is decoded and delivered. One per thread:
/// it is filled and emptied without a suspension in between (the pointer is set right
/// before each parser.put), so calls on a thread can share it, and a response costs no
/// allocation for it.
inline char* body_scratch()
{
    thread_local const std::unique_ptr<char[]> chunk = std::make_unique_for_overwrite<char[]>(body_chunk_size);
    return chunk.get();
}

/// Where a response body goes: memory (capped), a file (dst), or nowhere (a
/// redirect being followed: read to the end so the connection can be reused).
struct body_target {
    std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max();   // decoded bytes
    std::string* memory = nullptr;
    file_sink* file = nullptr;
    const std::string* dst_path = nullptr;   // with kind::file: where the sink is opened (the request's dst)
    enum class kind : unsigned char { memory, file, discard } where = kind::memory;
    bool decode = true;   // decompress gzip/deflate
};

/// A declared length sizes an in-memory body once instead of growing it by copies (each
/// growth of a large string is a fresh allocation, page faults and a copy). Capped, so a
/// peer that declares much and sends nothing cannot make each call reserve much.
inline void reserve_declared_body(const body_target& target, bool decoding, std::optional<std::uint64_t> declared)
{
    constexpr std::uint64_t reserve_cap = 8ull * 1024 * 1024;
    if (target.where != body_target::kind::memory || decoding || !declared) return;
    target.memory->reserve(static_cast<std::size_t>(std::min({*declared, target.max_bytes, reserve_cap})));
}

struct body_outcome {
    mapped_error error;
    std::uint64_t size = 0;   // decoded bytes delivered
    std::optional<body_text_scan> text_scan;   // a memory body read to its end without error
    bool complete = false;                     // the body was read to its end
};

inline std::string body_too_large_message(std::uint64_t max_bytes)
{
    return "the response body is larger than max_response_bytes (" + std::to_string(max_bytes) +
           "); raise it, or write the body to a file with dst";
}

} // namespace corest::detail

#endif

#ifndef COREST_BODY_ENCODED_HPP
#define COREST_BODY_ENCODED_HPP

// An encoded request body: a content type, an exact length, and segments that are bytes
// in memory or a slice of a file on disk. body_reader streams it from the start; a new
// reader replays it (retries, redirects, stale pooled connections), re-opening file parts
// rather than keeping them in memory.

#include <corest/error.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace corest {

/// The first `size` bytes of the file at `path` (its size when encoded).
struct file_segment {
    std::string path;          ///< The file, read when sent.
    std::uint64_t size = 0;    ///< Bytes of it that are sent.
};

/// A piece of an encoded body: bytes in memory, or a slice of a file.
using body_segment = std::variant<std::string, file_segment>;

/// A request body ready to send: its type, exact length and segments.
struct encoded_body {
    std::string content_type;            ///< Empty: send no Content-Type (no body given).
    std::uint64_t content_length = 0;    ///< Exact sum of the segments' sizes.
    std::vector<body_segment> segments;  ///< In sending order.

    /// No bytes to send. A body may be empty and still have a content type
    /// (e.g. `text: ""`): send Content-Type and Content-Length: 0 then.
    bool empty() const noexcept { return content_length == 0; }

    /// The whole body when it is entirely in memory in one segment (or has no
    /// segment: an empty view), so small bodies are written without a reader.
    /// The view lives as long as this encoded_body is not modified.
    std::optional<std::string_view> single_buffer() const noexcept
    {
        if (segments.empty()) return std::string_view();
        if (segments.size() == 1)
            if (const auto* s = std::get_if<std::string>(&segments.front())) return std::string_view(*s);
        return std::nullopt;
    }
};

/// Streams an encoded_body from its first byte. File parts are opened lazily,
/// one at a time, and read in chunks of at most the caller's buffer size.
/// The encoded_body must outlive the reader. Not thread-safe; movable.
/// To replay the body, construct a new reader.
class body_reader {
public:
    /// A reader at the first byte of `body`, which must outlive it.
    explicit body_reader(const encoded_body& body) noexcept : body_(&body) {}

    /// Copies up to `capacity` next bytes into `out`. Returns 0 with no error
    /// when the body is finished. A file part that vanished, cannot be opened or
    /// is shorter than when encoded gives ec = error::io_error and 0 bytes; every
    /// later call repeats that error (failed_path() names the file).
    std::size_t read_some(char* out, std::size_t capacity, std::error_code& ec)
    {
        ec.clear();
        if (error_) {
            ec = error_;
            return 0;
        }
        std::size_t n = 0;
        const auto& segments = body_->segments;
        while (n < capacity && index_ < segments.size()) {
            const auto& segment = segments[index_];
            if (const auto* s = std::get_if<std::string>(&segment)) {
                auto take = static_cast<std::size_t>(std::min<std::uint64_t>(capacity - n, s->size() - offset_));
                if (take > 0) std::memcpy(out + n, s->data() + offset_, take);
                n += take;
                offset_ += take;
                if (offset_ == s->size()) next_segment();
                continue;
            }
            const auto& f = std::get<file_segment>(segment);
            if (offset_ == f.size) {
                next_segment();
                continue;
            }
            if (!file_) {
                file_.reset(std::fopen(f.path.c_str(), "rb"));
                if (!file_) return fail(f.path, ec);
            }
            auto want = static_cast<std::size_t>(std::min<std::uint64_t>(capacity - n, f.size - offset_));
            auto got = std::fread(out + n, 1, want, file_.get());
            n += got;
            offset_ += got;
            if (got < want) return fail(f.path, ec);  // shrank since encoding, or a read error
            if (offset_ == f.size) next_segment();
        }
        return n;
    }

    /// Every byte was produced (and no error happened).
    bool done() const noexcept { return !error_ && index_ == body_->segments.size(); }

    /// The file part that failed, for the IO_ERROR message ("" when none did).
    const std::string& failed_path() const noexcept { return failed_path_; }

private:
    struct file_closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };

    void next_segment() noexcept
    {
        file_.reset();
        ++index_;
        offset_ = 0;
    }

    std::size_t fail(const std::string& path, std::error_code& ec)
    {
        file_.reset();
        failed_path_ = path;
        error_ = make_error_code(corest::error::io_error);
        ec = error_;
        return 0;
    }

    const encoded_body* body_;
    std::size_t index_ = 0;        // current segment
    std::uint64_t offset_ = 0;     // bytes of it already produced
    std::unique_ptr<std::FILE, file_closer> file_;
    std::error_code error_;
    std::string failed_path_;
};

} // namespace corest

#endif

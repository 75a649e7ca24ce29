#ifndef COREST_DETAIL_BODY_WRITER_HPP
#define COREST_DETAIL_BODY_WRITER_HPP

// A response body on its way to its sink, whatever carried it (HTTP/1.1 chunks or HTTP/2
// DATA frames): decoded in bounded steps (gzip, deflate), capped at max_bytes after
// decoding, written to memory, the dst file or nowhere, and scanned as text on the way.

#include <corest/detail/content_decoder.hpp>
#include <corest/detail/http1/body_sink.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace corest::detail {

class body_writer {
public:
    /// `content_encoding`: the response's Content-Encoding (empty: none). False (with
    /// out.error) when it lists more codings than corest decodes.
    body_writer(const body_target& target, body_outcome& out, std::string_view content_encoding)
        : target_(target), out_(out), encoding_(content_encoding)
    {
        if (!target.decode || content_encoding.empty()) return;
        corest::error derr = corest::error::ok;
        decoder_ = content_decoder::for_encoding(content_encoding, derr);
        if (derr != corest::error::ok)
            out_.error = {derr, "the response has more content encodings than corest decodes (5)"};
    }

    bool failed() const { return out_.error.code != corest::error::ok; }
    bool decodes() const { return decoder_.has_value(); }

    /// Takes `n` bytes of the body as they came (still encoded); false when they could
    /// not be delivered (out.error says why).
    bool write(const char* data, std::size_t n)
    {
        if (failed()) return false;
        if (n == 0) return true;
        if (!decoder_) return deliver(data, n);
        bool ok = true;
        std::uint64_t produced = out_.size;
        const auto derr = decoder_->feed_to(
            data, n, [&](const char* d, std::size_t k) { ok = ok && deliver(d, k); }, produced, target_.max_bytes);
        if (!ok) return false;
        if (derr != corest::error::ok) {
            out_.error = {derr, derr == corest::error::response_too_large
                                    ? body_too_large_message(target_.max_bytes)
                                    : "the response body could not be decoded (" + std::string(encoding_) + ")"};
            return false;
        }
        return true;
    }

    /// The body ended: the decoder must be at the end of its stream. Sets out.complete
    /// (and the text scan of a memory body) when all went well.
    void finish()
    {
        if (!failed() && decoder_) {
            bool ok = true;
            std::uint64_t produced = out_.size;
            const auto derr = decoder_->finish_to([&](const char* d, std::size_t k) { ok = ok && deliver(d, k); },
                                                  produced, target_.max_bytes);
            if (ok && derr != corest::error::ok)
                out_.error = {derr, derr == corest::error::response_too_large
                                        ? body_too_large_message(target_.max_bytes)
                                        : "the response body is truncated or corrupt (" + std::string(encoding_) + ")"};
        }
        if (failed()) return;
        if (target_.where == body_target::kind::memory) {
            scan_.finish(*target_.memory);
            out_.text_scan = scan_;
        }
        out_.complete = true;
    }

private:
    /// Decoded bytes to the sink, within the cap.
    bool deliver(const char* data, std::size_t n)
    {
        if (n > target_.max_bytes - out_.size) {
            out_.error = {corest::error::response_too_large, body_too_large_message(target_.max_bytes)};
            return false;
        }
        out_.size += n;
        if (target_.where == body_target::kind::memory) {
            target_.memory->append(data, n);
            scan_.advance(*target_.memory);
        } else if (target_.where == body_target::kind::file) {
            std::error_code ec;
            target_.file->write(data, n, ec);
            if (ec) {
                out_.error = {corest::error::io_error, "could not write dst: " + ec.message()};
                return false;
            }
        }
        return true;
    }

    const body_target& target_;
    body_outcome& out_;
    std::string encoding_;
    std::optional<content_decoder> decoder_;
    body_text_scan scan_;
};

} // namespace corest::detail

#endif

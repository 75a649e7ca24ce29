#ifndef COREST_DETAIL_CONTENT_DECODER_HPP
#define COREST_DETAIL_CONTENT_DECODER_HPP

// Streaming decoder of gzip / deflate content codings (the `decompress` input).
// Bounded memory: input is inflated in 16 KiB steps and every step is handed on
// at once, so a decompression bomb stops at the output limit instead of being
// inflated whole. Several codings ("gzip, gzip") are undone in reverse order of
// the Content-Encoding header, each layer streaming into the next.

#include <corest/error.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest::detail {

class content_decoder {
public:
    /// corest's limit on codings in one response; more is PROTOCOL_ERROR.
    static constexpr std::size_t max_codings = 5;
    /// Output step of each layer: the memory one layer holds besides zlib's window.
    static constexpr std::size_t step = 16 * 1024;

    /// Parses a Content-Encoding value (a comma list; tokens case-insensitive;
    /// "identity" and empty elements ignored).
    /// - more than max_codings codings: std::nullopt, err = protocol_error;
    /// - a coding other than gzip / x-gzip / deflate, or nothing to decode:
    ///   std::nullopt, err = ok, meaning "keep the bytes as they came";
    /// - else a decoder, err = ok.
    static std::optional<content_decoder> for_encoding(std::string_view content_encoding_header,
                                                       corest::error& err)
    {
        err = corest::error::ok;
        std::vector<coding> codings;
        bool unsupported = false;
        std::size_t count = 0;
        while (!content_encoding_header.empty()) {
            std::size_t comma = content_encoding_header.find(',');
            std::string_view token = content_encoding_header.substr(0, comma);
            content_encoding_header.remove_prefix(comma == std::string_view::npos
                                                      ? content_encoding_header.size()
                                                      : comma + 1);
            std::string name;
            for (char c : token) {
                if (c == ' ' || c == '\t') continue;
                name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            }
            if (name.empty() || name == "identity") continue;
            ++count;
            if (name == "gzip" || name == "x-gzip") codings.push_back(coding::gzip);
            else if (name == "deflate") codings.push_back(coding::deflate);
            else unsupported = true;
        }
        if (count > max_codings) {
            err = corest::error::protocol_error;
            return std::nullopt;
        }
        if (unsupported || codings.empty()) return std::nullopt;

        content_decoder d;
        // The last coding listed was applied last, so it is undone first.
        for (auto it = codings.rbegin(); it != codings.rend(); ++it)
            d.layers_.push_back(std::make_unique<layer>(*it));
        return d;
    }

    content_decoder(content_decoder&&) noexcept = default;
    content_decoder& operator=(content_decoder&&) noexcept = default;
    content_decoder(const content_decoder&) = delete;
    content_decoder& operator=(const content_decoder&) = delete;
    ~content_decoder() = default;

    /// Decodes n more received bytes and hands the output to
    /// sink(const char* p, std::size_t k) in pieces of at most `step` bytes.
    /// produced counts the bytes handed out so far (the caller keeps it across
    /// calls); a piece that would take it past max_out is not handed out and
    /// gives response_too_large. Corrupt data gives protocol_error. After an
    /// error every later call returns the same error.
    template <class Sink>
    corest::error feed_to(const char* data, std::size_t n, Sink&& sink, std::uint64_t& produced,
                          std::uint64_t max_out)
    {
        if (failed_ != corest::error::ok) return failed_;
        return push(0, data, n, sink, produced, max_out);
    }

    /// feed_to appending to out; the limit applies to out's total size.
    corest::error feed(const char* data, std::size_t n, std::string& out, std::uint64_t max_out)
    {
        std::uint64_t produced = out.size();
        return feed_to(
            data, n, [&out](const char* p, std::size_t k) { out.append(p, k); }, produced, max_out);
    }

    /// Call once the body has ended: protocol_error when a coded stream was
    /// cut short. (Every decoded byte has already been handed out by feed.)
    corest::error finish()
    {
        if (failed_ != corest::error::ok) return failed_;
        for (const auto& l : layers_) {
            if (l->state_ == layer::state::running
                || (l->state_ == layer::state::idle && !l->pending_.empty()))
                return fail(corest::error::protocol_error,
                            std::string(name_of(l->coding_)) + " data is truncated");
        }
        return corest::error::ok;
    }

    /// Same as finish(); the parameters mirror feed / feed_to so callers can
    /// treat the end like any other step (zlib has no output held back).
    corest::error finish(std::string& /*out*/, std::uint64_t /*max_out*/) { return finish(); }
    template <class Sink>
    corest::error finish_to(Sink&& /*sink*/, std::uint64_t& /*produced*/, std::uint64_t /*max_out*/)
    {
        return finish();
    }

    /// What went wrong, for the result's message (e.g. "gzip data is corrupt:
    /// invalid block type"); empty while nothing failed.
    const std::string& error_detail() const noexcept { return detail_; }

    /// Number of codings undone (1 to max_codings).
    std::size_t layer_count() const noexcept { return layers_.size(); }

private:
    enum class coding { gzip, deflate };

    static const char* name_of(coding c) noexcept { return c == coding::gzip ? "gzip" : "deflate"; }

    // One coding. Heap-allocated and never moved: zlib's state points back at its z_stream.
    struct layer {
        enum class state {
            idle,         // no input yet (deflate: fewer than 2 bytes, kept in pending_)
            running,      // inside a stream
            member_done,  // gzip: a member ended; another may follow
            ended,        // done; further bytes are trailing garbage and ignored
        };

        explicit layer(coding c) : coding_(c) {}
        layer(const layer&) = delete;
        layer& operator=(const layer&) = delete;
        ~layer()
        {
            if (initialized_) inflateEnd(&zs_);
        }

        coding coding_;
        state state_ = state::idle;
        z_stream zs_{};
        bool initialized_ = false;
        std::string pending_;
        std::unique_ptr<char[]> buf_;
    };

    content_decoder() = default;

    corest::error fail(corest::error e, std::string detail)
    {
        failed_ = e;
        detail_ = std::move(detail);
        return e;
    }

    corest::error start(layer& l, int window_bits)
    {
        l.buf_ = std::make_unique<char[]>(step);
        if (inflateInit2(&l.zs_, window_bits) != Z_OK)
            return fail(corest::error::unknown_error, "cannot initialize zlib");
        l.initialized_ = true;
        l.state_ = layer::state::running;
        return corest::error::ok;
    }

    // RFC 1950 header: CM 8, window at most 32 KiB, header checksum divisible by 31.
    static bool is_zlib_header(unsigned char cmf, unsigned char flg) noexcept
    {
        return (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && (cmf * 256u + flg) % 31 == 0;
    }

    template <class Sink>
    corest::error push(std::size_t i, const char* data, std::size_t n, Sink& sink,
                       std::uint64_t& produced, std::uint64_t max_out)
    {
        if (i == layers_.size()) {
            if (n == 0) return corest::error::ok;
            if (produced > max_out || n > max_out - produced)
                return fail(corest::error::response_too_large,
                            "the decoded body is larger than " + std::to_string(max_out) + " bytes");
            sink(data, n);
            produced += n;
            return corest::error::ok;
        }
        if (n == 0) return corest::error::ok;
        layer& l = *layers_[i];
        if (l.state_ == layer::state::idle) {
            if (l.coding_ == coding::gzip) {
                if (auto e = start(l, 16 + MAX_WBITS); e != corest::error::ok) return e;
            } else {
                // deflate is zlib-wrapped by the RFC, raw in practice from some
                // servers: look at the first two bytes, like browsers and curl.
                if (l.pending_.size() + n < 2) {
                    l.pending_.append(data, n);
                    return corest::error::ok;
                }
                std::string head = std::move(l.pending_);
                l.pending_.clear();
                auto b0 = static_cast<unsigned char>(head.empty() ? data[0] : head[0]);
                auto b1 = static_cast<unsigned char>(head.empty() ? data[1] : data[0]);
                int bits = is_zlib_header(b0, b1) ? MAX_WBITS : -MAX_WBITS;
                if (auto e = start(l, bits); e != corest::error::ok) return e;
                if (!head.empty())
                    if (auto e = run(i, l, head.data(), head.size(), sink, produced, max_out);
                        e != corest::error::ok)
                        return e;
            }
        }
        return run(i, l, data, n, sink, produced, max_out);
    }

    template <class Sink>
    corest::error run(std::size_t i, layer& l, const char* data, std::size_t n, Sink& sink,
                      std::uint64_t& produced, std::uint64_t max_out)
    {
        // avail_in is a 32-bit uInt: hand over at most 1 GiB at a time.
        constexpr std::size_t max_slice = std::size_t{1} << 30;
        while (n > 0) {
            std::size_t slice = std::min(n, max_slice);
            if (auto e = run_slice(i, l, data, slice, sink, produced, max_out); e != corest::error::ok)
                return e;
            data += slice;
            n -= slice;
        }
        return corest::error::ok;
    }

    template <class Sink>
    corest::error run_slice(std::size_t i, layer& l, const char* data, std::size_t n, Sink& sink,
                            std::uint64_t& produced, std::uint64_t max_out)
    {
        z_stream& zs = l.zs_;
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
        zs.avail_in = static_cast<uInt>(n);
        for (;;) {
            if (l.state_ == layer::state::member_done) {
                if (zs.avail_in == 0) break;
                // Another gzip member follows only if it starts with the magic
                // byte; anything else (zero padding, junk) is ignored like gzip(1) does.
                if (*zs.next_in == 0x1f) {
                    inflateReset(&zs);
                    l.state_ = layer::state::running;
                } else {
                    l.state_ = layer::state::ended;
                }
            }
            if (l.state_ == layer::state::ended) {
                zs.avail_in = 0;
                break;
            }
            zs.next_out = reinterpret_cast<Bytef*>(l.buf_.get());
            zs.avail_out = static_cast<uInt>(step);
            int rc = inflate(&zs, Z_NO_FLUSH);
            if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR) {
                std::string detail = std::string(name_of(l.coding_)) + " data is corrupt";
                if (zs.msg) detail += std::string(": ") + zs.msg;
                return fail(corest::error::protocol_error, std::move(detail));
            }
            if (rc == Z_MEM_ERROR) return fail(corest::error::unknown_error, "zlib is out of memory");
            std::size_t got = step - zs.avail_out;
            if (got > 0)
                if (auto e = push(i + 1, l.buf_.get(), got, sink, produced, max_out); e != corest::error::ok)
                    return e;
            if (rc == Z_STREAM_END) {
                l.state_ = l.coding_ == coding::gzip ? layer::state::member_done : layer::state::ended;
                continue;
            }
            if (rc == Z_BUF_ERROR) break;                             // needs more input
            if (zs.avail_in == 0 && zs.avail_out != 0) break;         // all input used, all output out
        }
        return corest::error::ok;
    }

    std::vector<std::unique_ptr<layer>> layers_;
    corest::error failed_ = corest::error::ok;
    std::string detail_;
};

} // namespace corest::detail

#endif

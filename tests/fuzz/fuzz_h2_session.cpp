// fuzz_h2_session: server bytes fed to corest's HTTP/2 client session
// (include/corest/detail/http2/session.hpp), with three requests in flight, one of them
// sending a body.
//
// Input: what a server sends, raw bytes (the fuzzer finds frames; the seeds are real
// server SETTINGS, HEADERS and DATA), fed in pieces whose sizes come from the first byte.
// Properties:
//   - nothing crashes, leaks or grows without bound: a stream's header list stays within
//     the 64 KiB limit (plus one field), its data within the stream window;
//   - a stream that ended (and did not fail) had its response head;
//   - once the session has failed it takes no new stream;
//   - detaching every stream leaves none attached.

#include "fuzz_common.hpp"

#include <corest/body/encoded.hpp>
#include <corest/detail/http2/session.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

using corest_fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    namespace d = corest::detail;
    if (size == 0) return 0;
    const std::size_t piece = 1 + data[0] % 64;
    ++data;
    --size;

    d::h2_settings settings;
    d::h2_session session(settings);
    const d::h2_session::field_list fields{
        {":method", "GET"}, {":scheme", "https"}, {":authority", "h.example"}, {":path", "/"}};
    d::h2_session::field_list post = fields;
    post[0].second = "POST";
    corest::encoded_body body;
    body.segments.emplace_back(std::string(100000, 'b'));
    body.content_length = 100000;

    d::h2_stream streams[3];
    streams[2].body = &body;
    session.submit(fields, streams[0]);
    session.submit(fields, streams[1]);
    session.submit(post, streams[2]);
    std::string out;
    session.produce(out, 1 << 20);

    for (std::size_t at = 0; at < size; at += piece) {
        const std::size_t n = std::min(piece, size - at);
        const bool ok = session.receive(reinterpret_cast<const char*>(data + at), n);
        out.clear();
        session.produce(out, 1 << 20);
        for (auto& s : streams) {
            std::size_t header_bytes = 0;
            for (const auto& [name, value] : s.headers) header_bytes += name.size() + value.size() + 32;
            check(header_bytes <= settings.max_header_list + 32 + 2 * 65536, "header list within bounds");
            check(s.data.size() <= settings.stream_window, "data within the stream window");
            check(!s.ended || s.head_done || s.failure.code != corest::error::ok, "a stream ends after its head");
            if (!s.data.empty()) session.consumed(s, s.data.size()), s.data.clear();
        }
        if (!ok) {
            d::h2_stream late;
            check(!session.submit(fields, late), "a failed session takes no stream");
            break;
        }
    }
    for (auto& s : streams) session.detach(s);
    check(session.active_streams() == 0, "every stream detached");
    return 0;
}

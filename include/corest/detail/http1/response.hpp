#ifndef COREST_DETAIL_HTTP1_RESPONSE_HPP
#define COREST_DETAIL_HTTP1_RESPONSE_HPP

// The response as a hop keeps it (status, reason, headers, the one Location, Set-Cookie
// values, the body or its file), and the steps between its head and its body: copy the
// head (take_response_head), let the caller decide where the body goes and take the body
// when it came with the head (begin_body). The hop (detail/hop.hpp), the exchange test and
// the fuzzer read responses through these.

#include <corest/detail/file_sink.hpp>
#include <corest/detail/http1/body_sink.hpp>
#include <corest/detail/http1/message.hpp>
#include <corest/detail/http1/read_body.hpp>
#include <corest/detail/response_headers.hpp>
#include <corest/redirect.hpp>
#include <corest/result.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest::detail {

/// A hop's outcome: the body's (error, size, text scan) and the response head's. `error`
/// is the hop's, whatever failed.
struct hop_output : body_outcome {
    unsigned status = 0;                    // 0 when no response head arrived
    bool http2 = false;                     // the response came over HTTP/2
    std::string reason;
    header_list headers;
    // The response's one Location value (RFC 9110: one URI reference) as the server sent
    // it: the bytes themselves, even when `headers` shows them as Latin-1 turned into
    // UTF-8, since a redirect follows the bytes (percent-encoded), as curl and browsers
    // do. Empty Location fields are ignored. On the heap: only redirects have one.
    std::unique_ptr<std::string> location;
    std::vector<std::string> set_cookies;
    std::string body;                      // with body_target::kind::memory
    std::unique_ptr<file_sink> file;        // with body_target::kind::file, not yet committed (heap: rare)
    corest::timings timings;
};

/// A response's Location value, if it has a non-empty one.
inline std::optional<std::string_view> location_of(const hop_output& hop)
{
    if (hop.location) return *hop.location;
    return std::nullopt;
}

/// Decides, from the response head in a hop's output (status, headers), where the body
/// goes. An interface, not a std::function: the decider lives in the caller's frame, and
/// a call in flight holds just it.
struct body_decider {
    virtual body_target operator()(const hop_output& head) const = 0;

protected:
    body_decider() = default;
    body_decider(const body_decider&) = default;
    body_decider& operator=(const body_decider&) = default;
    ~body_decider() = default;
};

/// Every body in memory, up to `max_bytes`.
struct body_to_memory final : body_decider {
    std::uint64_t max_bytes = 0;

    explicit body_to_memory(std::uint64_t max) : max_bytes(max) {}
    body_target operator()(const hop_output&) const override
    {
        body_target t;
        t.max_bytes = max_bytes;
        return t;
    }
};

/// A Location field's value without the blanks around it.
inline std::string_view trimmed_field(boost::beast::string_view v)
{
    std::string_view s(v.data(), v.size());
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// Copies what the call needs from a response head into `out`. A response with two
/// different non-empty Location values is PROTOCOL_ERROR (Chromium's defence against
/// response splitting: which one would be followed?); `target` names the peer for it.
inline void take_response_head(const boost::beast::http::response_header<>& res, hop_output& out,
                               std::string_view target)
{
    out.status = res.result_int();
    out.reason = output_text(res.reason());   // obs-text: valid UTF-8 like the headers
    out.headers = normalize_headers(res);
    for (const auto& f : res) {
        if (f.name() == boost::beast::http::field::set_cookie) {
            out.set_cookies.emplace_back(f.value());
        } else if (f.name() == boost::beast::http::field::location) {
            const std::string_view value = trimmed_field(f.value());
            if (value.empty()) continue;
            if (!out.location) {
                out.location = std::make_unique<std::string>(value);
            } else if (*out.location != value) {
                auto shown = [](std::string_view v) {
                    return "\"" + encode_raw_location(v.substr(0, 200)) + (v.size() > 200 ? "...\"" : "\"");
                };
                out.error = {corest::error::protocol_error,
                             "the response has two different Location headers, " + shown(*out.location) + " and " +
                                 shown(value) + "; a redirect has one target (read " + std::string(target) + ")"};
                return;
            }
        }
    }
}

/// Opens the `dst` file a body goes to; false (with out.error) when it cannot be written.
inline bool open_body_file(body_target& where, hop_output& out)
{
    std::error_code ec;
    auto sink = file_sink::open(*where.dst_path, ec);
    if (ec) {
        out.error = {corest::error::io_error, "cannot write dst \"" + *where.dst_path + "\": " + ec.message()};
        return false;
    }
    out.file = std::make_unique<file_sink>(std::move(sink));
    where.file = out.file.get();
    return true;
}

/// After take_response_head: asks `decide` where the body goes (opening the dst file for
/// it), and takes the body when it came with the head. True when the body still has to be
/// read with read_response_body into `where`; false when the response is complete, or
/// out.error says why not.
inline bool begin_body(boost::beast::flat_buffer& buffer, response_parser& parser, const body_decider& decide,
                       hop_output& out, body_target& where)
{
    where = decide(out);
    if (where.where == body_target::kind::file && !open_body_file(where, out)) return false;
    if (where.where == body_target::kind::memory) where.memory = &out.body;
    return !take_buffered_body(buffer, parser, where, out);
}

} // namespace corest::detail

#endif

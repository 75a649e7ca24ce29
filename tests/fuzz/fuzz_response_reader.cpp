// fuzz_response_reader: the response reader of one exchange (include/corest/detail/http1/:
// response_head, take_buffered_body and read_response_body, with content decoding from
// detail/content_decoder.hpp), fed arbitrary bytes through boost::beast::test::stream,
// then what a call makes of the response: normalize_headers, the cookie jar,
// classify_body and to_json.
//
// Input: byte 0 holds options, the rest is what the server sends before closing:
//   bits 0-2  bytes per read: 1, 2, 7, 64, 512, 4096, 65536, unlimited
//   bit 3     the request was HEAD
//   bit 4     decode gzip/deflate (decompress: true)
//   bits 5-6  max_response_bytes: 16, 1 MiB, 1 MiB, 64 KiB
//   bit 7     discard the body (a redirect being followed) instead of keeping it
// So an ASCII digit '0'-'7' means "decode, 1 MiB, GET" with 1 to unlimited bytes per read,
// and '8' / '?' a HEAD request.
//
// The coroutine runs on an io_context to completion for every input: the peer has
// closed, so every read ends (EOF at the latest).
// Properties:
//   - the coroutine finishes and throws nothing;
//   - a failure is CONNECTION_CLOSED, PROTOCOL_ERROR or RESPONSE_TOO_LARGE, with a message;
//   - a final status is never an interim 1xx (101 aside);
//   - the body kept is never larger than max_response_bytes, and its size is the size reported;
//   - without decoding, a complete Content-Length body has exactly that length;
//   - the result's JSON (to_json) parses back.

#include "fuzz_common.hpp"

#include <corest/detail/body_classify.hpp>
#include <corest/detail/cookie_jar.hpp>
#include <corest/detail/exchange.hpp>
#include <corest/detail/http1/response.hpp>
#include <corest/detail/response_headers.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace {

using corest_fuzz::check;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace d = corest::detail;

struct outcome {
    bool finished = false;
    std::exception_ptr thrown;
    d::mapped_error head_error;
    d::hop_output hop;          // as a hop keeps the response: head, body, its error
    bool body_read = false;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
};

/// The body's destination the fuzzer chose, whatever the head says.
struct fixed_target final : d::body_decider {
    d::body_target target;
    explicit fixed_target(d::body_target t) : target(t) {}
    d::body_target operator()(const d::hop_output&) const override { return target; }
};

// The response read as run_hop (detail/hop.hpp) reads it: the head operation, then
// take_response_head, begin_body and read_response_body.
net::awaitable<void> exchange(beast::test::stream& stream, bool head_method, d::body_target target, outcome& out)
{
    beast::flat_buffer buffer;
    std::optional<d::response_parser> parser;
    d::exchange_request request;   // sent already; no timeouts, no deadline
    request.head_method = head_method;
    static const boost::urls::url_view fuzz_url("http://fuzz.example");
    request.limits.url = &fuzz_url;
    bool received_any = false;
    co_await d::response_head(stream, buffer, parser, request, false, received_any, out.head_error,
                              net::use_awaitable);
    if (out.head_error.code != corest::error::ok) co_return;
    if (auto n = parser->content_length()) out.content_length = *n;
    out.chunked = parser->chunked();
    d::take_response_head(parser->get(), out.hop, request.limits.target());
    if (out.hop.error.code == corest::error::ok) {
        const fixed_target decide(target);
        d::body_target where;
        if (d::begin_body(buffer, *parser, decide, out.hop, where))
            co_await d::read_response_body(stream, buffer, *parser, where, request.limits, out.hop);
    }
    out.body_read = true;
}

bool allowed_failure(corest::error e)
{
    return e == corest::error::connection_closed || e == corest::error::protocol_error ||
           e == corest::error::response_too_large;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const std::uint8_t options = data[0];
    const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
    static constexpr std::size_t read_sizes[] = {1, 2, 7, 64, 512, 4096, 65536, std::size_t(-1)};
    static constexpr std::uint64_t max_bytes[] = {16, 1 << 20, 1 << 20, 64 << 10};
    const bool head_method = options & 0x08;
    d::body_target target;
    target.decode = options & 0x10;
    target.max_bytes = max_bytes[(options >> 5) & 3];
    target.where = (options & 0x80) ? d::body_target::kind::discard : d::body_target::kind::memory;

    // One io_context for every input: the reactor is created once. The test stream has
    // no deadlines (detail/http1/stream_limits.hpp).
    static net::io_context ioc;
    ioc.restart();

    outcome out;
    {
        beast::test::stream stream(ioc, beast::string_view(wire.data(), wire.size()));
        stream.read_size(read_sizes[options & 7]);
        stream.close_remote();   // after these bytes, EOF
        net::co_spawn(ioc, exchange(stream, head_method, target, out), [&out](std::exception_ptr e) {
            out.thrown = e;
            out.finished = true;
        });
        ioc.run();
    }
    check(out.finished, "the reader did not finish");
    if (out.thrown) {
        std::string what = "(not a std::exception)";
        try {
            std::rethrow_exception(out.thrown);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        corest_fuzz::fail("the reader threw", what);
    }

    // What the call reports.
    corest::result r;
    const d::hop_output& hop = out.hop;
    const auto& err = out.head_error.code != corest::error::ok ? out.head_error : hop.error;
    if (err.code != corest::error::ok) {
        check(allowed_failure(err.code), "an unexpected error code", std::string(corest::error_name(err.code)) + ": " + err.message);
        check(!err.message.empty(), "an error without a message");
        check(err.message.find("need more") == std::string::npos && err.message.find("need buffer") == std::string::npos,
              "a parser flow-control code reported as an error", err.message);
        r.error = err.code;
        r.message = err.message;
    }
    if (out.head_error.code == corest::error::ok) {
        check(hop.status >= 100 && hop.status <= 999, "a status outside 100-999", std::to_string(hop.status));
        check(hop.status >= 200 || hop.status == 101, "an interim 1xx response as the final one",
              std::to_string(hop.status));
        check(hop.size <= target.max_bytes, "more body than max_response_bytes", std::to_string(hop.size));
        if (target.where == d::body_target::kind::memory)
            check(hop.body.size() == hop.size, "the body kept differs from the size reported");
        else
            check(hop.body.empty(), "a discarded body was kept");
        if (target.where == d::body_target::kind::memory && hop.error.code == corest::error::ok) {
            // The scan made piece by piece as the body arrived agrees with one of the whole body.
            check(hop.text_scan.has_value(), "a body read to its end without its text scan");
            const bool utf8 = d::is_valid_utf8(hop.body);
            check(hop.text_scan->valid_utf8() == utf8, "the body scan's UTF-8 verdict differs from a whole scan");
            if (utf8)
                check(hop.text_scan->has_nul() == (hop.body.find('\0') != std::string::npos),
                      "the body scan's NUL verdict differs from a whole scan");
        }
        const bool encoded = corest::find_header(hop.headers, "content-encoding") != nullptr;
        if (hop.error.code == corest::error::ok && (!target.decode || !encoded) && !head_method && out.content_length &&
            !out.chunked && hop.status != 204 && hop.status != 304 && hop.status >= 200)
            check(hop.size == *out.content_length, "a complete body differs from its Content-Length",
                  std::to_string(hop.size) + " vs " + std::to_string(*out.content_length));

        r.status_code = hop.status;
        r.reason = hop.reason;
        r.headers = hop.headers;
        d::cookie_jar jar;
        const auto url = boost::urls::parse_uri("https://fuzz.example/path/page").value();
        const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 54);
        for (const auto& c : hop.set_cookies) jar.set_from_header(url, c, now);
        r.cookies = jar.all_set();
        if (err.code != corest::error::protocol_error && err.code != corest::error::response_too_large) {
            r.body = hop.body;
            d::classify_body(r);
        }
    }
    const std::string json = boost::json::serialize(corest::to_json(r));
    static const bool verbose = std::getenv("COREST_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "%s\n", json.c_str());
    boost::json::error_code ec;
    (void)boost::json::parse(json, ec);
    check(!ec, "the result's JSON does not parse", json.substr(0, 2000));
    return 0;
}

// The HTTP/1.1 exchange over beast::test::stream, with a failure injected at every read
// and write in turn (fail_count): each run ends, as CONNECTION_CLOSED naming its phase,
// until the run with no failure, which sends the request whole and reads the response.

#include <boost/test/unit_test.hpp>

#include <corest/detail/exchange.hpp>
#include <corest/detail/http1/response.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/url/url_view.hpp>

#include <zlib.h>

#include <exception>
#include <optional>
#include <string>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace d = corest::detail;

struct run {
    bool finished = false;
    std::exception_ptr thrown;
    d::hop_output out;
    std::string written;   // what reached the server
};

struct to_memory final : d::body_decider {
    d::body_target operator()(const d::hop_output&) const override
    {
        d::body_target t;
        t.max_bytes = 1 << 20;
        return t;
    }
};

// Sends `head` and `body` and reads `response` (`read_size` bytes per read) as a hop
// does, with the operation `fail_at` (0-based, reads and writes counted together)
// failing as a reset connection.
run exchange(std::size_t fail_at, const std::string& head, const corest::encoded_body& body,
             const std::string& response, std::size_t read_size)
{
    net::io_context ioc;
    beast::test::fail_count fc(fail_at, net::error::connection_reset);
    beast::test::stream client(ioc, fc), server(ioc);
    client.connect(server);
    client.append(response);
    client.read_size(read_size);
    client.write_size(5);   // many writes
    run r;
    static const boost::urls::url_view url("http://h.example");
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            d::exchange_request request;
            request.head = head;
            request.body = &body;
            request.limits.url = &url;
            beast::flat_buffer buffer;
            std::optional<d::response_parser> parser;
            bool received_any = false;
            const bool streamed = d::needs_streaming(body);
            if (streamed) co_await d::send_streamed_request(client, request.head, body, request.limits, r.out.error);
            if (r.out.error.code != corest::error::ok) co_return;
            co_await d::response_head(client, buffer, parser, request, !streamed, received_any, r.out.error,
                                      net::use_awaitable);
            if (r.out.error.code != corest::error::ok) co_return;
            d::take_response_head(parser->get(), r.out, request.limits.target());
            const to_memory decide;
            d::body_target where;
            if (d::begin_body(buffer, *parser, decide, r.out, where))
                co_await d::read_response_body(client, buffer, *parser, where, request.limits, r.out);
        },
        [&](std::exception_ptr e) {
            r.thrown = e;
            r.finished = true;
        });
    ioc.run();
    r.written = server.str();
    return r;
}

std::string gzip(const std::string& plain)
{
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    std::string out(plain.size() + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
    zs.avail_in = static_cast<uInt>(plain.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

// Fails every operation in turn until a run needs no more; returns how many operations
// the exchange made.
std::size_t fail_every_operation(const std::string& head, const corest::encoded_body& body,
                                 const std::string& response, std::size_t read_size, const std::string& expected_body)
{
    for (std::size_t n = 0; n < 2000; ++n) {
        const run r = exchange(n, head, body, response, read_size);
        BOOST_TEST_REQUIRE(r.finished, "operation " << n);
        BOOST_TEST_REQUIRE(!r.thrown, "operation " << n);
        if (r.out.error.code == corest::error::ok) {
            BOOST_TEST(r.out.status == 200u);
            BOOST_TEST(r.out.body == expected_body);
            BOOST_TEST(r.out.complete);
            std::string sent = head;
            for (const auto& s : body.segments) sent += std::get<std::string>(s);
            BOOST_TEST(r.written == sent);
            return n;
        }
        BOOST_TEST_CONTEXT("failure at operation " << n << ": " << r.out.error.message)
        {
            BOOST_TEST((r.out.error.code == corest::error::connection_closed));
            const bool named = r.out.error.message.find("(write http://h.example)") != std::string::npos ||
                               r.out.error.message.find("(read http://h.example)") != std::string::npos;
            BOOST_TEST(named);
        }
    }
    BOOST_FAIL("the exchange never succeeded");
    return 0;
}

corest::encoded_body memory_body(std::initializer_list<std::string> segments)
{
    corest::encoded_body b;
    b.content_type = "text/plain";
    for (const auto& s : segments) {
        b.content_length += s.size();
        b.segments.emplace_back(s);
    }
    return b;
}

} // namespace

BOOST_AUTO_TEST_SUITE(exchange)

BOOST_AUTO_TEST_CASE(a_failure_at_every_read_and_write_of_a_sized_response)
{
    const auto body = memory_body({"hello=world"});
    const std::string head = "POST / HTTP/1.1\r\nHost: h.example\r\nContent-Length: 11\r\n\r\n";
    const std::string response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n"
                                 "abcdefghijklmnopqrstuvwxyz";
    const auto operations = fail_every_operation(head, body, response, 7, "abcdefghijklmnopqrstuvwxyz");
    BOOST_TEST(operations > 20u);   // 5-byte writes and 7-byte reads: every one was failed once
}

BOOST_AUTO_TEST_CASE(a_failure_at_every_read_and_write_of_a_streamed_body_and_a_gzip_chunked_response)
{
    const auto body = memory_body({"part one;", "part two;", "part three"});   // sent in chunks
    const std::string head = "PUT /x HTTP/1.1\r\nHost: h.example\r\nContent-Length: 28\r\n\r\n";
    const std::string plain(3000, 'z');
    const std::string coded = gzip(plain);
    std::string response = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t i = 0; i < coded.size(); i += 10) {
        const auto piece = coded.substr(i, 10);
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        response += size + piece + "\r\n";
    }
    response += "0\r\n\r\n";
    const auto operations = fail_every_operation(head, body, response, 64, plain);
    BOOST_TEST(operations > 10u);
}

BOOST_AUTO_TEST_SUITE_END()

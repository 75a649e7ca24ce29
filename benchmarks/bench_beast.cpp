// The floor: a raw Boost.Beast client with no features (no pool, timeouts,
// redirects, retries or body classification). Each of N coroutines owns one
// keep-alive connection (tcp_stream, or ssl_stream over it for https) and GETs
// in a loop. Prints one result line (see bench_common.hpp).

#include "asio_driver.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

struct shared_setup {
    bench::url_parts url;
    tcp::resolver::results_type endpoints;   // resolved once: not what is measured
    std::optional<net::ssl::context> ssl;
    http::request<http::empty_body> req;
};

template <bool Tls>
struct beast_session {
    using stream_type = std::conditional_t<Tls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

    shared_setup* setup;
    std::unique_ptr<stream_type> stream;   // null = not connected
    beast::flat_buffer buffer;

    net::awaitable<bool> connect()
    {
        auto ex = co_await net::this_coro::executor;
        if constexpr (Tls) stream = std::make_unique<stream_type>(ex, *setup->ssl);
        else stream = std::make_unique<stream_type>(ex);
        auto& tcp_layer = beast::get_lowest_layer(*stream);
        auto [ec, ep] = co_await tcp_layer.async_connect(setup->endpoints, net::as_tuple(net::use_awaitable));
        if (ec) co_return false;
        tcp_layer.socket().set_option(tcp::no_delay(true));
        if constexpr (Tls) {
            stream->set_verify_callback(net::ssl::host_name_verification(setup->url.host));
            beast::error_code aec;
            net::ip::make_address(setup->url.host, aec);
            if (aec) SSL_set_tlsext_host_name(stream->native_handle(), setup->url.host.c_str());   // SNI for names only
            auto [hec] = co_await stream->async_handshake(net::ssl::stream_base::client,
                                                          net::as_tuple(net::use_awaitable));
            if (hec) co_return false;
        }
        buffer.clear();
        co_return true;
    }

    net::awaitable<bench::outcome> once()
    {
        if (!stream && !co_await connect()) {
            stream.reset();
            co_return bench::outcome{};
        }
        auto [wec, wn] = co_await http::async_write(*stream, setup->req, net::as_tuple(net::use_awaitable));
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        beast::error_code rec = wec;
        if (!rec) std::tie(rec, std::ignore) =
                      co_await http::async_read_header(*stream, buffer, parser, net::as_tuple(net::use_awaitable));
        // Beast reads at most the buffer's free capacity per read_some (512 bytes
        // when new): a 1 MiB body would take 2,000 reads. Grow it to 16 KiB, as
        // curl's receive buffer, only when the body is not already buffered, so an
        // idle or small-response connection does not pay for it.
        if (!rec && parser.content_length().value_or(SIZE_MAX) > buffer.size()) buffer.reserve(16 * 1024);
        if (!rec) std::tie(rec, std::ignore) =
                      co_await http::async_read(*stream, buffer, parser, net::as_tuple(net::use_awaitable));
        const auto& res = parser.get();
        if (rec || !res.keep_alive()) stream.reset();   // reconnect on the next request
        co_return bench::outcome{!rec && res.result_int() == 200, res.body().size()};
    }
};

} // namespace

int main(int argc, char** argv)
{
    const auto opt = bench::parse_args(argc, argv);
    net::io_context ioc(1);

    shared_setup setup;
    setup.url = bench::split_url(opt.url);
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    setup.endpoints = resolver.resolve(setup.url.host, setup.url.port, ec);
    if (ec) {
        std::fprintf(stderr, "cannot resolve %s: %s\n", setup.url.host.c_str(), ec.message().c_str());
        return 1;
    }
    if (setup.url.tls) {
        setup.ssl.emplace(net::ssl::context::tls_client);
        setup.ssl->set_verify_mode(net::ssl::verify_peer);
        if (opt.cacert) setup.ssl->load_verify_file(*opt.cacert);
        else setup.ssl->set_default_verify_paths();
    }
    setup.req = {http::verb::get, setup.url.target, 11};
    setup.req.set(http::field::host, setup.url.host + ":" + setup.url.port);
    setup.req.set(http::field::user_agent, "bench-beast");
    setup.req.set(http::field::accept, "*/*");
    setup.req.keep_alive(true);

    bench::run_state run(opt);
    if (setup.url.tls)
        bench::run_workers(ioc, run, "beast", [&](std::size_t) { return beast_session<true>{&setup, nullptr, {}}; });
    else
        bench::run_workers(ioc, run, "beast", [&](std::size_t) { return beast_session<false>{&setup, nullptr, {}}; });
    return 0;
}

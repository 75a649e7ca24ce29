#ifndef COREST_SOAK_FAULT_SERVER_HPP
#define COREST_SOAK_FAULT_SERVER_HPP

// The soak's in-process fault server: 127.0.0.1:<ephemeral>, its own thread and
// io_context, keep-alive HTTP/1.1 that misbehaves on purpose.
//
// The request target says what to do: /f/<fault>/<id>[?d=<ms>]. A fixed fault lets
// the soak expect one exact outcome; `chaos` makes the server pick a fault at random
// for each request (so a retried call meets a different one each attempt).
// Every answer with a body is JSON {"id":<id>,"fault":"<name>","body_id":<n>}, where
// body_id is the "id" of a POSTed JSON body (-1 without one): the soak checks both,
// so a response given to the wrong call, or a body sent to the wrong request, shows.
//
// Why not tests/support/fault_server.hpp: it records every request head and body for
// the tests to inspect, which grows without bound over a million calls and would
// hide (or fake) the soak's memory check. The connection handling is the same idea.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <zlib.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>

namespace soak {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
inline constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

enum class fault : int {
    ok,                 // 200 JSON, keep-alive
    ok_close,           // 200 JSON with Connection: close, then close
    ok_then_fin,        // 200 JSON keep-alive, then close: the client pools a dead connection
    ok_then_reset,      // 200 JSON keep-alive, 20 ms later an abortive close (chaos only)
    ok_gzip,            // 200 gzip-encoded JSON
    gzip_bad,           // 200 Content-Encoding: gzip, body not gzip -> PROTOCOL_ERROR
    reset,              // reads the request, resets (SO_LINGER 0) -> CONNECTION_CLOSED
    fin_before_response,// reads the request, closes -> CONNECTION_CLOSED
    truncate_length,    // Content-Length 1000, 100 bytes, close -> CONNECTION_CLOSED
    truncate_chunked,   // one whole chunk, half of the next, close -> CONNECTION_CLOSED
    stall,              // never answers; waits for the client to give up -> TIMEOUT (read)
    slow,               // answers 200 after d ms
    drip,               // one byte every 100 ms, 11 s in all -> TIMEOUT (total)
    garbage,            // malformed status line -> PROTOCOL_ERROR
    status_500,         // 500 JSON -> INTERNAL_SERVER_ERROR
    status_503,         // 503 JSON -> retried, SERVICE_UNAVAILABLE
    chaos,              // one of the above, chosen per request by the server
    count_
};

inline constexpr std::array<std::string_view, static_cast<int>(fault::count_)> fault_names = {
    "ok", "ok_close", "ok_then_fin", "ok_then_reset", "ok_gzip", "gzip_bad", "reset",
    "fin_before_response", "truncate_length", "truncate_chunked", "stall", "slow", "drip",
    "garbage", "status_500", "status_503", "chaos"};

inline std::string_view name_of(fault f) { return fault_names[static_cast<int>(f)]; }

inline bool fault_from_name(std::string_view s, fault& out)
{
    for (std::size_t i = 0; i < fault_names.size(); ++i)
        if (fault_names[i] == s) {
            out = static_cast<fault>(i);
            return true;
        }
    return false;
}

/// gzip (RFC 1952) of `in`, with zlib.
inline std::string gzip(std::string_view in)
{
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

class fault_server {
public:
    explicit fault_server(std::uint64_t seed) : rng_(seed)
    {
        tcp::endpoint ep(net::ip::make_address_v4("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(1024);
        port_ = acceptor_.local_endpoint().port();
        net::co_spawn(ioc_, accept_loop(), net::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }

    fault_server(const fault_server&) = delete;
    fault_server& operator=(const fault_server&) = delete;

    ~fault_server()
    {
        net::post(ioc_, [this] { stop_all(); });
        thread_.join();
    }

    std::uint16_t port() const { return port_; }
    /// Connections accepted and not yet closed by the server.
    int live_connections() const { return live_.load(); }
    std::uint64_t accepted() const { return accepted_.load(); }
    std::uint64_t requests() const { return requests_.load(); }
    /// Requests answered with each fault (chaos resolved to what it picked).
    std::uint64_t served(fault f) const { return served_[static_cast<int>(f)].load(); }

private:
    struct conn {
        explicit conn(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
        tcp::socket socket;
        net::steady_timer timer;
        boost::beast::flat_buffer buffer;
    };

    net::awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
            if (stopping_) co_return;
            if (ec) continue;
            accepted_.fetch_add(1);
            live_.fetch_add(1);
            auto c = std::make_shared<conn>(std::move(socket));
            conns_.insert(c);
            net::co_spawn(ioc_, serve(c), net::detached);
        }
    }

    static std::string json_answer(std::uint64_t id, fault f, long long body_id)
    {
        return "{\"id\":" + std::to_string(id) + ",\"fault\":\"" + std::string(name_of(f)) +
               "\",\"body_id\":" + std::to_string(body_id) + "}";
    }

    static std::string response(int status, std::string_view reason, std::string_view extra_headers,
                                std::string_view body)
    {
        std::string s = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n";
        s += extra_headers;
        s += "\r\n";
        s += body;
        return s;
    }

    fault pick_chaos()
    {
        // Weights in per cent; mostly answers, some of every fault (drip excluded: it
        // costs a whole total_timeout, the soak asks for it by name, rarely).
        static constexpr std::pair<fault, int> weights[] = {
            {fault::ok, 55},          {fault::ok_close, 5},          {fault::ok_then_fin, 5},
            {fault::ok_then_reset, 3}, {fault::ok_gzip, 5},           {fault::gzip_bad, 1},
            {fault::reset, 4},        {fault::fin_before_response, 3}, {fault::truncate_length, 4},
            {fault::truncate_chunked, 3}, {fault::stall, 1},         {fault::slow, 3},
            {fault::garbage, 2},      {fault::status_500, 2},        {fault::status_503, 4},
        };
        int total = 0;
        for (const auto& w : weights) total += w.second;
        int x = std::uniform_int_distribution<int>(0, total - 1)(rng_);
        for (const auto& w : weights) {
            if (x < w.second) return w.first;
            x -= w.second;
        }
        return fault::ok;
    }

    static void reset(conn& c)
    {
        boost::system::error_code ec;
        c.socket.set_option(net::socket_base::linger(true, 0), ec);
        c.socket.close(ec);
    }

    static void close(conn& c)
    {
        boost::system::error_code ec;
        c.socket.shutdown(tcp::socket::shutdown_both, ec);
        c.socket.close(ec);
    }

    net::awaitable<bool> write(conn& c, std::string bytes)
    {
        auto [ec, n] = co_await net::async_write(c.socket, net::buffer(bytes), tuple_awaitable);
        (void)n;
        co_return !ec && !stopping_;
    }

    net::awaitable<bool> sleep(conn& c, std::chrono::milliseconds d)
    {
        c.timer.expires_after(d);
        auto [ec] = co_await c.timer.async_wait(tuple_awaitable);
        co_return !ec && !stopping_;
    }

    /// Answers one request; false when the connection is finished.
    net::awaitable<bool> act(conn& c, fault f, std::uint64_t id, long long body_id, int delay_ms)
    {
        const std::string body = json_answer(id, f, body_id);
        switch (f) {
        case fault::ok:
        case fault::chaos:
        case fault::count_:
        {
            std::string s = response(200, "OK", "", body);
            co_return co_await write(c, std::move(s));
        }
        case fault::ok_close: {
            std::string s = response(200, "OK", "Connection: close\r\n", body);
            const bool written = co_await write(c, std::move(s));
            (void)written;
            close(c);
            co_return false;
        }
        case fault::ok_then_fin: {
            std::string s = response(200, "OK", "", body);
            const bool written = co_await write(c, std::move(s));
            (void)written;
            close(c);
            co_return false;
        }
        case fault::ok_then_reset: {
            std::string s = response(200, "OK", "", body);
            const bool written = co_await write(c, std::move(s));
            if (written) {
                const bool slept = co_await sleep(c, std::chrono::milliseconds(20));
                (void)slept;
            }
            reset(c);
            co_return false;
        }
        case fault::ok_gzip: {
            std::string s = response(200, "OK", "Content-Encoding: gzip\r\n", gzip(body));
            co_return co_await write(c, std::move(s));
        }
        case fault::gzip_bad: {
            std::string s = response(200, "OK", "Content-Encoding: gzip\r\n", "this is not gzip, whatever the header says");
            co_return co_await write(c, std::move(s));
        }
        case fault::reset:
            reset(c);
            co_return false;
        case fault::fin_before_response:
            close(c);
            co_return false;
        case fault::truncate_length: {
            std::string s = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" +
                            body + std::string(100, ' ');
            const bool written = co_await write(c, std::move(s));
            (void)written;
            close(c);
            co_return false;
        }
        case fault::truncate_chunked: {
            std::string s = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "20\r\n" + std::string(32, ' ') + "\r\n40\r\n" + std::string(10, ' ');
            const bool written = co_await write(c, std::move(s));
            (void)written;
            close(c);
            co_return false;
        }
        case fault::stall: {
            // Read (and ignore) until the client gives up and closes.
            std::array<char, 512> sink{};
            for (;;) {
                auto [ec, n] = co_await c.socket.async_read_some(net::buffer(sink), tuple_awaitable);
                (void)n;
                if (ec || stopping_) break;
            }
            co_return false;
        }
        case fault::slow: {
            const bool slept = co_await sleep(c, std::chrono::milliseconds(delay_ms));
            if (!slept) co_return false;
            std::string s = response(200, "OK", "", body);
            co_return co_await write(c, std::move(s));
        }
        case fault::drip: {
            // ~110 bytes, 100 ms apart: each gap is far below read_timeout, the whole far
            // above total_timeout.
            const std::string s = response(200, "OK", "", body);
            for (char ch : s) {
                std::string one(1, ch);
                const bool written = co_await write(c, std::move(one));
                if (!written) co_return false;
                const bool slept = co_await sleep(c, std::chrono::milliseconds(100));
                if (!slept) co_return false;
            }
            co_return true;
        }
        case fault::garbage: {
            std::string s = "HTTP/1.1 2x0 What\r\nContent-Length: 0\r\n\r\n";
            const bool written = co_await write(c, std::move(s));
            (void)written;
            close(c);
            co_return false;
        }
        case fault::status_500: {
            std::string s = response(500, "Internal Server Error", "", body);
            co_return co_await write(c, std::move(s));
        }
        case fault::status_503: {
            std::string s = response(503, "Service Unavailable", "", body);
            co_return co_await write(c, std::move(s));
        }
        }
        co_return false;
    }

    net::awaitable<void> serve(std::shared_ptr<conn> c)
    {
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(1 << 20);
            auto [ec, n] = co_await http::async_read(c->socket, c->buffer, parser, tuple_awaitable);
            (void)n;
            if (ec || stopping_) break;
            requests_.fetch_add(1);
            const auto& req = parser.get();

            // /f/<fault>/<id>[?d=<ms>]
            std::string_view target = req.target();
            int delay_ms = 0;
            if (auto q = target.find("?d="); q != std::string_view::npos) {
                std::string_view d = target.substr(q + 3);
                std::from_chars(d.data(), d.data() + d.size(), delay_ms);
                target = target.substr(0, q);
            }
            fault f = fault::ok;
            std::uint64_t id = 0;
            bool understood = false;
            if (target.starts_with("/f/")) {
                target.remove_prefix(3);
                const auto slash = target.find('/');
                if (slash != std::string_view::npos && fault_from_name(target.substr(0, slash), f)) {
                    const std::string_view ids = target.substr(slash + 1);
                    understood = std::from_chars(ids.data(), ids.data() + ids.size(), id).ec == std::errc();
                }
            }
            if (!understood) {
                std::string s = response(400, "Bad Request", "Connection: close\r\n", "{}");
                const bool written = co_await write(*c, std::move(s));
                (void)written;
                break;
            }
            long long body_id = -1;
            if (!req.body().empty()) {
                boost::system::error_code jec;
                auto v = boost::json::parse(req.body(), jec);
                if (!jec && v.is_object())
                    if (auto* p = v.as_object().if_contains("id"); p && p->is_int64()) body_id = p->as_int64();
            }
            if (f == fault::chaos) {
                f = pick_chaos();
                if (f == fault::slow) delay_ms = std::uniform_int_distribution<int>(0, 600)(rng_);
            }
            served_[static_cast<int>(f)].fetch_add(1);
            const bool go_on = co_await act(*c, f, id, body_id, delay_ms);
            if (!go_on || stopping_) break;
        }
        close(*c);
        conns_.erase(c);
        live_.fetch_sub(1);
    }

    void stop_all()
    {
        stopping_ = true;
        boost::system::error_code ec;
        acceptor_.close(ec);
        for (const auto& c : conns_) {
            c->timer.cancel();
            c->socket.close(ec);
        }
    }

    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    std::uint16_t port_ = 0;
    std::mt19937_64 rng_;                         // server thread only
    bool stopping_ = false;                       // server thread only
    std::set<std::shared_ptr<conn>> conns_;       // server thread only
    std::atomic<int> live_{0};
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> requests_{0};
    std::array<std::atomic<std::uint64_t>, static_cast<int>(fault::count_)> served_{};
    std::thread thread_;
};

} // namespace soak

#endif

// One call on real networks: TLS and mutual TLS against nginx, every timeout,
// broken peers from the in-process fault server, and dst streaming.

#include "support/call.hpp"
#include "support/fault_server.hpp"
#include "support/servers.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include <zlib.h>

using corest::test::call;
using corest::test::fault_server;
using corest::test::get;
using corest::test::json_object;
using corest::test::servers;
namespace fs = std::filesystem;

namespace {
corest::request tls_get(std::string url)
{
    auto r = get(std::move(url));
    r.cacert = servers().cert("ca.pem");
    return r;
}

/// The process's peak resident set (VmHWM), in KiB.
long peak_rss_kib()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// Files in `dir` whose name starts with `stem` (temporaries left behind).
std::size_t files_starting_with(const fs::path& dir, const std::string& stem)
{
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind(stem, 0) == 0) ++n;
    return n;
}

fs::path scratch_dir(const std::string& name)
{
    auto dir = fs::temp_directory_path() / ("corest_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}
} // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(trusted_by_cacert_path_and_pem_text)
{
    auto r = call(tls_get(servers().tls + "/hello"));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.body == "hello, world\n");
    BOOST_TEST(r.timings.tls > 0.0);

    auto text = get(servers().tls + "/get");
    text.cacert = read_file(servers().cert("ca.pem"));
    auto t = call(text);
    BOOST_TEST(t.ok(), t.message);
}

BOOST_AUTO_TEST_CASE(a_large_body_is_sent_whole_in_many_writes)
{
    // 3 MiB is many socket writes (and TLS records): each write sends what the last left.
    std::string text(3 * 1024 * 1024, 'x');
    for (std::size_t i = 0; i < text.size(); i += 4096) text[i] = static_cast<char>('a' + (i / 4096) % 26);
    for (const std::string& base : {servers().httpbin, servers().tls}) {
        auto req = tls_get(base + "/anything");
        req.method = corest::method::post;
        req.body = corest::text_body{text};
        auto r = call(req);
        BOOST_TEST_REQUIRE(r.ok(), base << ": " << r.message);
        BOOST_TEST(json_object(r).at("data").as_string() == text, base);
    }
}

BOOST_AUTO_TEST_CASE(ip_literal_is_verified_against_the_ip_san)
{
    auto r = call(tls_get(servers().tls_ip + "/hello"));
    BOOST_TEST(r.ok(), r.message);
}

BOOST_AUTO_TEST_CASE(unknown_ca_fails_unless_verification_is_off)
{
    auto sys = call(get(servers().tls + "/hello"));   // system store does not know our CA
    BOOST_TEST((sys.error == corest::error::tls_error));
    BOOST_TEST(sys.message.find("unknown CA") != std::string::npos, sys.message);

    auto other = get(servers().tls + "/hello");
    other.cacert = servers().cert("other-ca.pem");
    BOOST_TEST((call(other).error == corest::error::tls_error));

    auto off = get(servers().tls + "/hello");
    off.verify_ssl = false;
    auto r = call(off);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    bool warned = false;
    for (const auto& line : r.log) warned = warned || line.find("verify_ssl") != std::string::npos;
    BOOST_TEST(warned);
}

BOOST_AUTO_TEST_CASE(wrong_host_and_expired)
{
    auto wrong = call(tls_get(servers().tls_wrong_host + "/hello"));
    BOOST_TEST((wrong.error == corest::error::tls_error));
    BOOST_TEST(wrong.message.find("host name mismatch") != std::string::npos, wrong.message);

    auto unchecked = tls_get(servers().tls_wrong_host + "/hello");
    unchecked.check_hostname = false;
    BOOST_TEST(call(unchecked).ok());

    auto expired = call(tls_get(servers().tls_expired + "/hello"));
    BOOST_TEST((expired.error == corest::error::tls_error));
    BOOST_TEST(expired.message.find("expired") != std::string::npos, expired.message);
}

BOOST_AUTO_TEST_CASE(mutual_tls)
{
    auto without = call(tls_get(servers().mtls + "/get"));
    // nginx answers 400 when no client certificate was sent.
    BOOST_TEST(!without.ok());

    auto with = tls_get(servers().mtls + "/get");
    with.client_cert = servers().cert("client.pem");
    with.client_key = servers().cert("client-key.pem");
    auto r = call(with);
    BOOST_TEST(r.ok(), r.message);

    auto pem = tls_get(servers().mtls + "/get");
    pem.client_cert = read_file(servers().cert("client.pem"));
    pem.client_key = read_file(servers().cert("client-key.pem"));
    BOOST_TEST(call(pem).ok());
}

BOOST_AUTO_TEST_CASE(tls_min_version)
{
    auto v13 = tls_get(servers().tls12_only + "/hello");
    v13.tls_min_version = corest::tls_version::v1_3;
    auto r = call(v13);
    BOOST_TEST((r.error == corest::error::tls_error));
    BOOST_TEST(call(tls_get(servers().tls12_only + "/hello")).ok());
    BOOST_TEST(call(tls_get(servers().tls13_only + "/hello")).ok());
}

BOOST_AUTO_TEST_CASE(bad_pem_is_invalid_input)
{
    auto r = get(servers().tls + "/hello");
    r.cacert = "/nonexistent/ca.pem";
    auto res = call(r);
    BOOST_TEST((res.error == corest::error::invalid_input));
    BOOST_TEST(res.message.find("cacert") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timeouts)

BOOST_AUTO_TEST_CASE(read_timeout_on_a_silent_peer)
{
    fault_server srv(corest::test::silent());
    auto req = get(srv.url("/"));
    req.read_timeout = corest::seconds(0.3);
    req.retry_on_connection_error = false;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::timeout));
    BOOST_TEST(r.message.find("read") != std::string::npos, r.message);
}

BOOST_AUTO_TEST_CASE(total_timeout_bounds_the_call)
{
    fault_server srv(corest::test::silent());
    auto req = get(srv.url("/"));
    req.total_timeout = corest::seconds(0.3);
    auto started = std::chrono::steady_clock::now();
    auto r = call(req);
    auto took = std::chrono::steady_clock::now() - started;
    BOOST_TEST((r.error == corest::error::timeout));
    BOOST_TEST(r.message.find("total") != std::string::npos, r.message);
    BOOST_TEST(took < std::chrono::seconds(5));
}

BOOST_AUTO_TEST_CASE(timeout_alias_in_milliseconds)
{
    fault_server srv(corest::test::silent());
    auto r = corest::test::call_json(R"({"url":")" + srv.url("/") + R"(","timeout":300})");
    BOOST_TEST((r.error == corest::error::timeout));
}

BOOST_AUTO_TEST_CASE(connect_timeout_when_the_listener_drops_syns)
{
    // A listener with a full accept queue drops further SYNs (Linux), so a connect
    // neither succeeds nor is refused: only connect_timeout ends it.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor full(ioc);
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address_v4("127.0.0.1"), 0);
    full.open(ep.protocol());
    full.bind(ep);
    full.listen(0);
    ep = full.local_endpoint();
    std::vector<boost::asio::ip::tcp::socket> fillers;
    for (int i = 0; i < 3; ++i) {
        // async_connect sends the SYN at initiation; ioc never runs, so nothing waits for it.
        fillers.emplace_back(ioc);
        fillers.back().async_connect(ep, [](boost::system::error_code) {});
    }
    auto req = get("http://127.0.0.1:" + std::to_string(ep.port()) + "/");
    req.connect_timeout = corest::seconds(0.3);
    req.retry_on_connection_error = false;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::timeout), r.message);
    BOOST_TEST(r.message.find("connect") != std::string::npos, r.message);
}

BOOST_AUTO_TEST_CASE(tls_handshake_timeout_on_a_silent_peer)
{
    // TCP connects, the ClientHello gets no answer: connect_timeout bounds the handshake.
    fault_server srv(corest::test::silent());
    auto req = get("https://127.0.0.1:" + std::to_string(srv.port()) + "/");
    req.connect_timeout = corest::seconds(0.3);
    req.retry_on_connection_error = false;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::timeout), r.message);
    BOOST_TEST(r.message.find("tls") != std::string::npos, r.message);
}

BOOST_AUTO_TEST_CASE(read_timeout_on_a_reused_connection)
{
    // The first request is answered, the second (on the same, pooled connection) is not:
    // the deadline of a connection's second use is watched like its first.
    std::atomic<int> requests{0};
    fault_server srv([&requests](corest::test::fault_connection& c) -> boost::asio::awaitable<void> {
        for (;;) {
            auto head = co_await c.read_request_head();
            if (head.empty()) co_return;
            if (++requests == 1) co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    });
    auto req = get(srv.url("/"));
    req.read_timeout = corest::seconds(0.3);
    req.retry_on_connection_error = false;
    auto results = corest::test::run_coro(
        [&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
            corest::client c{ex};
            std::vector<corest::result> out;
            out.push_back(co_await c.execute(req));
            out.push_back(co_await c.execute(req));
            co_return out;
        });
    BOOST_TEST_REQUIRE(results[0].ok(), results[0].message);
    BOOST_TEST((results[1].error == corest::error::timeout), results[1].message);
    BOOST_TEST(results[1].message.find("read") != std::string::npos, results[1].message);
    BOOST_TEST(srv.connections_accepted() == 1u);
}

BOOST_AUTO_TEST_CASE(finished_calls_leave_no_timer_behind)
{
    // Calls with the default 20 s timeouts end in milliseconds; their connection stays pooled.
    // The io_context must then run out of work at once: a deadline wait still pending
    // would hold run() for the length of a timeout.
    fault_server srv(corest::test::respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    boost::asio::io_context ioc;
    corest::client c{ioc.get_executor()};
    std::vector<corest::result> results;
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
            for (int i = 0; i < 3; ++i) results.push_back(co_await c.execute(get(srv.url("/"))));
        },
        boost::asio::detached);
    const auto started = std::chrono::steady_clock::now();
    ioc.run();
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_TEST_REQUIRE(results.size() == 3u);
    for (const auto& r : results) BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(srv.connections_accepted() == 1u);
    BOOST_TEST(took < std::chrono::seconds(10));   // 20 s would mean a pending wait
}

BOOST_AUTO_TEST_CASE(drip_feed_resets_the_read_timeout_per_read)
{
    fault_server srv(corest::test::drip("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", std::chrono::milliseconds(20)));
    auto req = get(srv.url("/"));
    req.read_timeout = corest::seconds(0.5);
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.body == "hello");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(faults)

BOOST_AUTO_TEST_CASE(refused_connection)
{
    std::uint16_t port;
    {
        fault_server srv(corest::test::silent());
        port = srv.port();
    }
    auto req = get("http://127.0.0.1:" + std::to_string(port) + "/");
    req.retry_on_connection_error = false;
    BOOST_TEST((call(req).error == corest::error::connect_failed));
}

BOOST_AUTO_TEST_CASE(unknown_host)
{
    auto req = get("http://no-such-host.invalid/");
    req.retry_on_connection_error = false;
    BOOST_TEST((call(req).error == corest::error::dns_failed));
}

BOOST_AUTO_TEST_CASE(reset_and_truncation_are_connection_closed)
{
    fault_server reset(corest::test::reset_after_request());
    auto req = get(reset.url("/"));
    req.retry_on_connection_error = false;
    BOOST_TEST((call(req).error == corest::error::connection_closed));

    fault_server cut(corest::test::truncated("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part"));
    auto c = get(cut.url("/"));
    c.retry_on_connection_error = false;
    BOOST_TEST((call(c).error == corest::error::connection_closed));
}

BOOST_AUTO_TEST_CASE(malformed_responses_are_protocol_errors)
{
    const std::string bad[] = {
        "HTTX/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnotgz",
    };
    for (const auto& raw : bad) {
        fault_server srv(corest::test::respond(raw));
        auto r = call(get(srv.url("/")));
        BOOST_TEST((r.error == corest::error::protocol_error), raw << " gave " << r.error << ": " << r.message);
    }
}

BOOST_AUTO_TEST_CASE(oversized_header_block)
{
    std::string raw = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\nContent-Length: 0\r\n\r\n";
    fault_server srv(corest::test::respond(raw));
    auto r = call(get(srv.url("/")));
    BOOST_TEST((r.error == corest::error::protocol_error), r.message);
}

BOOST_AUTO_TEST_CASE(interim_responses_are_skipped)
{
    fault_server srv(corest::test::respond(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    auto r = call(get(srv.url("/")));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(*r.status_code == 200u);
    BOOST_TEST(r.body == "ok");
}

BOOST_AUTO_TEST_CASE(max_response_bytes_and_decompression_bomb)
{
    auto req = get(servers().httpbin + "/bytes/2048");
    req.max_response_bytes = 1000;
    BOOST_TEST((call(req).error == corest::error::response_too_large));

    // 50 MiB of zeros gzip-compressed (~50 KiB on the wire): decoded bytes count against the cap.
    std::string zeros(50u << 20, '\0');
    std::string gz(compressBound(static_cast<uLong>(zeros.size())) + 64, '\0');
    z_stream z{};
    BOOST_REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(zeros.size());
    z.next_out = reinterpret_cast<Bytef*>(gz.data());
    z.avail_out = static_cast<uInt>(gz.size());
    BOOST_REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    gz.resize(z.total_out);
    deflateEnd(&z);
    fault_server srv(corest::test::respond("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                           std::to_string(gz.size()) + "\r\n\r\n" + gz));
    auto bomb = get(srv.url("/"));
    bomb.max_response_bytes = 1024 * 1024;
    auto r = call(bomb);
    BOOST_TEST((r.error == corest::error::response_too_large), r.error << ": " << r.message);
}

BOOST_AUTO_TEST_CASE(binary_body_is_bytes)
{
    static constexpr unsigned char payload[] = {0x00, 0xff, 0x10, 0x80};
    std::string raw = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n\r\n";
    raw.append(reinterpret_cast<const char*>(payload), sizeof payload);
    fault_server srv(corest::test::respond(raw));
    auto r = call(get(srv.url("/")));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST((r.kind == corest::body_kind::bytes));
    BOOST_TEST(corest::to_json(r).at("bytes").as_string() == "AP8QgA==");
}

BOOST_AUTO_TEST_CASE(a_latin1_location_is_followed_as_its_bytes)
{
    // `headers` shows the value as UTF-8 ("ä" from Latin-1 0xE4); the redirect goes to the
    // byte the server sent, percent-encoded, as curl does.
    fault_server srv(corest::test::respond_sequence({
        "HTTP/1.1 302 Found\r\nLocation: /caf\xE4?q=\xE4\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    }));
    auto r = call(get(srv.url("/start")));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    const auto requests = srv.requests();
    BOOST_TEST_REQUIRE(requests.size() == 2u);
    BOOST_TEST(requests[1].rfind("GET /caf%E4?q=%E4 HTTP/1.1\r\n", 0) == 0u, requests[1]);
    BOOST_TEST(r.url == srv.url("/caf%E4?q=%E4"));
    BOOST_TEST_REQUIRE(r.history.size() == 1u);

    // A redirect response that is the result (not followed) reports the UTF-8 form.
    fault_server once(corest::test::respond("HTTP/1.1 302 Found\r\nLocation: /caf\xE4\r\nContent-Length: 0\r\n\r\n"));
    auto shown = get(once.url("/"));
    shown.allow_redirects = false;
    shown.expected_status_code = {302};
    auto s = call(shown);
    BOOST_TEST_REQUIRE(s.ok(), s.message);
    BOOST_TEST_REQUIRE(s.header("location"));
    BOOST_TEST(*s.header("location") == "/caf\xC3\xA4");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dst)

BOOST_AUTO_TEST_CASE(download_is_renamed_into_place)
{
    auto dir = scratch_dir("dst_ok");
    auto req = get(servers().httpbin + "/bytes/100000?seed=3");
    req.dst = (dir / "out.bin").string();
    auto r = call(req);
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(*r.size == 100000u);
    BOOST_TEST(*r.dst == *req.dst);
    BOOST_TEST(fs::file_size(*req.dst) == 100000u);
    BOOST_TEST((r.kind == corest::body_kind::none));
    BOOST_TEST(files_starting_with(dir, "out.bin.") == 0u);
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(large_download_streams_in_flat_memory)
{
    // 256 MiB through dst: the process's peak resident memory must not grow by
    // anything near the body's size (it grows by 0 when an earlier test peaked higher).
    constexpr std::size_t mib = 1024 * 1024;
    constexpr std::size_t total_mib = 256;
    fault_server big([](corest::test::fault_connection& c) -> boost::asio::awaitable<void> {
        auto head = co_await c.read_request_head();
        if (head.empty()) co_return;
        co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                         std::to_string(total_mib * mib) + "\r\n\r\n");
        // Straight from one block (c.write copies, and under ASan every freed copy would
        // sit in the quarantine and count as this process's memory).
        const std::string block(mib, 'z');
        for (std::size_t i = 0; i < total_mib; ++i) {
            auto [ec, n] = co_await boost::asio::async_write(c.socket(), boost::asio::buffer(block),
                                                             boost::asio::as_tuple(boost::asio::use_awaitable));
            if (ec) co_return;
        }
    });
    auto dir = scratch_dir("dst_big");
    auto req = get(big.url("/"));
    req.dst = (dir / "big.bin").string();
    const long peak_before = peak_rss_kib();
    auto r = call(req);
    const long growth_kib = peak_rss_kib() - peak_before;
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(fs::file_size(*req.dst) == total_mib * mib);
    BOOST_TEST(growth_kib < 64 * 1024, "peak RSS grew by " << growth_kib << " KiB");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(failed_download_leaves_no_file_and_keeps_the_old_one)
{
    auto dir = scratch_dir("dst_fail");
    const auto target = (dir / "keep.txt").string();
    {
        std::ofstream(target) << "old";
    }
    fault_server cut(corest::test::truncated("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial"));
    auto req = get(cut.url("/"));
    req.dst = target;
    req.retry_on_connection_error = false;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::connection_closed));
    BOOST_TEST(read_file(target) == "old");
    BOOST_TEST(files_starting_with(dir, "keep.txt.") == 0u);

    auto missing = get(servers().httpbin + "/status/404");
    missing.dst = (dir / "never.txt").string();
    auto m = call(missing);
    BOOST_TEST((m.error == corest::error::not_found));
    BOOST_TEST(!fs::exists(dir / "never.txt"));
    BOOST_TEST(files_starting_with(dir, "never.txt") == 0u);
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(unwritable_dst_is_io_error)
{
    auto req = get(servers().httpbin + "/get");
    req.dst = "/nonexistent-dir/out.json";
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::io_error));
    BOOST_TEST(r.message.find("/nonexistent-dir/out.json") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

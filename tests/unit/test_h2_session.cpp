// The HTTP/2 session without sockets: corest's client session (detail/http2/session.hpp)
// talks to an nghttp2 server session in memory; each test moves the bytes by hand and
// checks what the call's stream holds and what the server received.

#include <boost/test/unit_test.hpp>

#include <corest/body/encoded.hpp>
#include <corest/detail/http2/session.hpp>

#include <nghttp2/nghttp2.h>

#include <map>
#include <string>
#include <vector>

namespace d = corest::detail;

namespace {

/// A minimal HTTP/2 server in memory: records each request (fields and body) and answers
/// what the test queues for it.
class memory_server {
public:
    struct request {
        std::map<std::string, std::string> fields;
        std::string body;
        bool ended = false;
    };

    memory_server()
    {
        nghttp2_session_callbacks* cbs = nullptr;
        nghttp2_session_callbacks_new(&cbs);
        nghttp2_session_callbacks_set_on_header_callback(
            cbs, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl, const uint8_t* v, size_t vl,
                    uint8_t, void* u) {
                static_cast<memory_server*>(u)->requests[f->hd.stream_id].fields[std::string((const char*)n, nl)] =
                    std::string((const char*)v, vl);
                return 0;
            });
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
            cbs, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* u) {
                static_cast<memory_server*>(u)->requests[id].body.append((const char*)data, len);
                return 0;
            });
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
            if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
                static_cast<memory_server*>(u)->requests[f->hd.stream_id].ended = true;
            return 0;
        });
        nghttp2_session_callbacks_set_on_stream_close_callback(
            cbs, [](nghttp2_session*, int32_t id, uint32_t code, void* u) {
                static_cast<memory_server*>(u)->close_codes[id] = code;
                return 0;
            });
        // The test gives the window back itself, and sends header blocks above 64 KiB.
        nghttp2_option* opt = nullptr;
        nghttp2_option_new(&opt);
        nghttp2_option_set_no_auto_window_update(opt, 1);
        nghttp2_option_set_max_send_header_block_length(opt, 1 << 20);
        nghttp2_session_server_new2(&session, cbs, this, opt);
        nghttp2_option_del(opt);
        nghttp2_session_callbacks_del(cbs);
        const nghttp2_settings_entry entries[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
        nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, entries, 1);
    }
    ~memory_server() { nghttp2_session_del(session); }

    /// Answers stream `id` with `status`, `headers` and `body` (END_STREAM after it).
    void respond(int32_t id, int status, std::vector<std::pair<std::string, std::string>> headers, std::string body)
    {
        bodies[id] = std::move(body);
        offsets[id] = 0;
        std::vector<nghttp2_nv> nva;
        const std::string code = std::to_string(status);
        headers.insert(headers.begin(), {":status", code});
        held_headers.push_back(std::move(headers));
        for (auto& [n, v] : held_headers.back())
            nva.push_back({(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
        nghttp2_data_provider provider{};
        provider.source.ptr = this;
        provider.read_callback = [](nghttp2_session*, int32_t sid, uint8_t* buf, size_t length, uint32_t* flags,
                                    nghttp2_data_source* src, void*) -> ssize_t {
            auto* me = static_cast<memory_server*>(src->ptr);
            const auto& b = me->bodies[sid];
            auto& off = me->offsets[sid];
            const size_t n = std::min(length, b.size() - off);
            std::memcpy(buf, b.data() + off, n);
            off += n;
            if (off == b.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
            return static_cast<ssize_t>(n);
        };
        nghttp2_submit_response(session, id, nva.data(), nva.size(), &provider);
    }

    std::string produce()
    {
        std::string out;
        for (;;) {
            const uint8_t* data = nullptr;
            const auto n = nghttp2_session_mem_send(session, &data);
            if (n <= 0) break;
            out.append((const char*)data, static_cast<size_t>(n));
        }
        return out;
    }
    bool receive(const std::string& bytes)
    {
        return nghttp2_session_mem_recv(session, (const uint8_t*)bytes.data(), bytes.size()) >= 0;
    }

    nghttp2_session* session = nullptr;
    std::map<int32_t, request> requests;
    std::map<int32_t, uint32_t> close_codes;
    std::map<int32_t, std::string> bodies;
    std::map<int32_t, size_t> offsets;
    std::vector<std::vector<std::pair<std::string, std::string>>> held_headers;
};

/// Moves bytes both ways until neither side has more to say.
void pump(d::h2_session& client, memory_server& server)
{
    for (int i = 0; i < 50; ++i) {
        std::string to_server;
        client.produce(to_server, 1 << 20);
        if (!to_server.empty()) server.receive(to_server);
        const std::string to_client = server.produce();
        if (!to_client.empty()) client.receive(to_client.data(), to_client.size());
        if (to_server.empty() && to_client.empty()) return;
    }
}

d::h2_session::field_list get_fields(const std::string& path = "/x")
{
    return {{":method", "GET"}, {":scheme", "https"}, {":authority", "h.example"}, {":path", path},
            {"accept", "*/*"}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(h2_session)

BOOST_AUTO_TEST_CASE(a_request_and_its_response)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream s;
    BOOST_TEST_REQUIRE(client.submit(get_fields("/items?a=1"), s));
    pump(client, server);
    BOOST_TEST_REQUIRE(server.requests.count(s.id) == 1u);
    const auto& got = server.requests[s.id];
    BOOST_TEST(got.fields.at(":path") == "/items?a=1");
    BOOST_TEST(got.fields.at(":authority") == "h.example");
    BOOST_TEST(got.ended);
    server.respond(s.id, 200, {{"content-type", "text/plain"}, {"x-two", "2"}}, "hello");
    pump(client, server);
    BOOST_TEST(s.head_done);
    BOOST_TEST(s.status == 200u);
    BOOST_TEST(s.headers.size() == 2u);
    BOOST_TEST(s.headers[0].first == "content-type");
    BOOST_TEST(s.data == "hello");
    BOOST_TEST(s.ended);
    BOOST_TEST(s.closed);
    BOOST_TEST(client.active_streams() == 0u);
    BOOST_TEST(client.take_touched().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_body_of_several_segments_streams_under_flow_control)
{
    d::h2_session client;
    memory_server server;
    corest::encoded_body body;
    body.content_type = "application/octet-stream";
    body.segments.emplace_back(std::string(100000, 'a'));
    body.segments.emplace_back(std::string(70000, 'b'));
    body.content_length = 170000;
    d::h2_stream s;
    s.body = &body;
    auto fields = get_fields();
    fields[0].second = "POST";
    BOOST_TEST_REQUIRE(client.submit(fields, s));
    pump(client, server);
    // The server's default window (65,535) holds the rest back until the server consumes.
    const auto& got = server.requests[s.id];
    BOOST_TEST(got.body.size() == 65535u);
    for (int i = 0; i < 20 && !server.requests[s.id].ended; ++i) {
        nghttp2_session_consume(server.session, s.id, server.requests[s.id].body.size());
        pump(client, server);
    }
    BOOST_TEST(server.requests[s.id].ended);
    BOOST_TEST(server.requests[s.id].body == std::string(100000, 'a') + std::string(70000, 'b'));
}

BOOST_AUTO_TEST_CASE(interim_heads_are_skipped)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream s;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), s));
    pump(client, server);
    const nghttp2_nv early[] = {{(uint8_t*)":status", (uint8_t*)"103", 7, 3, NGHTTP2_NV_FLAG_NONE},
                                {(uint8_t*)"link", (uint8_t*)"</s.css>", 4, 8, NGHTTP2_NV_FLAG_NONE}};
    nghttp2_submit_headers(server.session, NGHTTP2_FLAG_NONE, s.id, nullptr, early, 2, nullptr);
    pump(client, server);
    BOOST_TEST(!s.head_done);
    BOOST_TEST(s.headers.empty());
    server.respond(s.id, 204, {}, "");
    pump(client, server);
    BOOST_TEST(s.head_done);
    BOOST_TEST(s.status == 204u);
    BOOST_TEST(s.headers.empty());
}

BOOST_AUTO_TEST_CASE(goaway_and_refused_streams_are_not_processed)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream first, second, third;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), first));
    BOOST_TEST_REQUIRE(client.submit(get_fields(), second));
    BOOST_TEST_REQUIRE(client.submit(get_fields(), third));
    pump(client, server);
    nghttp2_submit_rst_stream(server.session, NGHTTP2_FLAG_NONE, third.id, NGHTTP2_REFUSED_STREAM);
    nghttp2_submit_goaway(server.session, NGHTTP2_FLAG_NONE, first.id, NGHTTP2_NO_ERROR, nullptr, 0);
    pump(client, server);
    BOOST_TEST(client.goaway_received());
    BOOST_TEST(!client.accepts_streams());
    BOOST_TEST(client.goaway_processed().value_or(0) == 1u);
    BOOST_TEST(second.not_processed);
    BOOST_TEST(third.not_processed);
    BOOST_TEST(!first.not_processed);
    server.respond(first.id, 200, {}, "ok");
    pump(client, server);
    BOOST_TEST(first.data == "ok");
    BOOST_TEST(first.ended);
}

// A request submitted after the server's last answer but before its GOAWAY arrived is never
// sent: nghttp2 opens no stream after a GOAWAY. With no stream left active, the session
// ends at once; the waiting request was not processed (re-sent elsewhere), not broken.
BOOST_AUTO_TEST_CASE(a_request_still_queued_when_goaway_arrives_is_not_processed)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream answered;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), answered));
    pump(client, server);
    server.respond(answered.id, 200, {}, "ok");
    nghttp2_submit_goaway(server.session, NGHTTP2_FLAG_NONE, answered.id, NGHTTP2_NO_ERROR, nullptr, 0);
    const std::string answer_and_goaway = server.produce();
    d::h2_stream queued;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), queued));   // not produced yet: still queued
    BOOST_TEST(client.receive(answer_and_goaway.data(), answer_and_goaway.size()));
    BOOST_TEST(answered.data == "ok");
    BOOST_TEST(queued.not_processed);
    BOOST_TEST(queued.failure.code == corest::error::ok, queued.failure.message);
    BOOST_TEST(queued.closed);
    BOOST_TEST(client.active_streams() == 0u);
}

BOOST_AUTO_TEST_CASE(a_reset_mid_response_is_seen)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream s;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), s));
    pump(client, server);
    const nghttp2_nv head[] = {{(uint8_t*)":status", (uint8_t*)"200", 7, 3, NGHTTP2_NV_FLAG_NONE}};
    nghttp2_submit_headers(server.session, NGHTTP2_FLAG_NONE, s.id, nullptr, head, 1, nullptr);
    pump(client, server);
    nghttp2_submit_rst_stream(server.session, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_INTERNAL_ERROR);
    pump(client, server);
    BOOST_TEST(s.head_done);
    BOOST_TEST(s.closed);
    BOOST_TEST(!s.ended);
    BOOST_TEST(s.peer_reset_seen);
    BOOST_TEST(s.peer_reset == static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
    BOOST_TEST(!s.not_processed);
}

BOOST_AUTO_TEST_CASE(an_oversized_header_block_fails_the_stream)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream s;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), s));
    pump(client, server);
    std::vector<std::pair<std::string, std::string>> headers;
    for (int i = 0; i < 20; ++i) headers.emplace_back("x-big-" + std::to_string(i), std::string(4000, 'v'));
    server.respond(s.id, 200, headers, "");
    pump(client, server);
    BOOST_TEST((s.failure.code == corest::error::protocol_error));
    BOOST_TEST(s.failure.message.find("64 KiB") != std::string::npos, s.failure.message);
    BOOST_TEST(!s.head_done);
}

BOOST_AUTO_TEST_CASE(a_protocol_violation_breaks_the_connection)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream s;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), s));
    pump(client, server);
    // A PUSH_PROMISE although the client's SETTINGS said ENABLE_PUSH 0: a connection error.
    const unsigned char push[] = {0, 0, 4, 0x5, 0x4, 0, 0, 0, static_cast<unsigned char>(s.id), 0, 0, 0, 2};
    client.receive(reinterpret_cast<const char*>(push), sizeof push);
    std::string out;
    client.produce(out, 1 << 16);   // the GOAWAY
    BOOST_TEST(!client.accepts_streams());
    BOOST_TEST(s.closed);
    BOOST_TEST(!s.ended);
}

BOOST_AUTO_TEST_CASE(the_window_goes_back_as_the_call_takes_bytes)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream s;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), s));
    pump(client, server);
    const std::size_t total = 12u * 1024 * 1024;
    server.respond(s.id, 200, {}, std::string(total, 'z'));
    pump(client, server);
    // Untaken, the body stops at the stream's window.
    BOOST_TEST(!s.ended);
    BOOST_TEST(s.data.size() == d::h2_settings{}.stream_window);
    std::size_t taken = 0;
    for (int i = 0; i < 50 && !s.ended; ++i) {
        taken += s.data.size();
        client.consumed(s, s.data.size());
        s.data.clear();
        pump(client, server);
    }
    taken += s.data.size();
    BOOST_TEST(s.ended);
    BOOST_TEST(taken == total);
}

BOOST_AUTO_TEST_CASE(a_detached_stream_is_reset_and_reaches_nobody)
{
    d::h2_session client;
    memory_server server;
    d::h2_stream s;
    BOOST_TEST_REQUIRE(client.submit(get_fields(), s));
    pump(client, server);
    const auto id = s.id;
    client.detach(s);
    BOOST_TEST(client.active_streams() == 0u);
    pump(client, server);
    BOOST_TEST(server.close_codes[id] == static_cast<uint32_t>(NGHTTP2_CANCEL));   // the server saw RST_STREAM CANCEL
    server.respond(id, 200, {}, "late");
    pump(client, server);
    BOOST_TEST(s.data.empty());
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include <corest/detail/base64.hpp>
#include <corest/detail/response_headers.hpp>
#include <corest/json.hpp>

#include <boost/beast/http/fields.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace std::string_view_literals;
using corest::detail::base64_decode;
using corest::detail::base64_encode;

namespace {

std::vector<std::string> keys_of(const boost::json::object& o)
{
    std::vector<std::string> keys;
    for (const auto& kv : o) keys.emplace_back(kv.key());
    return keys;
}

corest::result response_result(corest::error e, unsigned status)
{
    corest::result r;
    r.error = e;
    r.status_code = status;
    r.reason = "Reason";
    r.headers = {{"content-type", "text/plain"}, {"set-cookie", "a=1, b=2"}};
    r.url = "https://example.com/x";
    r.attempts = 1;
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(result_json)

BOOST_AUTO_TEST_CASE(base64_known_vectors)
{
    // RFC 4648 section 10.
    BOOST_TEST(base64_encode("") == "");
    BOOST_TEST(base64_encode("f") == "Zg==");
    BOOST_TEST(base64_encode("fo") == "Zm8=");
    BOOST_TEST(base64_encode("foo") == "Zm9v");
    BOOST_TEST(base64_encode("foob") == "Zm9vYg==");
    BOOST_TEST(base64_encode("fooba") == "Zm9vYmE=");
    BOOST_TEST(base64_encode("foobar") == "Zm9vYmFy");
    BOOST_TEST(base64_encode("\x00\x01\xFF\xFE"sv) == "AAH//g==");
    BOOST_TEST(base64_encode("\xFB\xEF\xBE"sv) == "++++");
}

BOOST_AUTO_TEST_CASE(base64_decode_round_trip_and_rejects)
{
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        auto in = all.substr(0, n);
        auto out = base64_decode(base64_encode(in));
        BOOST_REQUIRE(out.has_value());
        BOOST_TEST(*out == in);
    }
    BOOST_TEST(base64_decode("Zm9vYg").value_or("-") == "foob");   // padding may be left out
    BOOST_TEST(base64_decode("").value_or("-") == "");
    BOOST_TEST(!base64_decode("Zm9v YmFy").has_value());           // whitespace
    BOOST_TEST(!base64_decode("Zm9vY").has_value());               // dangling character
    BOOST_TEST(!base64_decode("Zg=").has_value());                 // incomplete padding
    BOOST_TEST(!base64_decode("Zm9v-_").has_value());              // base64url alphabet
    BOOST_TEST(!base64_decode("Zg==Zg==").has_value());            // '=' inside
}

BOOST_AUTO_TEST_CASE(error_without_response)
{
    auto r = corest::make_error_result(corest::error::invalid_input, "port must be 1-65535");
    auto o = corest::to_json(r);
    std::vector<std::string> expected{"status", "message", "error", "cookies", "url",
                                      "history", "attempts", "timings", "log"};
    BOOST_TEST(keys_of(o) == expected, boost::test_tools::per_element());
    BOOST_TEST(o.at("status").as_string() == "error");
    BOOST_TEST(o.at("message").as_string() == "port must be 1-65535");
    BOOST_TEST(o.at("error").as_string() == "INVALID_INPUT");
    BOOST_TEST(o.at("cookies").as_object().empty());
    BOOST_TEST(o.at("history").as_array().empty());
    BOOST_TEST(o.at("attempts").as_uint64() == 0u);
    BOOST_TEST(o.at("log").as_array().empty());
}

BOOST_AUTO_TEST_CASE(success_with_json_body)
{
    auto r = response_result(corest::error::ok, 200);
    r.reason = "OK";
    r.cookies = {{"session", "abc"}, {"theme", "dark"}};
    r.body = "{\"a\":1}";
    r.kind = corest::body_kind::json;
    r.json_body = boost::json::object{{"a", 1}};
    r.encoding = "utf-8";
    r.http_version = "1.1";
    r.history = {{301, "http://example.com/x"}, {302, "https://example.com/y"}};
    r.attempts = 2;
    r.timings = {0.5, 0.25, 0.125, 1.5, 2.0};
    r.log = {"attempt 1", "retry"};

    auto o = corest::to_json(r);
    std::vector<std::string> expected{"status", "message", "status_code", "reason", "headers", "cookies",
                                      "encoding", "json", "url", "http_version", "history", "attempts",
                                      "timings", "log"};
    BOOST_TEST(keys_of(o) == expected, boost::test_tools::per_element());
    BOOST_TEST(o.at("status").as_string() == "success");
    BOOST_TEST(o.at("message").as_string() == "");
    BOOST_TEST(o.at("status_code").as_uint64() == 200u);
    BOOST_TEST(o.at("reason").as_string() == "OK");
    BOOST_TEST(boost::json::serialize(o.at("headers")) ==
               R"({"content-type":"text/plain","set-cookie":"a=1, b=2"})");
    BOOST_TEST(boost::json::serialize(o.at("cookies")) == R"({"session":"abc","theme":"dark"})");
    BOOST_TEST(o.at("encoding").as_string() == "utf-8");
    BOOST_TEST(boost::json::serialize(o.at("json")) == R"({"a":1})");
    BOOST_TEST(o.at("url").as_string() == "https://example.com/x");
    BOOST_TEST(boost::json::serialize(o.at("history")) ==
               R"([{"status_code":301,"url":"http://example.com/x"},{"status_code":302,"url":"https://example.com/y"}])");
    BOOST_TEST(o.at("attempts").as_uint64() == 2u);
    const auto& t = o.at("timings").as_object();
    BOOST_TEST(keys_of(t) == (std::vector<std::string>{"dns", "connect", "tls", "ttfb", "total"}),
               boost::test_tools::per_element());
    BOOST_TEST(t.at("dns").as_double() == 0.5);
    BOOST_TEST(t.at("connect").as_double() == 0.25);
    BOOST_TEST(t.at("tls").as_double() == 0.125);
    BOOST_TEST(t.at("ttfb").as_double() == 1.5);
    BOOST_TEST(t.at("total").as_double() == 2.0);
    BOOST_TEST(boost::json::serialize(o.at("log")) == R"(["attempt 1","retry"])");
}

BOOST_AUTO_TEST_CASE(json_null_body_is_present)
{
    auto r = response_result(corest::error::ok, 200);
    r.body = "null";
    r.kind = corest::body_kind::json;
    r.json_body = nullptr;
    auto o = corest::to_json(r);
    BOOST_REQUIRE(o.contains("json"));
    BOOST_TEST(o.at("json").is_null());
    BOOST_TEST(!o.contains("text"));
    BOOST_TEST(!o.contains("bytes"));
}

BOOST_AUTO_TEST_CASE(unexpected_status_keeps_response_and_text)
{
    auto r = response_result(corest::error::not_found, 404);
    r.message = "the server answered 404";
    r.body = "no such item";
    r.kind = corest::body_kind::text;
    r.encoding = "utf-8";
    auto o = corest::to_json(r);
    BOOST_TEST(o.at("status").as_string() == "error");
    BOOST_TEST(o.at("error").as_string() == "NOT_FOUND");
    BOOST_TEST(o.at("status_code").as_uint64() == 404u);
    BOOST_TEST(o.at("reason").as_string() == "Reason");
    BOOST_TEST(o.at("text").as_string() == "no such item");
    BOOST_TEST(!o.contains("json"));
    BOOST_TEST(!o.contains("bytes"));
    BOOST_TEST(!o.contains("dst"));
    BOOST_TEST(!o.contains("size"));
}

BOOST_AUTO_TEST_CASE(bytes_are_base64)
{
    auto r = response_result(corest::error::ok, 200);
    r.body = std::string("\x00\x01\xFF"sv);
    r.kind = corest::body_kind::bytes;
    auto o = corest::to_json(r);
    BOOST_TEST(o.at("bytes").as_string() == "AAH/");
    BOOST_TEST(!o.contains("encoding"));
    BOOST_TEST(!o.contains("text"));
    BOOST_TEST(!o.contains("json"));
}

BOOST_AUTO_TEST_CASE(no_body_output_when_kind_none)
{
    auto r = response_result(corest::error::ok, 204);
    auto o = corest::to_json(r);
    BOOST_TEST(!o.contains("json"));
    BOOST_TEST(!o.contains("text"));
    BOOST_TEST(!o.contains("bytes"));
    BOOST_TEST(!o.contains("encoding"));
    BOOST_TEST(o.at("status_code").as_uint64() == 204u);
}

BOOST_AUTO_TEST_CASE(dst_and_size)
{
    auto r = response_result(corest::error::ok, 200);
    r.dst = "/tmp/out.bin";
    r.size = 12345;
    auto o = corest::to_json(r);
    std::vector<std::string> expected{"status", "message", "status_code", "reason", "headers", "cookies",
                                      "dst", "size", "url", "history", "attempts", "timings", "log"};
    BOOST_TEST(keys_of(o) == expected, boost::test_tools::per_element());
    BOOST_TEST(o.at("dst").as_string() == "/tmp/out.bin");
    BOOST_TEST(o.at("size").as_uint64() == 12345u);
}

BOOST_AUTO_TEST_CASE(transport_error_has_no_response_keys)
{
    corest::result r;
    r.error = corest::error::connect_failed;
    r.message = "could not connect";
    r.url = "https://example.com/";
    r.attempts = 3;
    auto o = corest::to_json(r);
    BOOST_TEST(o.at("error").as_string() == "CONNECT_FAILED");
    BOOST_TEST(!o.contains("status_code"));
    BOOST_TEST(!o.contains("reason"));
    BOOST_TEST(!o.contains("headers"));
    BOOST_TEST(o.contains("cookies"));
    BOOST_TEST(o.at("attempts").as_uint64() == 3u);
}

BOOST_AUTO_TEST_CASE(response_headers_are_lower_cased_and_joined)
{
    boost::beast::http::fields f;
    f.insert("Content-Type", "text/html");
    f.insert("X-Multi", "one");
    f.insert("Set-Cookie", "a=1; Path=/");
    f.insert("x-multi", "two");
    f.insert("SET-COOKIE", "b=2");
    f.insert("X-Latin", std::string("caf\xE9"sv));
    f.insert("X-Utf8", std::string("caf\xC3\xA9"sv));
    f.insert("X-MULTI", "three");
    auto h = corest::detail::normalize_headers(f);
    corest::header_list expected{{"content-type", "text/html"},
                                 {"x-multi", "one, two, three"},
                                 {"set-cookie", "a=1; Path=/, b=2"},
                                 {"x-latin", "caf\xC3\xA9"},   // obs-text read as ISO-8859-1
                                 {"x-utf8", "caf\xC3\xA9"}};
    BOOST_REQUIRE(h.size() == expected.size());
    for (std::size_t i = 0; i < h.size(); ++i) {
        BOOST_TEST(h[i].first == expected[i].first);
        BOOST_TEST(h[i].second == expected[i].second);
    }
    BOOST_TEST(corest::detail::normalize_headers(boost::beast::http::fields{}).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// Plain-HTTP behaviour against httpbin: methods, params, headers, bodies, status
// mapping, body classification, cookies and redirects.

#include "support/call.hpp"
#include "support/servers.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>
#include <vector>

using corest::test::call;
using corest::test::call_json;
using corest::test::get;
using corest::test::json_object;
using corest::test::prefer_test_http_version;
using corest::test::servers;

namespace {
std::string header_echo(const corest::result& r, const char* name)
{
    const auto& headers = json_object(r).at("headers").as_object();
    auto* v = headers.if_contains(name);
    return v ? std::string(v->as_string()) : std::string();
}
} // namespace

BOOST_AUTO_TEST_SUITE(http)

BOOST_AUTO_TEST_CASE(get_succeeds_with_defaults)
{
    auto r = call(get(servers().httpbin + "/get"));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(*r.status_code == 200u);
    BOOST_TEST(r.reason == "OK");
    BOOST_TEST(r.attempts == 1u);
    BOOST_TEST(r.url == servers().httpbin + "/get");
    BOOST_TEST((r.kind == corest::body_kind::json));
    BOOST_TEST(header_echo(r, "User-Agent") == std::string("corest/") + corest::version);
    BOOST_TEST(header_echo(r, "Accept") == "*/*");
    BOOST_TEST(header_echo(r, "Accept-Encoding") == "gzip, deflate");
    BOOST_TEST(r.timings.total > 0.0);
    BOOST_TEST(r.timings.ttfb > 0.0);
    BOOST_REQUIRE(r.header("content-type"));
    BOOST_TEST(*r.header("content-type") == "application/json");
}

BOOST_AUTO_TEST_CASE(params_are_encoded_in_order)
{
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/get?x=0", "params": {"a": "1 2", "b": ["p+q", "r"], "c": true, "d": null, "e": 5}})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.url == servers().httpbin + "/get?x=0&a=1%202&b=p%2Bq&b=r&c=true&e=5");
    const auto& args = json_object(r).at("args").as_object();
    BOOST_TEST(args.at("a").as_string() == "1 2");
    BOOST_TEST(args.at("b").as_array().size() == 2u);
    BOOST_TEST(args.at("b").as_array()[0].as_string() == "p+q");
    BOOST_TEST(!args.contains("d"));
}

BOOST_AUTO_TEST_CASE(url_parts_compose)
{
    auto host = servers().httpbin.substr(std::string("http://").size());
    auto colon = host.rfind(':');
    auto r = call_json(R"({"scheme":"http","hostname":")" + host.substr(0, colon) + R"(","port":)" +
                       host.substr(colon + 1) + R"(,"base_path":"/anything/","path":"/v1/items"})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(json_object(r).at("url").as_string() == servers().httpbin + "/anything/v1/items");
}

BOOST_AUTO_TEST_CASE(every_method_reaches_the_server)
{
    for (const char* m : {"get", "POST", "put", "patch", "delete", "options"}) {
        auto r = call_json(R"({"url":")" + servers().httpbin + R"(/anything","method":")" + m + R"("})");
        BOOST_TEST_REQUIRE(r.ok(), m << ": " << r.message);
        if (std::string_view(m) != "options") {
            std::string upper(m);
            for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            BOOST_TEST(json_object(r).at("method").as_string() == upper);
        }
    }
    auto head = call_json(R"({"url":")" + servers().httpbin + R"(/get","method":"HEAD"})");
    BOOST_TEST_REQUIRE(head.ok(), head.message);
    BOOST_TEST((head.kind == corest::body_kind::none));
}

BOOST_AUTO_TEST_CASE(json_body_is_sent_with_its_content_type)
{
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/post","method":"post","json":{"name":"spam","n":[1,2]}})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(json_object(r).at("json").as_object().at("name").as_string() == "spam");
    BOOST_TEST(header_echo(r, "Content-Type") == "application/json");
}

BOOST_AUTO_TEST_CASE(json_null_sends_null)
{
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/post","method":"post","json":null})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(json_object(r).at("data").as_string() == "null");
}

BOOST_AUTO_TEST_CASE(text_and_urlencoded_bodies)
{
    auto t = call_json(R"({"url":")" + servers().httpbin + R"(/post","method":"post","text":"héllo"})");
    BOOST_TEST_REQUIRE(t.ok(), t.message);
    BOOST_TEST(json_object(t).at("data").as_string() == "héllo");
    BOOST_TEST(header_echo(t, "Content-Type") == "text/plain; charset=utf-8");

    auto f = call_json(R"({"url":")" + servers().httpbin + R"(/post","method":"post","urlencoded":{"a":"1 2","b":["x","y"],"c":false}})");
    BOOST_TEST_REQUIRE(f.ok(), f.message);
    const auto& form = json_object(f).at("form").as_object();
    BOOST_TEST(form.at("a").as_string() == "1 2");
    BOOST_TEST(form.at("b").as_array().size() == 2u);
    BOOST_TEST(form.at("c").as_string() == "false");
}

BOOST_AUTO_TEST_CASE(multipart_with_a_file_part)
{
    const std::string path = "/tmp/corest_test_upload.txt";
    {
        std::ofstream out(path, std::ios::binary);
        out << "file contents\n";
    }
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/post","method":"post","multipart":{"parts":[
        {"name":"field","value":"v1"},{"name":"upload","file":")" + path + R"(","filename":"notes.txt"}]}})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(json_object(r).at("form").as_object().at("field").as_string() == "v1");
    BOOST_TEST(json_object(r).at("files").as_object().at("upload").as_string() == "file contents\n");
    BOOST_TEST(header_echo(r, "Content-Type").rfind("multipart/form-data; boundary=", 0) == 0u);
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(headers_and_cookies_are_sent)
{
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/headers","headers":{"X-Trace":"abc","User-Agent":"mine/1"},
        "cookies":{"session":"s1","theme":"dark"}})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(header_echo(r, "X-Trace") == "abc");
    BOOST_TEST(header_echo(r, "User-Agent") == "mine/1");
    BOOST_TEST(header_echo(r, "Cookie") == "session=s1; theme=dark");
}

BOOST_AUTO_TEST_CASE(unexpected_status_is_an_error_that_keeps_the_response)
{
    const std::pair<unsigned, corest::error> table[] = {
        {400, corest::error::bad_request}, {401, corest::error::unauthorized}, {403, corest::error::forbidden},
        {404, corest::error::not_found},   {409, corest::error::conflict},     {410, corest::error::gone},
        {418, corest::error::unexpected_status}, {500, corest::error::internal_server_error},
        {501, corest::error::not_implemented}};
    for (auto [status, code] : table) {
        auto r = call(get(servers().httpbin + "/status/" + std::to_string(status)));
        BOOST_TEST((r.error == code), status << " gave " << r.error);
        BOOST_TEST(*r.status_code == status);
        BOOST_TEST(!r.message.empty());
    }
}

BOOST_AUTO_TEST_CASE(expected_status_code_decides_success)
{
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/status/404","expected_status_code":[404]})");
    BOOST_TEST(r.ok());
    auto s = call_json(R"({"url":")" + servers().httpbin + R"(/get","expected_status_code":[201]})");
    BOOST_TEST((s.error == corest::error::unexpected_status));
    BOOST_TEST((s.kind == corest::body_kind::json));
}

BOOST_AUTO_TEST_CASE(body_classification)
{
    auto text = call(get(servers().httpbin + "/html"));
    BOOST_TEST_REQUIRE(text.ok(), text.message);
    BOOST_TEST((text.kind == corest::body_kind::text));
    BOOST_TEST(*text.encoding == "utf-8");

    auto bytes = call(get(servers().httpbin + "/bytes/64?seed=1"));
    BOOST_TEST_REQUIRE(bytes.ok(), bytes.message);
    BOOST_TEST((bytes.kind == corest::body_kind::bytes));
    BOOST_TEST(bytes.body.size() == 64u);
    auto j = corest::to_json(bytes);
    BOOST_TEST(j.contains("bytes"));
    BOOST_TEST(!j.contains("text"));

    auto empty = call(get(servers().httpbin + "/status/204"));
    BOOST_TEST(empty.ok());
    BOOST_TEST((empty.kind == corest::body_kind::none));
    BOOST_TEST(!corest::to_json(empty).contains("json"));
}

BOOST_AUTO_TEST_CASE(gzip_and_deflate_are_decoded)
{
    auto g = call(get(servers().httpbin + "/gzip"));
    BOOST_TEST_REQUIRE(g.ok(), g.message);
    BOOST_TEST(json_object(g).at("gzipped").as_bool());
    auto d = call(get(servers().httpbin + "/deflate"));
    BOOST_TEST_REQUIRE(d.ok(), d.message);
    BOOST_TEST(json_object(d).at("deflated").as_bool());

    auto raw = get(servers().httpbin + "/gzip");
    raw.decompress = false;
    auto kept = call(raw);
    BOOST_TEST_REQUIRE(kept.ok(), kept.message);
    BOOST_TEST((kept.kind == corest::body_kind::bytes));
}

BOOST_AUTO_TEST_CASE(chunked_response)
{
    auto r = call(get(servers().httpbin + "/stream/5"));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST((r.kind == corest::body_kind::text));
    BOOST_TEST(std::count(r.body.begin(), r.body.end(), '\n') == 5);
}

BOOST_AUTO_TEST_CASE(basic_auth_from_username_and_from_authentication)
{
    auto a = call_json(R"({"url":")" + servers().httpbin + R"(/basic-auth/u/p","username":"u","password":"p"})");
    BOOST_TEST(a.ok(), a.message);
    auto b = call_json(R"({"url":")" + servers().httpbin + R"(/basic-auth/u/p","authentication":{"type":"basic","username":"u","password":"p"}})");
    BOOST_TEST(b.ok(), b.message);
    auto wrong = call_json(R"({"url":")" + servers().httpbin + R"(/basic-auth/u/p","username":"u","password":"nope-secret"})");
    BOOST_TEST((wrong.error == corest::error::unauthorized));
    BOOST_TEST(corest::to_json(wrong).size() > 0u);
    BOOST_TEST(boost::json::serialize(corest::to_json(wrong)).find("nope-secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bearer_and_api_key)
{
    auto b = call_json(R"({"url":")" + servers().httpbin + R"(/bearer","authentication":{"type":"bearer","token":"tok-123"}})");
    BOOST_TEST_REQUIRE(b.ok(), b.message);
    BOOST_TEST(json_object(b).at("token").as_string() == "tok-123");

    auto h = call_json(R"({"url":")" + servers().httpbin + R"(/headers","authentication":{"type":"api_key","name":"X-Api-Key","value":"k-secret"}})");
    BOOST_TEST_REQUIRE(h.ok(), h.message);
    BOOST_TEST(header_echo(h, "X-Api-Key") == "k-secret");

    auto q = call_json(R"({"url":")" + servers().httpbin + R"(/get","authentication":{"type":"api_key","name":"key","value":"k-secret","location":"query"}})");
    BOOST_TEST_REQUIRE(q.ok(), q.message);
    BOOST_TEST(json_object(q).at("args").as_object().at("key").as_string() == "k-secret");
    BOOST_TEST(q.url.find("k-secret") == std::string::npos);
    BOOST_TEST(q.url.find("key=***") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(credentials_in_the_url_stay_with_their_call)
{
    // A client shares the URLs its calls parse; what one call takes out of its URL
    // (userinfo) or adds to it (an API key in the query) must not reach the next call.
    const std::string base = servers().httpbin;
    const std::string with_userinfo = "http://u:p@" + base.substr(std::string("http://").size()) + "/basic-auth/u/p";
    corest::request keyed = get(base + "/get");
    keyed.authentication = corest::api_key_auth{"key", corest::secret("k-secret"), corest::api_key_location::query};
    std::vector<corest::request> calls{get(with_userinfo), get(with_userinfo), keyed, keyed, get(base + "/get")};
    for (auto& r : calls) prefer_test_http_version(r);
    auto results = corest::test::run_coro(
        [&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
            corest::client c{ex};
            std::vector<corest::result> out;
            for (const auto& r : calls) out.push_back(co_await c.execute(r));
            co_return out;
        });
    for (const auto& r : results) BOOST_TEST_REQUIRE(r.ok(), r.message);
    for (int i : {2, 3}) BOOST_TEST(json_object(results[i]).at("args").as_object().at("key") == "k-secret");
    BOOST_TEST(!json_object(results[4]).at("args").as_object().contains("key"));
}

BOOST_AUTO_TEST_CASE(invalid_input_is_reported_before_sending)
{
    auto r = call_json(R"({"url":"http://127.0.0.1:1/","headers":{"X":"a\r\nInjected: 1"}})");
    BOOST_TEST((r.error == corest::error::invalid_input));
    BOOST_TEST(r.message.find("headers") != std::string::npos);
    auto m = call_json(R"({"method":"get"})");
    BOOST_TEST((m.error == corest::error::missing_input));
    auto u = call_json(R"({"url":"http://127.0.0.1:1/","retry_backoff":{"intial":1}})");
    BOOST_TEST((u.error == corest::error::invalid_input));
    BOOST_TEST(u.message.find("retry_backoff.intial") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(execute_copies_the_request)
{
    // execute(req) copies before it returns: a stored awaitable ignores later changes to req.
    auto results = corest::test::run_coro(
        [](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
            corest::client c{ex};
            std::vector<corest::result> out;
            corest::request req = get(servers().httpbin + "/get?copied=1");
            prefer_test_http_version(req);
            auto copied = c.execute(req);
            req.url = servers().httpbin + "/get?changed=1";
            out.push_back(co_await std::move(copied));
            co_return out;
        });
    BOOST_TEST_REQUIRE(results.size() == 1u);
    BOOST_TEST(results[0].ok());
    BOOST_TEST(results[0].url == servers().httpbin + "/get?copied=1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(redirects)

BOOST_AUTO_TEST_CASE(relative_and_absolute_redirects_are_followed)
{
    auto r = call(get(servers().httpbin + "/redirect/3"));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(r.history.size() == 3u);
    BOOST_TEST(r.history[0].url == servers().httpbin + "/redirect/3");
    BOOST_TEST(r.history[0].status_code == 302u);
    BOOST_TEST(r.url == servers().httpbin + "/get");

    auto a = call(get(servers().httpbin + "/absolute-redirect/2"));
    BOOST_TEST_REQUIRE(a.ok(), a.message);
    BOOST_TEST(a.history.size() == 2u);
}

BOOST_AUTO_TEST_CASE(too_many_and_disabled)
{
    auto req = get(servers().httpbin + "/redirect/3");
    req.max_redirects = 2;
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::too_many_redirects));

    req.max_redirects = 0;
    BOOST_TEST((call(req).error == corest::error::too_many_redirects));

    auto off = get(servers().httpbin + "/redirect/1");
    off.allow_redirects = false;
    off.expected_status_code = {302};
    auto o = call(off);
    BOOST_TEST(o.ok(), o.message);
    BOOST_TEST(*o.status_code == 302u);
    BOOST_TEST(o.history.empty());
}

BOOST_AUTO_TEST_CASE(post_becomes_get_on_302_and_307_keeps_it)
{
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/redirect-to?url=/anything&status_code=302","method":"post","json":{"a":1}})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST(json_object(r).at("method").as_string() == "GET");
    BOOST_TEST(json_object(r).at("data").as_string() == "");

    auto k = call_json(R"({"url":")" + servers().httpbin + R"(/redirect-to?url=/anything&status_code=307","method":"post","json":{"a":1}})");
    BOOST_TEST_REQUIRE(k.ok(), k.message);
    BOOST_TEST(json_object(k).at("method").as_string() == "POST");
    BOOST_TEST(json_object(k).at("json").as_object().at("a").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(credentials_do_not_cross_origins)
{
    const auto target = servers().httpbin2 + "/headers";
    auto r = call_json(R"({"url":")" + servers().httpbin + R"(/redirect-to?url=)" + target +
                       R"(","headers":{"Authorization":"Bearer leak","Cookie":"c=1","X-Keep":"yes"},"username":"u","password":"p"})");
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    const auto& h = json_object(r).at("headers").as_object();
    BOOST_TEST(!h.contains("Authorization"));
    BOOST_TEST(!h.contains("Cookie"));
    BOOST_TEST(h.at("X-Keep").as_string() == "yes");

    auto same = call_json(R"({"url":")" + servers().httpbin + R"(/redirect-to?url=/headers","username":"u","password":"p"})");
    BOOST_TEST_REQUIRE(same.ok(), same.message);
    BOOST_TEST(json_object(same).at("headers").as_object().contains("Authorization"));
}

BOOST_AUTO_TEST_CASE(non_http_redirect_is_refused)
{
    auto r = call(get(servers().httpbin + "/redirect-to?url=ftp://example.com/x"));
    BOOST_TEST((r.error == corest::error::redirect_refused));
}

BOOST_AUTO_TEST_CASE(cookies_set_on_a_hop_are_sent_and_reported)
{
    auto r = call(get(servers().httpbin + "/cookies/set?flavour=oat&size=big"));
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    const auto& seen = json_object(r).at("cookies").as_object();
    BOOST_TEST(seen.at("flavour").as_string() == "oat");
    BOOST_TEST(r.cookies.size() == 2u);
    auto j = corest::to_json(r);
    BOOST_TEST(j.at("cookies").as_object().at("size").as_string() == "big");
}

BOOST_AUTO_TEST_SUITE_END()

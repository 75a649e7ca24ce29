// OAuth2 client credentials against a real token endpoint (in-process), and
// redaction: no secret value in any output, on success and failure paths.

#include <corest/batch.hpp>

#include "support/call.hpp"
#include "support/servers.hpp"
#include "support/token_server.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

using corest::test::call;
using corest::test::run_coro;
using corest::test::token_server;

namespace {
corest::request oauth_call(const token_server& ts, corest::client_authentication how = corest::client_authentication::body)
{
    corest::request r;
    r.url = ts.api_url();
    corest::oauth2_client_credentials o;
    o.token_url = ts.token_url();
    o.client_id = "app";
    o.client_secret = corest::secret("s3cret-value");
    o.scopes = {"read", "write"};
    o.client_auth = how;
    r.authentication = o;
    return r;
}

std::vector<corest::result> concurrent_calls(const corest::request& req, int n)
{
    return run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        corest::client c{ex};
        std::vector<corest::result> out;
        std::size_t next = 0;
        co_await corest::run_batch(
            c,
            [&]() -> std::optional<corest::batch_item> {
                if (next++ == static_cast<std::size_t>(n)) return std::nullopt;
                return corest::batch_item{req, {}};
            },
            [&](std::size_t, corest::result&& r) { out.push_back(std::move(r)); }, static_cast<std::size_t>(n));
        co_return out;
    });
}

void expect_no_secret(const corest::result& r, std::string_view secret)
{
    auto text = boost::json::serialize(corest::to_json(r));
    BOOST_TEST(text.find(secret) == std::string::npos, "secret leaked in: " << text);
}
} // namespace

BOOST_AUTO_TEST_SUITE(oauth2)

BOOST_AUTO_TEST_CASE(token_is_fetched_once_and_reused)
{
    token_server ts;
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        corest::client c{ex};
        std::vector<corest::result> out;
        for (int i = 0; i < 3; ++i) out.push_back(co_await c.execute(oauth_call(ts)));
        co_return out;
    });
    for (const auto& r : results) {
        BOOST_TEST(r.ok(), r.message);
        expect_no_secret(r, "s3cret-value");
        expect_no_secret(r, "tok-1");
    }
    BOOST_TEST(ts.tokens_issued() == 1);
    BOOST_TEST(ts.last_token_request_body().find("scope=read%20write") != std::string::npos, ts.last_token_request_body());
}

BOOST_AUTO_TEST_CASE(single_flight_under_200_concurrent_calls)
{
    token_server ts("app", "s3cret-value", 3600, std::chrono::milliseconds(200));
    auto results = concurrent_calls(oauth_call(ts), 200);
    BOOST_TEST(results.size() == 200u);
    for (const auto& r : results) BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(ts.tokens_issued() == 1);
}

BOOST_AUTO_TEST_CASE(basic_header_client_authentication)
{
    token_server ts;
    auto r = call(oauth_call(ts, corest::client_authentication::basic_header));
    BOOST_TEST(r.ok(), r.message);
    BOOST_TEST(ts.last_token_request_body().find("client_secret") == std::string::npos);
    BOOST_TEST(ts.last_token_request_head().find("Authorization: Basic ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(revoked_token_is_refreshed_once_on_401)
{
    token_server ts;
    auto results = run_coro([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<std::vector<corest::result>> {
        corest::client c{ex};
        std::vector<corest::result> out;
        out.push_back(co_await c.execute(oauth_call(ts)));
        ts.revoke_all();
        out.push_back(co_await c.execute(oauth_call(ts)));
        co_return out;
    });
    BOOST_TEST(results[0].ok(), results[0].message);
    BOOST_TEST_REQUIRE(results[1].ok(), results[1].message);
    BOOST_TEST(results[1].attempts == 1u);
    BOOST_TEST(ts.tokens_issued() == 2);
}

BOOST_AUTO_TEST_CASE(wrong_secret_is_auth_failed_without_the_secret)
{
    token_server ts;
    auto req = oauth_call(ts);
    std::get<corest::oauth2_client_credentials>(req.authentication).client_secret = corest::secret("wrong-secret-xyz");
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::auth_failed));
    BOOST_TEST(r.message.find("401") != std::string::npos, r.message);
    expect_no_secret(r, "wrong-secret-xyz");
    BOOST_TEST(ts.api_calls() == 0);
}

BOOST_AUTO_TEST_CASE(token_endpoint_down_is_auth_failed)
{
    token_server ts;
    auto req = oauth_call(ts);
    std::get<corest::oauth2_client_credentials>(req.authentication).token_url = "http://127.0.0.1:1/token";
    auto r = call(req);
    BOOST_TEST((r.error == corest::error::auth_failed));
    BOOST_TEST(r.attempts == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(redaction)

BOOST_AUTO_TEST_CASE(no_secret_in_any_output)
{
    const auto& s = corest::test::servers();
    const std::string secret = "Pa55-word-7788";
    const std::string inputs[] = {
        R"({"url":")" + s.httpbin + R"(/basic-auth/u/x","username":"u","password":")" + secret + R"("})",
        R"({"url":")" + s.httpbin + R"(/status/500","retry_backoff":{"initial":0,"deadline":0},"authentication":{"type":"bearer","token":")" + secret + R"("}})",
        R"({"url":")" + s.httpbin + R"(/status/401","authentication":{"type":"api_key","name":"k","value":")" + secret + R"(","location":"query"}})",
        R"({"url":"http://u:)" + secret + R"(@127.0.0.1:1/x","retry_on_connection_error":false})",
        R"({"url":"http://no-such-host.invalid/","authentication":{"type":"api_key","name":"k","value":")" + secret + R"(","location":"query"}})",
        R"({"url":"http://127.0.0.1:1/","authentication":{"type":"oauth2_client_credentials","token_url":"http://127.0.0.1:1/t","client_id":"c","client_secret":")" + secret + R"("}})",
        R"({"url":"http://127.0.0.1:1/","headers":{"Authorization":"x\ny"},"password":")" + secret + R"(","username":"u"})",
    };
    for (const auto& in : inputs) {
        auto r = corest::test::call_json(in);
        BOOST_TEST(!r.ok());
        expect_no_secret(r, secret);
    }
}

BOOST_AUTO_TEST_SUITE_END()

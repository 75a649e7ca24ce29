#include <boost/test/unit_test.hpp>

#include <corest/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=corest-test -days 36500`
constexpr const char* cert_pem = R"(-----BEGIN CERTIFICATE-----
MIIBgzCCASmgAwIBAgIUPGQNNb/pZMjhs9kDj6xy7N7MH/kwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLY29yZXN0LXRlc3QwIBcNMjYxMTI4MDQ0NDUzWhgPMjEyNjEx
MDQwNDQ0NTNaMBYxFDASBgNVBAMMC2NvcmVzdC10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEsIcsAiu055dHHdlm1XhCnj2kxEl/G7OqlLs9kv0duTAKFG7H
pepoz+2j1mvlGFx3tVZV5iDHJ2/JO3nOjE2UIaNTMFEwHQYDVR0OBBYEFNFvof8y
3Cn6PL/4KJjjzX4f3+dgMB8GA1UdIwQYMBaAFNFvof8y3Cn6PL/4KJjjzX4f3+dg
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAKH+Kgt4wvEJJ/MS
1ZUusmwmxIXGSNpEDR/xc2v90aH0AiBFcEaXM7NLJFz0u3u/V4Lei+ZAeRWyNLa3
L+2E2YwDiw==
-----END CERTIFICATE-----
)";
constexpr const char* key_pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmZZ8Ru1/WHoqm01p
Qq+3xQfSlTVjpMajVlkHSy9LrEehRANCAASwhywCK7Tnl0cd2WbVeEKePaTESX8b
s6qUuz2S/R25MAoUbsel6mjP7aPWa+UYXHe1VlXmIMcnb8k7ec6MTZQh
-----END PRIVATE KEY-----
)";

corest::from_json_result parse(std::string_view text)
{
    return corest::request::from_json(boost::json::parse(text));
}

struct problem_case {
    std::string json;
    corest::error code;
    std::string message;
};

void check_problems(const std::vector<problem_case>& cases)
{
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.json)
        {
            auto got = parse(c.json);
            BOOST_TEST(got.problem.code == c.code);
            BOOST_TEST(got.problem.message == c.message);
        }
    }
}

/// `{"url": "https://h/", <rest>}`
std::string with_url(std::string_view rest)
{
    return "{\"url\":\"https://h/\"" + (rest.empty() ? std::string() : "," + std::string(rest)) + "}";
}

struct temp_file {
    std::filesystem::path path;
    explicit temp_file(const std::string& content)
    {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("corest_test_request_json_" + std::to_string(rd()) + ".txt");
        std::ofstream(path, std::ios::binary) << content;
    }
    ~temp_file()
    {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(request_json)

BOOST_AUTO_TEST_CASE(defaults)
{
    auto got = parse(R"({"url": "https://h/"})");
    BOOST_TEST_REQUIRE(got.ok(), got.problem.message);
    const corest::request& r = got.request;
    const corest::request d;
    BOOST_TEST(*r.url == "https://h/");
    BOOST_TEST(!r.scheme);
    BOOST_TEST(!r.hostname);
    BOOST_TEST(!r.port);
    BOOST_TEST(!r.base_path);
    BOOST_TEST(!r.path);
    BOOST_TEST(r.params.empty());
    BOOST_TEST(r.encode_url);
    BOOST_TEST((r.method == corest::method::get));
    BOOST_TEST(r.headers.empty());
    BOOST_TEST(r.cookies.empty());
    BOOST_TEST(std::holds_alternative<std::monostate>(r.body));
    BOOST_TEST(std::holds_alternative<corest::no_auth>(r.authentication));
    BOOST_TEST(r.verify_ssl);
    BOOST_TEST(r.check_hostname);
    BOOST_TEST(!r.cacert);
    BOOST_TEST(!r.client_cert);
    BOOST_TEST(!r.client_key);
    BOOST_TEST((r.tls_min_version == corest::tls_version::v1_2));
    BOOST_TEST(r.allow_redirects);
    BOOST_TEST(r.max_redirects == 10u);
    BOOST_TEST(r.connect_timeout.count() == 20.0);
    BOOST_TEST(r.read_timeout.count() == 20.0);
    BOOST_TEST(r.write_timeout.count() == 0.0);
    BOOST_TEST(r.total_timeout.count() == 0.0);
    BOOST_TEST(r.expected_status_code == (std::vector<unsigned>{200, 201, 202, 204}), boost::test_tools::per_element());
    BOOST_TEST(r.retry_status_code == (std::vector<unsigned>{502, 503, 504}), boost::test_tools::per_element());
    BOOST_TEST(r.retry_backoff.initial == 1.0);
    BOOST_TEST(r.retry_backoff.maximum == 60.0);
    BOOST_TEST(r.retry_backoff.multiplier == 2.0);
    BOOST_TEST(r.retry_backoff.deadline == 600.0);
    BOOST_TEST(r.retry_on_connection_error);
    BOOST_TEST(!r.retry_non_idempotent);
    BOOST_TEST(!r.dst);
    BOOST_TEST(!r.max_response_bytes);
    BOOST_TEST(r.decompress);
    BOOST_TEST(!r.circuit_breaker.enabled);
    BOOST_TEST(r.circuit_breaker.failure_threshold == d.circuit_breaker.failure_threshold);
    BOOST_TEST(r.circuit_breaker.open_seconds == 30.0);
}

BOOST_AUTO_TEST_CASE(every_input_mapped)
{
    temp_file upload("file body");
    auto v = boost::json::parse(R"({
        "url": "https://api.example.com/x", "scheme": "HTTP", "hostname": "h.example", "port": 8443,
        "base_path": "/v1", "path": "items", "params": {"q": "a b", "n": 2, "f": true, "skip": null, "r": ["x", 1]},
        "encode_url": false, "method": "pAtCh",
        "headers": {"X-One": "1", "Accept": "text/plain"}, "cookies": {"sid": "abc", "lang": "en"},
        "username": "user", "password": "pw", "authentication_method": "BASIC",
        "verify_ssl": false, "check_hostname": false, "tls_min_version": "1.3",
        "allow_redirects": false, "max_redirects": 0,
        "connect_timeout": 1.5, "read_timeout": null, "write_timeout": 3, "timeout": 2500,
        "expected_status_code": [200, 299], "retry_status_code": [],
        "retry_backoff": {"initial": 0.5, "maximum": 10, "multiplier": 1.5, "deadline": 30},
        "retry_on_connection_error": false, "retry_non_idempotent": true,
        "dst": "/tmp/out.bin", "max_response_bytes": 1024, "decompress": false,
        "circuit_breaker": {"failure_threshold": 3, "open_seconds": 0.5},
        "multipart": {"content-type": "multipart/mixed", "boundary": "b0undary", "parts": [
            {"name": "a", "value": "1", "content-type": "text/csv", "content-disposition": false, "content-length": false},
            {"name": "f", "file": "", "filename": "report.pdf"}]}
    })");
    auto& o = v.as_object();
    o["multipart"].as_object()["parts"].as_array()[1].as_object()["file"] = upload.path.string();
    o["cacert"] = cert_pem;
    o["client_cert"] = cert_pem;
    o["client_key"] = key_pem;

    auto got = corest::request::from_json(v);
    BOOST_TEST_REQUIRE(got.ok(), got.problem.message);
    const auto& r = got.request;
    BOOST_TEST(*r.url == "https://api.example.com/x");
    BOOST_TEST(*r.scheme == "http"); // scheme is case-insensitive: kept lower-case
    BOOST_TEST(*r.hostname == "h.example");
    BOOST_TEST(*r.port == 8443u);
    BOOST_TEST(*r.base_path == "/v1");
    BOOST_TEST(*r.path == "items");
    BOOST_TEST(boost::json::serialize(r.params) == R"({"q":"a b","n":2,"f":true,"skip":null,"r":["x",1]})");
    BOOST_TEST(!r.encode_url);
    BOOST_TEST((r.method == corest::method::patch));
    BOOST_TEST_REQUIRE(r.headers.size() == 2u);
    BOOST_TEST(r.headers[0].first == "X-One");
    BOOST_TEST(r.headers[0].second == "1");
    BOOST_TEST(r.headers[1].first == "Accept");
    BOOST_TEST(r.headers[1].second == "text/plain");
    BOOST_TEST_REQUIRE(r.cookies.size() == 2u);
    BOOST_TEST(r.cookies[1].first == "lang");
    BOOST_TEST(r.cookies[1].second == "en");
    const auto* basic = std::get_if<corest::basic_auth>(&r.authentication);
    BOOST_TEST_REQUIRE(basic);
    BOOST_TEST(basic->username == "user");
    BOOST_TEST(basic->password.reveal() == "pw");
    BOOST_TEST(!r.verify_ssl);
    BOOST_TEST(!r.check_hostname);
    BOOST_TEST(*r.cacert == cert_pem);
    BOOST_TEST(*r.client_cert == cert_pem);
    BOOST_TEST(*r.client_key == key_pem);
    BOOST_TEST((r.tls_min_version == corest::tls_version::v1_3));
    BOOST_TEST(!r.allow_redirects);
    BOOST_TEST(r.max_redirects == 0u);
    BOOST_TEST(r.connect_timeout.count() == 1.5);
    BOOST_TEST(r.read_timeout.count() == 0.0);
    BOOST_TEST(r.write_timeout.count() == 3.0);
    BOOST_TEST(r.total_timeout.count() == 2.5);
    BOOST_TEST(r.expected_status_code == (std::vector<unsigned>{200, 299}), boost::test_tools::per_element());
    BOOST_TEST(r.retry_status_code.empty());
    BOOST_TEST(r.retry_backoff.initial == 0.5);
    BOOST_TEST(r.retry_backoff.maximum == 10.0);
    BOOST_TEST(r.retry_backoff.multiplier == 1.5);
    BOOST_TEST(r.retry_backoff.deadline == 30.0);
    BOOST_TEST(!r.retry_on_connection_error);
    BOOST_TEST(r.retry_non_idempotent);
    BOOST_TEST(*r.dst == "/tmp/out.bin");
    BOOST_TEST(*r.max_response_bytes == 1024u);
    BOOST_TEST(!r.decompress);
    BOOST_TEST(r.circuit_breaker.enabled);
    BOOST_TEST(r.circuit_breaker.failure_threshold == 3u);
    BOOST_TEST(r.circuit_breaker.open_seconds == 0.5);

    const auto* m = std::get_if<corest::multipart_body>(&r.body);
    BOOST_TEST_REQUIRE(m);
    BOOST_TEST(*m->content_type == "multipart/mixed");
    BOOST_TEST(*m->boundary == "b0undary");
    BOOST_TEST_REQUIRE(m->parts.size() == 2u);
    const auto& a = m->parts[0];
    BOOST_TEST(a.name == "a");
    BOOST_TEST(*a.value == "1");
    BOOST_TEST(!a.file);
    BOOST_TEST((a.content_type.how == corest::part_header::mode::custom));
    BOOST_TEST(a.content_type.value == "text/csv");
    BOOST_TEST((a.content_disposition.how == corest::part_header::mode::omit));
    BOOST_TEST(a.omit_content_length);
    const auto& f = m->parts[1];
    BOOST_TEST(*f.file == upload.path.string());
    BOOST_TEST(*f.filename == "report.pdf");
    BOOST_TEST(!f.value);
    BOOST_TEST((f.content_type.how == corest::part_header::mode::default_value));
    BOOST_TEST(!f.omit_content_length);
}

BOOST_AUTO_TEST_CASE(resolve_input)
{
    auto got = parse(R"({"url": "https://h/", "resolve": {"h:443": "127.0.0.1", "*:80": ["::1", "10.0.0.2"],
                                                           "[::1]:8080": "::1"}})");
    BOOST_TEST_REQUIRE(got.ok(), got.problem.message);
    const auto& e = got.request.resolve;
    BOOST_TEST_REQUIRE(e.size() == 3u);
    BOOST_TEST(e[0].host == "h");
    BOOST_TEST(e[0].port == 443);
    BOOST_TEST((e[0].addresses == std::vector<std::string>{"127.0.0.1"}));
    BOOST_TEST(e[1].host == "*");
    BOOST_TEST((e[1].addresses == std::vector<std::string>{"::1", "10.0.0.2"}));
    BOOST_TEST(e[2].host == "::1");
    BOOST_TEST(parse(R"({"url": "https://h/", "resolve": {"no-port": "127.0.0.1"}})").problem.message ==
               "input \"resolve\" has the key \"no-port\", which is not \"host:port\" (port 1-65535; \"*:port\" for any host)");
    BOOST_TEST(parse(R"({"url": "https://h/", "resolve": {"h:1": 127}})").problem.message.find("resolve.h:1") !=
               std::string::npos);
    BOOST_TEST(parse(R"({"url": "https://h/", "resolve": {"h:1": [1]}})").problem.message.find("resolve.h:1[0]") !=
               std::string::npos);
    BOOST_TEST(parse(R"({"url": "https://h/", "resolve": ["h:1"]})").problem.code == corest::error::invalid_input);
}

BOOST_AUTO_TEST_CASE(bodies)
{
    auto j = parse(with_url(R"("method": "post", "json": null)"));
    BOOST_TEST_REQUIRE(j.ok(), j.problem.message);
    const auto* jb = std::get_if<corest::json_body>(&j.request.body);
    BOOST_TEST_REQUIRE(jb); // present with null: a null body, not "no body"
    BOOST_TEST(jb->value.is_null());

    auto d = parse(with_url(R"("method": "PUT", "data": {"a": [1, 2]})"));
    BOOST_TEST_REQUIRE(d.ok(), d.problem.message);
    BOOST_TEST(boost::json::serialize(std::get<corest::json_body>(d.request.body).value) == R"({"a":[1,2]})");

    auto t = parse(with_url(R"("text": "hi")"));
    BOOST_TEST_REQUIRE(t.ok(), t.problem.message);
    BOOST_TEST(std::get<corest::text_body>(t.request.body).text == "hi");

    auto u = parse(with_url(R"("method": "post", "urlencoded": {"a": "1", "b": [true, 2.5], "c": null})"));
    BOOST_TEST_REQUIRE(u.ok(), u.problem.message);
    BOOST_TEST((std::get<corest::urlencoded_body>(u.request.body).fields
                == boost::json::parse(R"({"a":"1","b":[true,2.5],"c":null})").as_object()));
}

BOOST_AUTO_TEST_CASE(authentication_types)
{
    auto none = parse(with_url(R"("authentication": {"type": "none"})"));
    BOOST_TEST_REQUIRE(none.ok(), none.problem.message);
    BOOST_TEST(std::holds_alternative<corest::no_auth>(none.request.authentication));

    auto basic = parse(with_url(R"("authentication": {"type": "Basic", "username": "u"})"));
    BOOST_TEST_REQUIRE(basic.ok(), basic.problem.message);
    BOOST_TEST(std::get<corest::basic_auth>(basic.request.authentication).username == "u");
    BOOST_TEST(std::get<corest::basic_auth>(basic.request.authentication).password.empty());

    auto user_only = parse(with_url(R"("username": "u")")); // username alone implies Basic
    BOOST_TEST_REQUIRE(user_only.ok(), user_only.problem.message);
    BOOST_TEST(std::get<corest::basic_auth>(user_only.request.authentication).username == "u");

    auto bearer = parse(with_url(R"("authentication": {"type": "bearer", "token": "t0k"})"));
    BOOST_TEST_REQUIRE(bearer.ok(), bearer.problem.message);
    BOOST_TEST(std::get<corest::bearer_auth>(bearer.request.authentication).token.reveal() == "t0k");

    auto key = parse(with_url(R"("authentication": {"type": "api_key", "name": "X-Key", "value": "v"})"));
    BOOST_TEST_REQUIRE(key.ok(), key.problem.message);
    const auto& k = std::get<corest::api_key_auth>(key.request.authentication);
    BOOST_TEST(k.name == "X-Key");
    BOOST_TEST(k.value.reveal() == "v");
    BOOST_TEST((k.location == corest::api_key_location::header));
    auto query = parse(with_url(R"("authentication": {"type": "api_key", "name": "key", "value": "v", "location": "query"})"));
    BOOST_TEST_REQUIRE(query.ok(), query.problem.message);
    BOOST_TEST((std::get<corest::api_key_auth>(query.request.authentication).location == corest::api_key_location::query));

    auto oauth = parse(with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://id/token",
        "client_id": "c", "client_secret": "s", "scopes": ["read", "write"], "audience": "api",
        "client_authentication": "basic_header"})"));
    BOOST_TEST_REQUIRE(oauth.ok(), oauth.problem.message);
    const auto& o = std::get<corest::oauth2_client_credentials>(oauth.request.authentication);
    BOOST_TEST(o.token_url == "https://id/token");
    BOOST_TEST(o.client_id == "c");
    BOOST_TEST(o.client_secret.reveal() == "s");
    BOOST_TEST(o.scopes == (std::vector<std::string>{"read", "write"}), boost::test_tools::per_element());
    BOOST_TEST(*o.audience == "api");
    BOOST_TEST((o.client_auth == corest::client_authentication::basic_header));
    auto oauth_default = parse(with_url(R"("authentication": {"type": "oauth2_client_credentials",
        "token_url": "http://id/token", "client_id": "c", "client_secret": "s"})"));
    BOOST_TEST_REQUIRE(oauth_default.ok(), oauth_default.problem.message);
    const auto& od = std::get<corest::oauth2_client_credentials>(oauth_default.request.authentication);
    BOOST_TEST((od.client_auth == corest::client_authentication::body));
    BOOST_TEST(od.scopes.empty());
    BOOST_TEST(!od.audience);
}

BOOST_AUTO_TEST_CASE(number_forms)
{
    auto got = parse(with_url(R"("port": 8080.0, "timeout": null, "max_response_bytes": 1e3, "circuit_breaker": true)"));
    BOOST_TEST_REQUIRE(got.ok(), got.problem.message);
    BOOST_TEST(*got.request.port == 8080u); // an integral number is an integer, as in JSON Schema
    BOOST_TEST(got.request.total_timeout.count() == 0.0);
    BOOST_TEST(*got.request.max_response_bytes == 1000u);
    BOOST_TEST(got.request.circuit_breaker.enabled);
    BOOST_TEST(got.request.circuit_breaker.failure_threshold == 5u);

    auto off = parse(with_url(R"("circuit_breaker": false, "total_timeout": 0.25, "connect_timeout": 0)"));
    BOOST_TEST_REQUIRE(off.ok(), off.problem.message);
    BOOST_TEST(!off.request.circuit_breaker.enabled);
    BOOST_TEST(off.request.total_timeout.count() == 0.25);
    BOOST_TEST(off.request.connect_timeout.count() == 0.0);
}

BOOST_AUTO_TEST_CASE(type_errors)
{
    using E = corest::error;
    const E bad = E::invalid_input;
    check_problems({
        {"[1]", bad, "inputs must be a JSON object, got array"},
        {"\"x\"", bad, "inputs must be a JSON object, got string"},
        {"null", bad, "inputs must be a JSON object, got null"},
        {with_url(R"("port": "8080")"), bad, "input \"port\" must be an integer 1-65535, got string"},
        {with_url(R"("port": 0)"), bad, "input \"port\" must be an integer 1-65535, got 0"},
        {with_url(R"("port": 70000)"), bad, "input \"port\" must be an integer 1-65535, got 70000"},
        {with_url(R"("port": 80.5)"), bad, "input \"port\" must be an integer 1-65535, got 80.5"},
        {R"({"url": 1})", bad, "input \"url\" must be a string, got number"},
        {with_url(R"("scheme": true)"), bad, "input \"scheme\" must be a string, got bool"},
        {with_url(R"("scheme": "ftp")"), bad, "input \"scheme\" must be \"http\" or \"https\", got \"ftp\""},
        {R"({"hostname": ["h"]})", bad, "input \"hostname\" must be a string, got array"},
        {with_url(R"("base_path": null)"), bad, "input \"base_path\" must be a string, got null"},
        {with_url(R"("path": {})"), bad, "input \"path\" must be a string, got object"},
        {with_url(R"("params": [])"), bad, "input \"params\" must be an object, got array"},
        {with_url(R"("params": {"a": {"b": 1}})"), bad,
         "input \"params.a\" must be a string, number, bool, null or an array of those, got object"},
        {with_url(R"("encode_url": "true")"), bad, "input \"encode_url\" must be true or false, got string"},
        {with_url(R"("verify_ssl": 1)"), bad, "input \"verify_ssl\" must be true or false, got 1"},
        {with_url(R"("check_hostname": null)"), bad, "input \"check_hostname\" must be true or false, got null"},
        {with_url(R"("allow_redirects": 0)"), bad, "input \"allow_redirects\" must be true or false, got 0"},
        {with_url(R"("retry_on_connection_error": "no")"), bad,
         "input \"retry_on_connection_error\" must be true or false, got string"},
        {with_url(R"("retry_non_idempotent": [])"), bad, "input \"retry_non_idempotent\" must be true or false, got array"},
        {with_url(R"("decompress": {})"), bad, "input \"decompress\" must be true or false, got object"},
        {with_url(R"("method": "fetch")"), bad,
         "input \"method\" must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE (any case), got \"fetch\""},
        {with_url(R"("method": 1)"), bad, "input \"method\" must be a string, got number"},
        {with_url(R"("headers": [])"), bad, "input \"headers\" must be an object, got array"},
        {with_url(R"("headers": {"X-A": 1})"), bad, "input \"headers.X-A\" must be a string, got number"},
        {with_url(R"("cookies": {"a": null})"), bad, "input \"cookies.a\" must be a string, got null"},
        {with_url(R"("text": 5)"), bad, "input \"text\" must be a string, got number"},
        {with_url(R"("urlencoded": "a=1")"), bad, "input \"urlencoded\" must be an object, got string"},
        {with_url(R"("multipart": [])"), bad, "input \"multipart\" must be an object, got array"},
        {with_url(R"("multipart": {"parts": {}})"), bad, "input \"multipart.parts\" must be an array of parts, got object"},
        {with_url(R"("multipart": {"parts": ["a"]})"), bad, "input \"multipart.parts[0]\" must be an object, got string"},
        {with_url(R"("multipart": {"boundary": 1, "parts": [{"name": "a", "value": "b"}]})"), bad,
         "input \"multipart.boundary\" must be a string, got number"},
        {with_url(R"("multipart": {"parts": [{"name": "a", "value": 1}]})"), bad,
         "input \"multipart.parts[0].value\" must be a string, got number"},
        {with_url(R"("multipart": {"parts": [{"name": "a", "value": "b", "content-type": true}]})"), bad,
         "input \"multipart.parts[0].content-type\" must be a string, or false to omit the header, got true"},
        {with_url(R"("multipart": {"parts": [{"name": "a", "value": "b", "content-length": true}]})"), bad,
         "input \"multipart.parts[0].content-length\" must be false (to omit the header; the length itself is computed), got true"},
        {with_url(R"("multipart": {"parts": [{"name": "a", "value": "b", "content-length": 3}]})"), bad,
         "input \"multipart.parts[0].content-length\" must be false (to omit the header; the length itself is computed), got 3"},
        {with_url(R"("username": 1)"), bad, "input \"username\" must be a string, got number"},
        {with_url(R"("username": "u", "authentication_method": "digest")"), bad,
         "input \"authentication_method\" must be \"basic\" (use input \"authentication\" for other kinds), got \"digest\""},
        {with_url(R"("authentication": "bearer")"), bad, "input \"authentication\" must be an object, got string"},
        {with_url(R"("authentication": {"type": 1})"), bad, "input \"authentication.type\" must be a string, got number"},
        {with_url(R"("authentication": {"type": "digest"})"), bad,
         "input \"authentication.type\" must be one of none, basic, bearer, api_key, oauth2_client_credentials, got \"digest\""},
        {with_url(R"("authentication": {"type": "api_key", "name": "k", "value": "v", "location": "cookie"})"), bad,
         "input \"authentication.location\" must be \"header\" or \"query\", got \"cookie\""},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://i/t", "client_id": "c",
            "client_secret": "s", "scopes": "read"})"), bad, "input \"authentication.scopes\" must be an array of strings, got string"},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://i/t", "client_id": "c",
            "client_secret": "s", "scopes": ["a", 1]})"), bad, "input \"authentication.scopes[1]\" must be a string, got number"},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://i/t", "client_id": "c",
            "client_secret": "s", "client_authentication": "header"})"), bad,
         "input \"authentication.client_authentication\" must be \"body\" or \"basic_header\", got \"header\""},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "/t", "client_id": "c",
            "client_secret": "s"})"), bad, "input \"authentication.token_url\" must be an absolute http or https URL"},
        {with_url(R"("cacert": 1)"), bad, "input \"cacert\" must be a string, got number"},
        {with_url(R"("tls_min_version": 1.2)"), bad, "input \"tls_min_version\" must be the string \"1.2\" or \"1.3\", got 1.2"},
        {with_url(R"("tls_min_version": "1.1")"), bad, "input \"tls_min_version\" must be \"1.2\" or \"1.3\", got \"1.1\""},
        {with_url(R"("max_redirects": -1)"), bad, "input \"max_redirects\" must be an integer >= 0, got -1"},
        {with_url(R"("max_redirects": "5")"), bad, "input \"max_redirects\" must be an integer >= 0, got string"},
        {with_url(R"("connect_timeout": -1)"), bad, "input \"connect_timeout\" must be a number of seconds >= 0 or null, got -1"},
        {with_url(R"("read_timeout": "20")"), bad, "input \"read_timeout\" must be a number of seconds >= 0 or null, got string"},
        {with_url(R"("write_timeout": false)"), bad, "input \"write_timeout\" must be a number of seconds >= 0 or null, got false"},
        {with_url(R"("total_timeout": [])"), bad, "input \"total_timeout\" must be a number of seconds >= 0 or null, got array"},
        {with_url(R"("timeout": -5)"), bad, "input \"timeout\" must be a number of milliseconds >= 0 or null, got -5"},
        {with_url(R"("expected_status_code": 200)"), bad,
         "input \"expected_status_code\" must be an array of status codes (integers 100-599), got 200"},
        {with_url(R"("expected_status_code": [200, 99])"), bad, "input \"expected_status_code[1]\" must be an integer 100-599, got 99"},
        {with_url(R"("retry_status_code": ["503"])"), bad, "input \"retry_status_code[0]\" must be an integer 100-599, got string"},
        {with_url(R"("retry_backoff": 1)"), bad, "input \"retry_backoff\" must be an object, got 1"},
        {with_url(R"("retry_backoff": {"initial": -1})"), bad, "input \"retry_backoff.initial\" must be a number >= 0, got -1"},
        {with_url(R"("retry_backoff": {"maximum": "60"})"), bad, "input \"retry_backoff.maximum\" must be a number >= 0, got string"},
        {with_url(R"("retry_backoff": {"multiplier": null})"), bad, "input \"retry_backoff.multiplier\" must be a number >= 0, got null"},
        {with_url(R"("retry_backoff": {"deadline": -0.5})"), bad, "input \"retry_backoff.deadline\" must be a number >= 0, got -0.5"},
        {with_url(R"("dst": 1)"), bad, "input \"dst\" must be a string, got number"},
        {with_url(R"("max_response_bytes": -1)"), bad, "input \"max_response_bytes\" must be an integer >= 0, got -1"},
        {with_url(R"("max_response_bytes": 1.5)"), bad, "input \"max_response_bytes\" must be an integer >= 0, got 1.5"},
        {with_url(R"("circuit_breaker": 1)"), bad,
         "input \"circuit_breaker\" must be true, false or an object {failure_threshold, open_seconds}, got 1"},
        {with_url(R"("circuit_breaker": {"failure_threshold": 0})"), bad,
         "input \"circuit_breaker.failure_threshold\" must be an integer >= 1, got 0"},
        {with_url(R"("circuit_breaker": {"open_seconds": 0})"), bad, "input \"circuit_breaker.open_seconds\" must be a number > 0, got 0"},
        {with_url(R"("headers": {"X-A": "a\r\nX-B: b"})"), bad, "input \"headers.X-A\" must not contain a CR, LF or NUL character"},
        {with_url(R"("cookies": {"a=b": "c"})"), bad, "input \"cookies\" has an invalid cookie name \"a=b\" (no ';', '=', CR, LF or NUL)"},
        {with_url(R"("username": "a:b")"), bad, "input \"username\" must not contain ':' (HTTP Basic separates user and password with it)"},
        {with_url(R"("username": "a\nb")"), bad, "input \"username\" must not contain a CR, LF or NUL character"},
        {with_url(R"("authentication": {"type": "basic", "username": "a:b"})"), bad,
         "input \"authentication.username\" must not contain ':' (HTTP Basic separates user and password with it)"},
        {with_url(R"("authentication": {"type": "api_key", "name": "X\rY", "value": "v"})"), bad,
         "input \"authentication.name\" must not contain a CR, LF or NUL character"},
        {with_url(R"("json": 1)"), bad, "input \"json\" is only allowed with method POST, PUT, PATCH or DELETE, got GET"},
        {with_url(R"("method": "options", "data": null)"), bad,
         "input \"data\" is only allowed with method POST, PUT, PATCH or DELETE, got OPTIONS"},
    });
}

BOOST_AUTO_TEST_CASE(unknown_keys_name_their_path)
{
    const auto bad = corest::error::invalid_input;
    check_problems({
        {with_url(R"("prot": 1)"), bad, "unknown input \"prot\" (did you mean \"port\"?)"},
        {with_url(R"("foo": 1)"), bad, "unknown input \"foo\""},
        {with_url(R"("URL": "x")"), bad, "unknown input \"URL\""},
        {with_url(R"("retry_backoff": {"intial": 1})"), bad,
         "unknown input \"retry_backoff.intial\" (did you mean \"retry_backoff.initial\"?); "
         "input \"retry_backoff\" takes: initial, maximum, multiplier, deadline"},
        {with_url(R"("multipart": {"parts": [{"name": "a", "value": "b"}, {"nmae": "x"}]})"), bad,
         "unknown input \"multipart.parts[1].nmae\" (did you mean \"multipart.parts[1].name\"?); a multipart part takes: "
         "name, value, file, filename, content-type, content-disposition, content-length"},
        {with_url(R"("multipart": {"part": []})"), bad,
         "unknown input \"multipart.part\" (did you mean \"multipart.parts\"?); input \"multipart\" takes: content-type, boundary, parts"},
        {with_url(R"("authentication": {"type": "bearer", "tokne": "x"})"), bad,
         "unknown input \"authentication.tokne\" (did you mean \"authentication.token\"?); "
         "authentication of type \"bearer\" takes: type, token"},
        {with_url(R"("authentication": {"type": "bearer", "token": "t", "username": "u"})"), bad,
         "unknown input \"authentication.username\"; authentication of type \"bearer\" takes: type, token"},
        {with_url(R"("authentication": {"type": "none", "token": "t"})"), bad,
         "unknown input \"authentication.token\"; authentication of type \"none\" takes: type"},
        {with_url(R"("authentication": {"type": "api_key", "name": "n", "value": "v", "in": "query"})"), bad,
         "unknown input \"authentication.in\"; authentication of type \"api_key\" takes: type, name, value, location"},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://i/t", "client_id": "c",
            "client_secret": "s", "scope": "x"})"), bad,
         "unknown input \"authentication.scope\" (did you mean \"authentication.scopes\"?); authentication of type "
         "\"oauth2_client_credentials\" takes: type, token_url, client_id, client_secret, scopes, audience, client_authentication"},
        {with_url(R"("circuit_breaker": {"threshold": 1})"), bad,
         "unknown input \"circuit_breaker.threshold\"; input \"circuit_breaker\" takes: failure_threshold, open_seconds"},
        {with_url(R"("a\nb": 1)"), bad, "unknown input \"a\\nb\""},
    });
}

BOOST_AUTO_TEST_CASE(exclusive_and_missing)
{
    using E = corest::error;
    check_problems({
        {with_url(R"("method": "post", "json": 1, "data": 2)"), E::invalid_input,
         "inputs \"json\" and \"data\" exclude each other (\"data\" is a deprecated alias of \"json\"): give only \"json\""},
        {with_url(R"("method": "post", "json": 1, "text": "a")"), E::invalid_input,
         "inputs \"json\" and \"text\" exclude each other: give at most one body"},
        {with_url(R"("text": "a", "urlencoded": {})"), E::invalid_input,
         "inputs \"text\" and \"urlencoded\" exclude each other: give at most one body"},
        {with_url(R"("multipart": {"parts": []}, "data": 1)"), E::invalid_input,
         "inputs \"data\" and \"multipart\" exclude each other: give at most one body"},
        {with_url(R"("timeout": 1000, "total_timeout": null)"), E::invalid_input,
         "inputs \"timeout\" and \"total_timeout\" exclude each other (\"timeout\" is total_timeout in milliseconds): give only one"},
        {with_url(R"("username": "u", "authentication": {"type": "none"})"), E::invalid_input,
         "inputs \"username\" and \"authentication\" exclude each other: give credentials either as username/password or in \"authentication\""},
        {with_url(R"("password": "p", "authentication": {"type": "none"})"), E::invalid_input,
         "inputs \"password\" and \"authentication\" exclude each other: give credentials either as username/password or in \"authentication\""},
        {with_url(R"("authentication_method": "basic", "authentication": {"type": "none"})"), E::invalid_input,
         "inputs \"authentication_method\" and \"authentication\" exclude each other: give credentials either as username/password or in \"authentication\""},
        {with_url(R"("password": "p")"), E::invalid_input, "input \"password\" needs input \"username\" (HTTP Basic takes both)"},
        {with_url(R"("authentication_method": "basic")"), E::missing_input,
         "input \"username\" is required with \"authentication_method\""},
        {"{}", E::missing_input, "input \"url\" or \"hostname\" is required"},
        {R"({"port": 80})", E::missing_input, "input \"url\" or \"hostname\" is required"},
        {with_url(R"("authentication": {})"), E::missing_input,
         "input \"authentication.type\" is required (none, basic, bearer, api_key or oauth2_client_credentials)"},
        {with_url(R"("authentication": {"type": "basic"})"), E::missing_input, "input \"authentication.username\" is required"},
        {with_url(R"("authentication": {"type": "bearer"})"), E::missing_input, "input \"authentication.token\" is required"},
        {with_url(R"("authentication": {"type": "api_key", "value": "v"})"), E::missing_input, "input \"authentication.name\" is required"},
        {with_url(R"("authentication": {"type": "api_key", "name": "n"})"), E::missing_input, "input \"authentication.value\" is required"},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "client_id": "c", "client_secret": "s"})"),
         E::missing_input, "input \"authentication.token_url\" is required"},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://i/t", "client_secret": "s"})"),
         E::missing_input, "input \"authentication.client_id\" is required"},
        {with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://i/t", "client_id": "c"})"),
         E::missing_input, "input \"authentication.client_secret\" is required"},
        {with_url(R"("multipart": {})"), E::missing_input, "input \"multipart.parts\" is required"},
        {with_url(R"("multipart": {"parts": [{"value": "v"}]})"), E::missing_input, "input \"multipart.parts[0].name\" is required"},
        {with_url(R"("multipart": {"parts": [{"name": "n"}]})"), E::missing_input,
         "input \"multipart.parts[0].value\" or \"multipart.parts[0].file\" is required"},
        {with_url(R"("multipart": {"parts": [{"name": "n", "value": "v", "file": "/etc/hostname"}]})"), E::invalid_input,
         "input \"multipart.parts[0]\" must have exactly one of \"value\" or \"file\", got both"},
        {with_url(R"("multipart": {"parts": [{"name": "n", "file": "/nonexistent/corest/f.txt"}]})"), E::invalid_input,
         "input \"multipart.parts[0].file\": file \"/nonexistent/corest/f.txt\" does not exist"},
        {with_url(R"("cacert": "/nonexistent/corest/ca.pem")"), E::invalid_input,
         "input \"cacert\" must be PEM text or the path of a PEM file; file \"/nonexistent/corest/ca.pem\" does not exist"},
        {with_url(R"("cacert": "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")"), E::invalid_input,
         "input \"cacert\" does not hold a valid PEM certificate"},
    });
}

BOOST_AUTO_TEST_CASE(case_insensitive_words)
{
    for (auto [text, m] : {std::pair{"get", corest::method::get}, {"Head", corest::method::head}, {"POST", corest::method::post},
                           {"put", corest::method::put}, {"patch", corest::method::patch}, {"DeLeTe", corest::method::delete_},
                           {"options", corest::method::options}, {"trace", corest::method::trace}}) {
        auto got = parse(with_url(std::string("\"method\": \"") + text + "\""));
        BOOST_TEST_REQUIRE(got.ok(), got.problem.message);
        BOOST_TEST((got.request.method == m), text);
    }
    auto basic = parse(with_url(R"("username": "u", "password": "p", "authentication_method": "Basic")"));
    BOOST_TEST_REQUIRE(basic.ok(), basic.problem.message);
    BOOST_TEST(std::get<corest::basic_auth>(basic.request.authentication).password.reveal() == "p");
    auto scheme = parse(R"({"hostname": "h", "scheme": "HTTPS"})");
    BOOST_TEST_REQUIRE(scheme.ok(), scheme.problem.message);
    BOOST_TEST(*scheme.request.scheme == "https");
}

BOOST_AUTO_TEST_CASE(input_names_are_all_mapped)
{
    const auto& names = corest::input_names();
    BOOST_TEST(names.size() == 47u);
    for (auto name : names) {
        BOOST_TEST(corest::is_input_name(name));
        // A value no input accepts as is: each name must reach its own mapping, not "unknown".
        boost::json::object o{{"url", "https://h/"}};
        o[name] = boost::json::array{boost::json::array{}};
        if (name == "url") o.erase("url"), o["hostname"] = "h", o[name] = boost::json::array{};
        auto got = corest::request::from_json(o);
        BOOST_TEST_CONTEXT(name)
        {
            BOOST_TEST((got.problem.code == corest::error::invalid_input || got.problem.code == corest::error::missing_input));
            BOOST_TEST(got.problem.message.rfind("unknown input", 0) != 0);
            BOOST_TEST(got.problem.message.find("\"" + std::string(name)) != std::string::npos, got.problem.message);
        }
    }
    BOOST_TEST(!corest::is_input_name("index"));
    BOOST_TEST(!corest::is_input_name("Url"));
}

BOOST_AUTO_TEST_CASE(secrets_never_in_messages)
{
    const std::string secret = "S3CRET-VALUE-42";
    const std::vector<std::string> inputs = {
        with_url(R"("username": "u", "password": 424242, "authentication_method": "basic")"),
        with_url(R"("password": "S3CRET-VALUE-42")"),
        with_url(R"("authentication": {"type": "bearer", "token": 424242})"),
        with_url(R"("authentication": {"type": "bearer", "token": "S3CRET-VALUE-42\r\nX: y"})"),
        with_url(R"("authentication": {"type": "bearer", "token": "S3CRET-VALUE-42", "tokn": "S3CRET-VALUE-42"})"),
        with_url(R"("authentication": {"type": "api_key", "name": "X-Key", "value": "S3CRET-VALUE-42\n"})"),
        with_url(R"("authentication": {"type": "api_key", "name": "X-Key", "value": 424242})"),
        with_url(R"("authentication": {"type": "basic", "username": "u", "password": 424242})"),
        with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://u:S3CRET-VALUE-42@/t",
            "client_id": "c", "client_secret": "S3CRET-VALUE-42"})"),
        with_url(R"("authentication": {"type": "oauth2_client_credentials", "token_url": "https://i/t",
            "client_id": "c", "client_secret": 424242})"),
        with_url(R"("headers": {"Authorization": "Bearer S3CRET-VALUE-42\n"})"),
        with_url(R"("headers": {"X-Api-Key": 424242})"),
        with_url(R"("cookies": {"sid": "S3CRET-VALUE-42\r"})"),
        with_url(R"("cookies": {"sid": 424242})"),
        with_url(R"("client_cert": "/nonexistent", "client_key": "S3CRET-VALUE-42")"),
        with_url(R"("client_key": "-----BEGIN PRIVATE KEY-----\nS3CRET-VALUE-42\n-----END PRIVATE KEY-----\n",
            "client_cert": "-----BEGIN CERTIFICATE-----\nS3CRET-VALUE-42\n-----END CERTIFICATE-----\n")"),
    };
    for (const auto& text : inputs) {
        auto got = parse(text);
        BOOST_TEST_CONTEXT(text)
        {
            BOOST_TEST(!got.ok());
            BOOST_TEST(got.problem.message.find(secret) == std::string::npos, got.problem.message);
            BOOST_TEST(got.problem.message.find("424242") == std::string::npos, got.problem.message);
        }
    }
    // The key text itself must not leak either, when it is valid PEM but the cert is not.
    boost::json::object o{{"url", "https://h/"}, {"client_cert", "/nonexistent/c.pem"}, {"client_key", key_pem}};
    auto got = corest::request::from_json(o);
    BOOST_TEST(got.problem.message.find("MIGHAgEA") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(first_problem_is_reported)
{
    // Unknown keys come before type errors, type errors before semantic checks.
    auto got = parse(R"({"port": "x", "prot": 1})");
    BOOST_TEST(got.problem.message == "unknown input \"prot\" (did you mean \"port\"?)");
    got = parse(R"({"port": "x", "scheme": "ftp"})");
    BOOST_TEST(got.problem.message == "input \"port\" must be an integer 1-65535, got string");
}

BOOST_AUTO_TEST_SUITE_END()

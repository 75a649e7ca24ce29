#include <boost/test/unit_test.hpp>

#include <corest/detail/error_mapping.hpp>
#include <corest/detail/resolve_overrides.hpp>

#include <corest/detail/validate.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
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
// The certificate's key.
constexpr const char* key_pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmZZ8Ru1/WHoqm01p
Qq+3xQfSlTVjpMajVlkHSy9LrEehRANCAASwhywCK7Tnl0cd2WbVeEKePaTESX8b
s6qUuz2S/R25MAoUbsel6mjP7aPWa+UYXHe1VlXmIMcnb8k7ec6MTZQh
-----END PRIVATE KEY-----
)";
// Another EC key: valid, but not the certificate's.
constexpr const char* other_key_pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1FhxuOa7Ql9GANNs
TjAuT+OxEmq9S70Y7/5yJvqbyvOhRANCAATuHcA5U2ou0WESR2lutXlojIsQztLm
JynF14VEr+HtCb2S1uTswszWBjWOYAQvut2UqzaYrtJg5iLX6WnQfN0m
-----END PRIVATE KEY-----
)";
// key_pem encrypted with the passphrase "pw".
constexpr const char* encrypted_key_pem = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjwr5K7OYOJ0wICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEB3NL6DINVqsgc6UUwTEcxUEgZAn
DHFIfytgjy9RfOuU0iLrUBv4kbiG/9Va8454dpI1Ytj1HaN0fWBLyImarZ5jerGS
mDhBEXYmyQ3tkfCFwOjeaq6g3admawjFjKMzVaF5b2UDI89Q+otcn3u3eC5Yc5Gb
B7m4wWxBIBXnV4nhNiP8f5s+ORNWrI7Zj8iXzJKUY6QS/kLtExzguW7/2TKm0V4=
-----END ENCRYPTED PRIVATE KEY-----
)";
constexpr const char* garbage_pem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";

/// A directory removed at the end of the test.
struct temp_dir {
    std::filesystem::path path;
    temp_dir()
    {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("corest_test_validate_" + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& content) const
    {
        auto p = path / name;
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }
};

corest::request base()
{
    corest::request r;
    r.url = "https://example.com/";
    return r;
}

struct bad_case {
    const char* label;
    std::function<void(corest::request&)> change;
    corest::error code;
    std::string message;
};

void check_cases(const std::vector<bad_case>& cases)
{
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.label)
        {
            auto r = base();
            c.change(r);
            auto got = corest::detail::validate(r);
            BOOST_TEST(got.code == c.code);
            BOOST_TEST(got.message == c.message);
        }
    }
}

corest::multipart_part value_part(std::string name, std::string value)
{
    corest::multipart_part p;
    p.name = std::move(name);
    p.value = std::move(value);
    return p;
}

} // namespace

BOOST_AUTO_TEST_SUITE(validate)

BOOST_AUTO_TEST_CASE(defaults_need_a_target)
{
    corest::request r;
    auto got = corest::detail::validate(r);
    BOOST_TEST(got.code == corest::error::missing_input);
    BOOST_TEST(got.message == "input \"url\" or \"hostname\" is required");

    r.hostname = "example.com";
    BOOST_TEST(corest::detail::validate(r).ok());
    BOOST_TEST(corest::detail::validate(base()).ok());
}

BOOST_AUTO_TEST_CASE(good_requests_pass)
{
    const std::vector<std::function<void(corest::request&)>> good = {
        [](auto& r) { r.url.reset(); r.hostname = "h"; r.scheme = "http"; r.port = 1; },
        [](auto& r) { r.port = 65535; },
        [](auto& r) { r.method = corest::method::delete_; r.body = corest::json_body{nullptr}; },
        [](auto& r) { r.method = corest::method::get; r.body = corest::text_body{"x"}; },
        [](auto& r) { r.headers = {{"X-Token_1.~!#$%&'*+^`|", "value with spaces; and \t tab"}}; },
        [](auto& r) { r.cookies = {{"sid", "a b,c"}}; },
        [](auto& r) { r.params = {{"a", 1}, {"b", nullptr}, {"c", boost::json::array{"x", 2, true}}}; },
        [](auto& r) { r.authentication = corest::basic_auth{"", "p\r\nw"}; }, // password is base64-encoded
        [](auto& r) { r.authentication = corest::api_key_auth{"api key", "v", corest::api_key_location::query}; },
        [](auto& r) { r.authentication = corest::oauth2_client_credentials{"http://127.0.0.1:8/t", "id", "s", {}, {}, {}}; },
        [](auto& r) { r.connect_timeout = corest::seconds{0}; r.total_timeout = corest::seconds{0.25}; },
        [](auto& r) { r.retry_backoff = {0, 0, 0, 0}; },
        [](auto& r) { r.expected_status_code = {100, 599}; r.retry_status_code = {}; },
        [](auto& r) { r.circuit_breaker = {true, 1, 0.001}; },
    };
    for (std::size_t i = 0; i < good.size(); ++i) {
        auto r = base();
        good[i](r);
        auto got = corest::detail::validate(r);
        BOOST_TEST(got.ok(), "case " << i << ": " << got.message);
    }
}

BOOST_AUTO_TEST_CASE(target_and_policies)
{
    using E = corest::error;
    check_cases({
        {"empty url", [](auto& r) { r.url = ""; }, E::invalid_input, "input \"url\" must not be empty"},
        {"empty hostname", [](auto& r) { r.url.reset(); r.hostname = ""; }, E::invalid_input,
         "input \"hostname\" must not be empty"},
        {"scheme", [](auto& r) { r.scheme = "ftp"; }, E::invalid_input,
         "input \"scheme\" must be \"http\" or \"https\", got \"ftp\""},
        {"port 0", [](auto& r) { r.port = 0; }, E::invalid_input, "input \"port\" must be an integer 1-65535, got 0"},
        {"port 65536", [](auto& r) { r.port = 65536; }, E::invalid_input,
         "input \"port\" must be an integer 1-65535, got 65536"},
        {"empty dst", [](auto& r) { r.dst = ""; }, E::invalid_input, "input \"dst\" must not be empty"},
        {"negative timeout", [](auto& r) { r.read_timeout = corest::seconds{-1}; }, E::invalid_input,
         "input \"read_timeout\" must be a number of seconds >= 0 (0 = none), got -1"},
        {"NaN timeout", [](auto& r) { r.write_timeout = corest::seconds{std::nan("")}; }, E::invalid_input,
         "input \"write_timeout\" must be a number of seconds >= 0 (0 = none), got NaN"},
        {"infinite timeout", [](auto& r) { r.total_timeout = corest::seconds{HUGE_VAL}; }, E::invalid_input,
         "input \"total_timeout\" must be a number of seconds >= 0 (0 = none), got inf"},
        {"expected 99", [](auto& r) { r.expected_status_code = {200, 99}; }, E::invalid_input,
         "input \"expected_status_code[1]\" must be an integer 100-599, got 99"},
        {"retry 600", [](auto& r) { r.retry_status_code = {600}; }, E::invalid_input,
         "input \"retry_status_code[0]\" must be an integer 100-599, got 600"},
        {"backoff initial", [](auto& r) { r.retry_backoff.initial = -0.5; }, E::invalid_input,
         "input \"retry_backoff.initial\" must be a number >= 0, got -0.5"},
        {"backoff multiplier", [](auto& r) { r.retry_backoff.multiplier = std::nan(""); }, E::invalid_input,
         "input \"retry_backoff.multiplier\" must be a number >= 0, got NaN"},
        {"backoff deadline", [](auto& r) { r.retry_backoff.deadline = -HUGE_VAL; }, E::invalid_input,
         "input \"retry_backoff.deadline\" must be a number >= 0, got -inf"},
        {"breaker threshold", [](auto& r) { r.circuit_breaker.failure_threshold = 0; }, E::invalid_input,
         "input \"circuit_breaker.failure_threshold\" must be an integer >= 1, got 0"},
        {"breaker open", [](auto& r) { r.circuit_breaker.open_seconds = 0; }, E::invalid_input,
         "input \"circuit_breaker.open_seconds\" must be a number > 0, got 0"},
    });
}

BOOST_AUTO_TEST_CASE(headers_cookies_and_bodies)
{
    using E = corest::error;
    using M = corest::method;
    check_cases({
        {"header CR", [](auto& r) { r.headers = {{"X-A", "v\rw"}}; }, E::invalid_input,
         "input \"headers.X-A\" must not contain a CR, LF or NUL character"},
        {"header LF", [](auto& r) { r.headers = {{"X-A", "v\nX-B: 1"}}; }, E::invalid_input,
         "input \"headers.X-A\" must not contain a CR, LF or NUL character"},
        {"header NUL", [](auto& r) { r.headers = {{"X-A", std::string("v\0w", 3)}}; }, E::invalid_input,
         "input \"headers.X-A\" must not contain a CR, LF or NUL character"},
        {"header name LF", [](auto& r) { r.headers = {{"X-A\n", "v"}}; }, E::invalid_input,
         "input \"headers\" has a header name with a CR, LF or NUL character: \"X-A\\n\""},
        {"empty header name", [](auto& r) { r.headers = {{"", "v"}}; }, E::invalid_input,
         "input \"headers\" has an empty header name"},
        {"header name not a token", [](auto& r) { r.headers = {{"X:A", "v"}}; }, E::invalid_input,
         "input \"headers.X:A\" is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"},
        {"cookie name ;", [](auto& r) { r.cookies = {{"a;b", "v"}}; }, E::invalid_input,
         "input \"cookies\" has an invalid cookie name \"a;b\" (no ';', '=', CR, LF or NUL)"},
        {"cookie name =", [](auto& r) { r.cookies = {{"a=b", "v"}}; }, E::invalid_input,
         "input \"cookies\" has an invalid cookie name \"a=b\" (no ';', '=', CR, LF or NUL)"},
        {"cookie name CR", [](auto& r) { r.cookies = {{"a\r", "v"}}; }, E::invalid_input,
         "input \"cookies\" has an invalid cookie name \"a\\r\" (no ';', '=', CR, LF or NUL)"},
        {"empty cookie name", [](auto& r) { r.cookies = {{"", "v"}}; }, E::invalid_input,
         "input \"cookies\" has an empty cookie name"},
        {"cookie value LF", [](auto& r) { r.cookies = {{"sid", "v\n"}}; }, E::invalid_input,
         "input \"cookies.sid\" must not contain a CR, LF or NUL character"},
        {"json with GET", [](auto& r) { r.body = corest::json_body{1}; }, E::invalid_input,
         "input \"json\" is only allowed with method POST, PUT, PATCH or DELETE, got GET"},
        {"json with HEAD", [](auto& r) { r.method = M::head; r.body = corest::json_body{nullptr}; }, E::invalid_input,
         "input \"json\" is only allowed with method POST, PUT, PATCH or DELETE, got HEAD"},
        {"params object", [](auto& r) { r.params = {{"a", boost::json::object{}}}; }, E::invalid_input,
         "input \"params.a\" must be a string, number, bool, null or an array of those, got object"},
        {"params nested array", [](auto& r) { r.params = {{"a", boost::json::array{1, boost::json::array{}}}}; },
         E::invalid_input, "input \"params.a[1]\" must be a string, number or bool, got array"},
        {"params null in array", [](auto& r) { r.params = {{"a", boost::json::array{nullptr}}}; }, E::invalid_input,
         "input \"params.a[0]\" must be a string, number or bool, got null"},
        {"urlencoded object", [](auto& r) { r.method = M::post; r.body = corest::urlencoded_body{{{"f", boost::json::object{}}}}; },
         E::invalid_input, "input \"urlencoded.f\" must be a string, number, bool, null or an array of those, got object"},
    });
}

BOOST_AUTO_TEST_CASE(authentication_checks)
{
    using E = corest::error;
    using namespace corest;
    check_cases({
        {"basic colon", [](auto& r) { r.authentication = basic_auth{"a:b", "p"}; }, E::invalid_input,
         "input \"username\" must not contain ':' (HTTP Basic separates user and password with it)"},
        {"basic LF", [](auto& r) { r.authentication = basic_auth{"a\n", "p"}; }, E::invalid_input,
         "input \"username\" must not contain a CR, LF or NUL character"},
        {"bearer empty", [](auto& r) { r.authentication = bearer_auth{""}; }, E::invalid_input,
         "input \"authentication.token\" must not be empty"},
        {"bearer CR", [](auto& r) { r.authentication = bearer_auth{"tok\rX"}; }, E::invalid_input,
         "input \"authentication.token\" must not contain a CR, LF or NUL character"},
        {"bearer NUL", [](auto& r) { r.authentication = bearer_auth{std::string("tok\0", 4)}; }, E::invalid_input,
         "input \"authentication.token\" must not contain a CR, LF or NUL character"},
        {"api_key empty name", [](auto& r) { r.authentication = api_key_auth{"", "v"}; }, E::invalid_input,
         "input \"authentication.name\" must not be empty"},
        {"api_key name LF", [](auto& r) { r.authentication = api_key_auth{"X\n", "v", api_key_location::query}; },
         E::invalid_input, "input \"authentication.name\" must not contain a CR, LF or NUL character"},
        {"api_key header name", [](auto& r) { r.authentication = api_key_auth{"X Key", "v"}; }, E::invalid_input,
         "input \"authentication.name\" is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"},
        {"api_key value LF", [](auto& r) { r.authentication = api_key_auth{"X-Key", "v\n"}; }, E::invalid_input,
         "input \"authentication.value\" must not contain a CR, LF or NUL character"},
        {"oauth2 relative", [](auto& r) { r.authentication = oauth2_client_credentials{"/token", "id", "s", {}, {}, {}}; },
         E::invalid_input, "input \"authentication.token_url\" must be an absolute http or https URL"},
        {"oauth2 ftp", [](auto& r) { r.authentication = oauth2_client_credentials{"ftp://h/t", "id", "s", {}, {}, {}}; },
         E::invalid_input, "input \"authentication.token_url\" must be an absolute http or https URL"},
        {"oauth2 no host", [](auto& r) { r.authentication = oauth2_client_credentials{"https:///t", "id", "s", {}, {}, {}}; },
         E::invalid_input, "input \"authentication.token_url\" must be an absolute http or https URL"},
        {"oauth2 client_id", [](auto& r) { r.authentication = oauth2_client_credentials{"https://h/t", "", "s", {}, {}, {}}; },
         E::invalid_input, "input \"authentication.client_id\" must not be empty"},
    });
}

BOOST_AUTO_TEST_CASE(multipart_checks)
{
    using E = corest::error;
    using corest::part_header;
    temp_dir dir;
    const std::string file = dir.write("a.txt", "hello");
    const std::string missing = (dir.path / "missing.bin").string();
    const std::string folder = dir.path.string();
    auto with_parts = [](std::vector<corest::multipart_part> parts, std::optional<std::string> boundary = {}) {
        return [parts, boundary](corest::request& r) {
            r.method = corest::method::post;
            r.body = corest::multipart_body{{}, boundary, parts};
        };
    };
    corest::multipart_part file_part;
    file_part.name = "f";
    file_part.file = file;

    auto ok = base();
    with_parts({value_part("a", "b"), file_part}, std::string(70, 'x'))(ok);
    BOOST_TEST(corest::detail::validate(ok).ok());
    with_parts({value_part("a", "b")}, "a b'()+_,-./:=?Z9")(ok);
    BOOST_TEST(corest::detail::validate(ok).ok());

    auto part_with = [&](auto change) { auto p = file_part; change(p); return p; };
    check_cases({
        {"no parts", with_parts({}), E::invalid_input, "input \"multipart.parts\" must hold at least one part"},
        {"boundary 71", with_parts({value_part("a", "b")}, std::string(71, 'x')), E::invalid_input,
         "input \"multipart.boundary\" must be 1-70 characters of letters, digits and '()+_,-./:=? or space, not ending in a space"},
        {"boundary empty", with_parts({value_part("a", "b")}, ""), E::invalid_input,
         "input \"multipart.boundary\" must be 1-70 characters of letters, digits and '()+_,-./:=? or space, not ending in a space"},
        {"boundary trailing space", with_parts({value_part("a", "b")}, "abc "), E::invalid_input,
         "input \"multipart.boundary\" must be 1-70 characters of letters, digits and '()+_,-./:=? or space, not ending in a space"},
        {"boundary @", with_parts({value_part("a", "b")}, "a@b"), E::invalid_input,
         "input \"multipart.boundary\" must be 1-70 characters of letters, digits and '()+_,-./:=? or space, not ending in a space"},
        {"boundary CRLF", with_parts({value_part("a", "b")}, "a\r\nb"), E::invalid_input,
         "input \"multipart.boundary\" must be 1-70 characters of letters, digits and '()+_,-./:=? or space, not ending in a space"},
        {"content-type LF",
         [](auto& r) { r.method = corest::method::post; r.body = corest::multipart_body{"multipart/mixed\nX: y", {}, {value_part("a", "b")}}; },
         E::invalid_input, "input \"multipart.content-type\" must not contain a CR, LF or NUL character"},
        {"empty name", with_parts({value_part("", "b")}), E::invalid_input,
         "input \"multipart.parts[0].name\" must not be empty"},
        {"name LF", with_parts({value_part("a", "b"), value_part("n\n", "b")}), E::invalid_input,
         "input \"multipart.parts[1].name\" must not contain a CR, LF or NUL character"},
        {"value and file", with_parts({part_with([](auto& p) { p.value = "v"; })}), E::invalid_input,
         "input \"multipart.parts[0]\" must have exactly one of \"value\" or \"file\", got both"},
        {"neither", with_parts({part_with([](auto& p) { p.file.reset(); })}), E::missing_input,
         "input \"multipart.parts[0].value\" or \"multipart.parts[0].file\" is required"},
        {"filename on value part", with_parts({[] { auto p = value_part("a", "b"); p.filename = "x"; return p; }()}),
         E::invalid_input, "input \"multipart.parts[0].filename\" is only for file parts (with \"file\")"},
        {"filename CR", with_parts({part_with([](auto& p) { p.filename = "x\r"; })}), E::invalid_input,
         "input \"multipart.parts[0].filename\" must not contain a CR, LF or NUL character"},
        {"override content-type LF",
         with_parts({part_with([](auto& p) { p.content_type = {part_header::mode::custom, "text/x\n"}; })}), E::invalid_input,
         "input \"multipart.parts[0].content-type\" must not contain a CR, LF or NUL character"},
        {"override content-disposition CR",
         with_parts({part_with([](auto& p) { p.content_disposition = {part_header::mode::custom, "form-data\r"}; })}),
         E::invalid_input, "input \"multipart.parts[0].content-disposition\" must not contain a CR, LF or NUL character"},
        {"override empty",
         with_parts({part_with([](auto& p) { p.content_type = {part_header::mode::custom, ""}; })}), E::invalid_input,
         "input \"multipart.parts[0].content-type\" must not be empty (use false to omit the header)"},
        {"missing file", with_parts({part_with([&](auto& p) { p.file = missing; })}), E::invalid_input,
         "input \"multipart.parts[0].file\": file \"" + missing + "\" does not exist"},
        {"directory", with_parts({part_with([&](auto& p) { p.file = folder; })}), E::invalid_input,
         "input \"multipart.parts[0].file\": file \"" + folder + "\" is not a regular file"},
        {"empty file", with_parts({part_with([](auto& p) { p.file = ""; })}), E::invalid_input,
         "input \"multipart.parts[0].file\" must not be empty"},
    });

    // Omitted overrides are fine, whatever their value text.
    auto r = base();
    with_parts({part_with([](auto& p) {
        p.content_type = {part_header::mode::omit, "ignored\n"};
        p.omit_content_length = true;
    })})(r);
    BOOST_TEST(corest::detail::validate(r).ok());
}

BOOST_AUTO_TEST_CASE(pem_text_path_and_garbage)
{
    using E = corest::error;
    temp_dir dir;
    const std::string cert_path = dir.write("cert.pem", cert_pem);
    const std::string key_path = dir.write("key.pem", key_pem);
    const std::string both_path = dir.write("both.pem", std::string(cert_pem) + key_pem);
    const std::string garbage_path = dir.write("garbage.pem", "not pem at all\n");
    const std::string missing = (dir.path / "nope.pem").string();

    const std::vector<std::function<void(corest::request&)>> good = {
        [&](auto& r) { r.cacert = cert_pem; },
        [&](auto& r) { r.cacert = cert_path; },
        [&](auto& r) { r.cacert = std::string(cert_pem) + cert_pem; },
        [&](auto& r) { r.client_cert = cert_pem; r.client_key = key_pem; },
        [&](auto& r) { r.client_cert = cert_path; r.client_key = key_path; },
        [&](auto& r) { r.client_cert = both_path; r.client_key = both_path; },
        [&](auto& r) { r.client_cert = std::string(cert_pem) + key_pem; r.client_key = std::string(cert_pem) + key_pem; },
    };
    for (std::size_t i = 0; i < good.size(); ++i) {
        auto r = base();
        good[i](r);
        auto got = corest::detail::validate(r);
        BOOST_TEST(got.ok(), "case " << i << ": " << got.message);
    }

    check_cases({
        {"cacert garbage text", [&](auto& r) { r.cacert = garbage_pem; }, E::invalid_input,
         "input \"cacert\" does not hold a valid PEM certificate"},
        {"cacert key only", [&](auto& r) { r.cacert = key_pem; }, E::invalid_input,
         "input \"cacert\" does not hold a valid PEM certificate"},
        {"cacert good then corrupt", [&](auto& r) { r.cacert = std::string(cert_pem) + garbage_pem; }, E::invalid_input,
         "input \"cacert\" does not hold a valid PEM certificate"},
        {"cacert missing path", [&](auto& r) { r.cacert = missing; }, E::invalid_input,
         "input \"cacert\" must be PEM text or the path of a PEM file; file \"" + missing + "\" does not exist"},
        {"cacert directory", [&](auto& r) { r.cacert = dir.path.string(); }, E::invalid_input,
         "input \"cacert\" must be PEM text or the path of a PEM file; file \"" + dir.path.string() + "\" is not a regular file"},
        {"cacert garbage file", [&](auto& r) { r.cacert = garbage_path; }, E::invalid_input,
         "input \"cacert\" does not hold a valid PEM certificate"},
        {"cacert empty", [&](auto& r) { r.cacert = ""; }, E::invalid_input,
         "input \"cacert\" must be PEM text or the path of a PEM file"},
        {"cert without key", [&](auto& r) { r.client_cert = cert_pem; }, E::invalid_input,
         "input \"client_cert\" needs input \"client_key\" (mutual TLS takes both)"},
        {"key without cert", [&](auto& r) { r.client_key = key_pem; }, E::invalid_input,
         "input \"client_key\" needs input \"client_cert\" (mutual TLS takes both)"},
        {"client_cert garbage", [&](auto& r) { r.client_cert = garbage_pem; r.client_key = key_pem; }, E::invalid_input,
         "input \"client_cert\" does not hold a valid PEM certificate"},
        {"client_cert missing", [&](auto& r) { r.client_cert = missing; r.client_key = key_pem; }, E::invalid_input,
         "input \"client_cert\" must be PEM text or the path of a PEM file; file \"" + missing + "\" does not exist"},
        {"client_key missing path", [&](auto& r) { r.client_cert = cert_pem; r.client_key = missing; }, E::invalid_input,
         "input \"client_key\" must be PEM text or the path of a PEM file; the file does not exist"},
        {"client_key is a cert", [&](auto& r) { r.client_cert = cert_pem; r.client_key = cert_pem; }, E::invalid_input,
         "input \"client_key\" does not hold a valid PEM private key"},
        {"client_key garbage file", [&](auto& r) { r.client_cert = cert_pem; r.client_key = garbage_path; }, E::invalid_input,
         "input \"client_key\" does not hold a valid PEM private key"},
        {"client_key encrypted", [&](auto& r) { r.client_cert = cert_pem; r.client_key = encrypted_key_pem; }, E::invalid_input,
         "input \"client_key\" does not hold a valid PEM private key (encrypted keys are not supported: give it unencrypted)"},
        {"client_key mismatch", [&](auto& r) { r.client_cert = cert_pem; r.client_key = other_key_pem; }, E::invalid_input,
         "input \"client_key\" does not belong to the certificate of input \"client_cert\""},
    });
}

BOOST_AUTO_TEST_CASE(key_material_never_in_messages)
{
    // Key text without a PEM header is taken as a path; the message must not echo it.
    const std::string raw_key = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmZZ8Ru1";
    auto r = base();
    r.client_cert = cert_pem;
    r.client_key = raw_key;
    auto got = corest::detail::validate(r);
    BOOST_TEST(got.code == corest::error::invalid_input);
    BOOST_TEST(got.message.find("MIGHAgEA") == std::string::npos);

    r.client_key = std::string(key_pem).substr(0, 120); // truncated key text
    got = corest::detail::validate(r);
    BOOST_TEST(got.message == "input \"client_key\" does not hold a valid PEM private key");
}

BOOST_AUTO_TEST_CASE(first_problem_wins_in_a_fixed_order)
{
    auto r = base();
    r.port = 0;
    r.headers = {{"X", "a\nb"}};
    r.connect_timeout = corest::seconds{-1};
    BOOST_TEST(corest::detail::validate(r).message == "input \"port\" must be an integer 1-65535, got 0");
    r.port.reset();
    BOOST_TEST(corest::detail::validate(r).message == "input \"headers.X\" must not contain a CR, LF or NUL character");
}

BOOST_AUTO_TEST_CASE(helpers)
{
    using namespace corest::detail;
    BOOST_TEST(quote_value("a\"b\\c\r\n\t\x01") == "\"a\\\"b\\\\c\\r\\n\\t\\x01\"");
    BOOST_TEST(quote_value(std::string(70, 'x')) == "\"" + std::string(64, 'x') + "...\"");
    // Names of inputs and files are quoted whole up to 4096 bytes; a longer one keeps its
    // first and last 64 characters, never cutting a UTF-8 sequence.
    const std::string path = "/" + std::string(200, 'd') + "/the-name-that-matters.txt";
    BOOST_TEST(quote_name(path) == "\"" + path + "\"");
    BOOST_TEST(quote_name(std::string(4096, 'n')) == "\"" + std::string(4096, 'n') + "\"");
    const std::string huge = std::string(5000, 'a') + "/tail-of-the-path.txt";
    BOOST_TEST(quote_name(huge) == "\"" + huge.substr(0, 64) + "..." + huge.substr(huge.size() - 64) + "\"");
    const std::string wide = std::string(63, 'a') + "\xC3\xA9" + std::string(5000, 'b');
    BOOST_TEST(quote_name(wide).substr(0, 67) == "\"" + std::string(63, 'a') + "...");
    BOOST_TEST(quote_name("a\"b\n") == "\"a\\\"b\\n\"");
    // Limits in messages.
    BOOST_TEST(seconds_text(0.5) == "0.5 s");
    BOOST_TEST(seconds_text(20) == "20 s");
    BOOST_TEST(seconds_text(static_cast<float>(0.3)) == "0.3 s");
    BOOST_TEST(seconds_text(1.23456) == "1.235 s");
    BOOST_TEST(timeout_error(phase::read, "read_timeout", 2, "http://h:1").message ==
               "the read_timeout of 2 s ran out while waiting for the response from http://h:1 (read)");
    BOOST_TEST(timeout_error(phase::connect, "connect_timeout", 20, "http://h:1").message ==
               "the connect_timeout of 20 s ran out while connecting to http://h:1 (connect)");
    BOOST_TEST(timeout_error(phase::tls, "total_timeout", 3.5, "https://h:1").message ==
               "the total_timeout of 3.5 s ran out during the TLS handshake with https://h:1 (tls)");
    BOOST_TEST(format_number(1.5) == "1.5");
    BOOST_TEST(format_number(70000) == "70000");
    BOOST_TEST(is_token("Content-Type"));
    BOOST_TEST(!is_token("Content Type"));
    BOOST_TEST(!is_token(""));
    BOOST_TEST(is_valid_boundary("x"));
    BOOST_TEST(!is_valid_boundary(" "));
    BOOST_TEST(has_line_break(std::string_view("a\0", 2)));
    BOOST_TEST(!has_line_break("a\tb"));
}

BOOST_AUTO_TEST_CASE(resolve_entries)
{
    auto with = [](std::string host, std::uint16_t port, std::vector<std::string> addresses) {
        corest::request r;
        r.url = "http://h/";
        r.resolve.push_back({std::move(host), port, std::move(addresses)});
        return corest::detail::validate(r);
    };
    BOOST_TEST(with("api.example.com", 443, {"127.0.0.1"}).ok());
    BOOST_TEST(with("*", 80, {"::1", "[::2]", "10.0.0.1"}).ok());
    BOOST_TEST(with("b\xC3\xBC" "cher.example", 80, {"127.0.0.1"}).ok());
    BOOST_TEST(with("::1", 80, {"127.0.0.1"}).ok());
    BOOST_TEST(with("h", 80, {"300.1.1.1"}).message ==
               "input \"resolve.h:80\": \"300.1.1.1\" is not an IPv4 or IPv6 address");
    BOOST_TEST(with("h", 80, {}).message == "input \"resolve.h:80\" must give at least one address");
    BOOST_TEST(with("h", 0, {"127.0.0.1"}).message == "input \"resolve.h:0\" has port 0; a port is 1-65535");
    BOOST_TEST(with("bad host", 1, {"127.0.0.1"}).code == corest::error::invalid_input);
    BOOST_TEST(with("xn--a.example", 1, {"127.0.0.1"}).code == corest::error::invalid_input);

    using corest::detail::split_host_port;
    BOOST_TEST((*split_host_port("h.example:8080") == std::pair<std::string, std::uint16_t>{"h.example", 8080}));
    BOOST_TEST((*split_host_port("[::1]:443") == std::pair<std::string, std::uint16_t>{"::1", 443}));
    for (std::string_view bad : {"h", "h:", ":80", "h:0", "h:65536", "h:8x", "::1:80", "[::1:80"})
        BOOST_TEST(!split_host_port(bad), bad);

    // Hosts compare as URL hosts do: case, U-label or A-label, IPv6 brackets.
    std::vector<corest::resolve_entry> entries{{"B\xC3\x9C" "CHER.example", 80, {"127.0.0.1"}},
                                                {"*", 80, {"127.0.0.2"}},
                                                {"[::1]", 8080, {"::1"}}};
    const auto overrides = corest::detail::resolve_overrides::of(entries);
    BOOST_TEST_REQUIRE(overrides.find("xn--bcher-kva.example", 80));
    BOOST_TEST(overrides.find("xn--bcher-kva.example", 80)->shown == "xn--bcher-kva.example:80 -> 127.0.0.1");
    BOOST_TEST(overrides.find("other.example", 80)->shown == "*:80 -> 127.0.0.2");
    BOOST_TEST(!overrides.find("other.example", 81));
    BOOST_TEST_REQUIRE(overrides.find("::1", 8080));
    BOOST_TEST(overrides.find("::1", 8080)->endpoints.front().port() == 8080);
}

BOOST_AUTO_TEST_CASE(cacert_file_verdict_follows_the_file)
{
    // Verdicts are cached per file identity: an edited file is checked again. Files are
    // looked at every call here (the default is once a second per path).
    auto& verdicts = corest::detail::tls_file_verdicts::shared();
    verdicts.recheck_files_after(std::chrono::seconds(0));
    temp_dir dir;
    const std::string path = dir.write("ca.pem", cert_pem);
    auto r = base();
    r.cacert = path;
    BOOST_TEST(corest::detail::validate(r).ok());
    BOOST_TEST(corest::detail::validate(r).ok());   // cached
    dir.write("ca.pem", "not pem at all, and of another size\n");
    auto bad = corest::detail::validate(r);
    BOOST_TEST((bad.code == corest::error::invalid_input));
    BOOST_TEST(bad.message == "input \"cacert\" does not hold a valid PEM certificate");
    std::filesystem::remove(path);
    BOOST_TEST(corest::detail::validate(r).message.find("does not exist") != std::string::npos);
    verdicts.recheck_files_after(corest::detail::tls_file_verdicts::default_recheck);
}

BOOST_AUTO_TEST_CASE(cacert_file_is_looked_at_again_only_after_the_interval)
{
    // Within the interval a call reuses the file's last look (no stat per call); a missing
    // file is looked for at every call, so one that appears is found at once.
    auto& verdicts = corest::detail::tls_file_verdicts::shared();
    verdicts.recheck_files_after(std::chrono::hours(1));
    temp_dir dir;
    auto r = base();
    r.cacert = (dir.path / "later.pem").string();
    BOOST_TEST(corest::detail::validate(r).message.find("does not exist") != std::string::npos);
    dir.write("later.pem", cert_pem);
    BOOST_TEST(corest::detail::validate(r).ok());
    dir.write("later.pem", "not pem at all, and of another size\n");
    BOOST_TEST(corest::detail::validate(r).ok());   // the last look is younger than an hour
    verdicts.recheck_files_after(std::chrono::seconds(0));
    BOOST_TEST((corest::detail::validate(r).code == corest::error::invalid_input));
    verdicts.recheck_files_after(corest::detail::tls_file_verdicts::default_recheck);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include <corest/profile.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

boost::json::object obj(const char* text)
{
    return boost::json::parse(text).as_object();
}

// Sets an environment variable for one scope.
struct scoped_env {
    std::string name;
    scoped_env(std::string n, const char* value) : name(std::move(n)) { ::setenv(name.c_str(), value, 1); }
    ~scoped_env() { ::unsetenv(name.c_str()); }
};

struct merge_out {
    corest::input_check check;
    boost::json::object merged;
};

merge_out merge(const char* connector, const char* secrets, const char* call)
{
    merge_out out;
    out.check = corest::merge_inputs(obj(connector), obj(secrets), obj(call), out.merged);
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(profile)

BOOST_AUTO_TEST_CASE(merge_order_call_wins_over_secrets_over_connector)
{
    auto m = merge(R"({"username": "conn", "password": "conn-pw", "url": "http://c/", "method": "post"})",
                   R"({"username": "sec", "password": "sec-pw"})", R"({"username": "call", "method": "put"})");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(boost::json::serialize(m.merged) ==
               R"({"username":"call","password":"sec-pw","url":"http://c/","method":"put"})");
}

BOOST_AUTO_TEST_CASE(merge_is_key_by_key_at_the_top_level)
{
    // A nested object is replaced whole, not merged.
    auto m = merge(R"({"headers": {"a": "1", "b": "2"}})", "{}", R"({"headers": {"c": "3"}})");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(boost::json::serialize(m.merged) == R"({"headers":{"c":"3"}})");
}

BOOST_AUTO_TEST_CASE(non_input_secret_keys_are_not_merged)
{
    auto m = merge(R"({"url": "http://c/"})", R"({"api_token": "t0k3n", "password": "pw", "base": "http://b"})", "{}");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(boost::json::serialize(m.merged) == R"({"url":"http://c/","password":"pw"})");
}

BOOST_AUTO_TEST_CASE(placeholders_in_nested_strings)
{
    auto m = merge(R"({"url": "{{secrets.base}}/get", "headers": {"Authorization": "Bearer {{ secrets.token }}"},
                       "multipart": {"parts": [{"name": "n", "value": "x{{secrets.token}}y{{secrets.port}}"}]}})",
                   R"({"base": "http://h:1", "token": "abc", "port": 8080})", "{}");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(m.merged.at("url").as_string() == "http://h:1/get");
    BOOST_TEST(m.merged.at("headers").at("Authorization").as_string() == "Bearer abc");
    BOOST_TEST(m.merged.at("multipart").at("parts").at(0).at("value").as_string() == "xabcy8080");
}

BOOST_AUTO_TEST_CASE(placeholders_in_call_inputs_and_secret_inputs)
{
    auto m = merge("{}", R"({"password": "{{secrets.pw}}", "pw": "s3"})", R"({"url": "http://h/{{secrets.pw}}"})");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(m.merged.at("password").as_string() == "s3");
    BOOST_TEST(m.merged.at("url").as_string() == "http://h/s3");
}

BOOST_AUTO_TEST_CASE(other_braces_are_kept)
{
    auto m = merge(R"({"text": "{{name}} {x} {{{secrets.a}}}"})", R"({"a": "A"})", "{}");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(m.merged.at("text").as_string() == "{{name}} {x} {A}");
}

BOOST_AUTO_TEST_CASE(secrets_object_wins_over_environment)
{
    scoped_env env("COREST_SECRET_tok", "from-env");
    auto m = merge(R"({"text": "{{secrets.tok}}"})", R"({"tok": "from-file"})", "{}");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(m.merged.at("text").as_string() == "from-file");
}

BOOST_AUTO_TEST_CASE(environment_fallback)
{
    scoped_env env("COREST_SECRET_X", "env-value");
    auto m = merge(R"({"headers": {"k": "v={{secrets.X}}"}})", "{}", "{}");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(m.merged.at("headers").at("k").as_string() == "v=env-value");
}

BOOST_AUTO_TEST_CASE(unknown_secret_is_missing_input_naming_it)
{
    ::unsetenv("COREST_SECRET_nope");
    auto m = merge(R"({"headers": {"k": "{{secrets.nope}}"}})", R"({"other": "hunter2"})", "{}");
    BOOST_TEST(m.check.code == corest::error::missing_input);
    BOOST_TEST(m.check.message ==
               R"(unknown secret "nope" (not in the secrets file and COREST_SECRET_nope is not set), used in input "headers.k")");
    BOOST_TEST(m.check.message.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(array_paths_in_messages)
{
    ::unsetenv("COREST_SECRET_q");
    auto m = merge("{}", "{}", R"({"multipart": {"parts": [{}, {"value": "{{secrets.q}}"}]}})");
    BOOST_TEST(m.check.code == corest::error::missing_input);
    BOOST_TEST(m.check.message.find(R"(used in input "multipart.parts[1].value")") != std::string::npos,
               m.check.message);
}

BOOST_AUTO_TEST_CASE(secret_of_wrong_type_is_invalid_input_without_value)
{
    auto m = merge(R"({"text": "{{secrets.s}}"})", R"({"s": {"inner": "hunter2"}})", "{}");
    BOOST_TEST(m.check.code == corest::error::invalid_input);
    BOOST_TEST(m.check.message ==
               R"(secret "s" used in input "text" must be a string or a number in the secrets file, not an object)");
}

BOOST_AUTO_TEST_CASE(malformed_placeholder_is_invalid_input)
{
    auto m = merge(R"({"url": "http://h/{{secrets.a b}}"})", R"({"a": "hunter2"})", "{}");
    BOOST_TEST(m.check.code == corest::error::invalid_input);
    BOOST_TEST(m.check.message.find(R"(input "url")") != std::string::npos, m.check.message);
    BOOST_TEST(m.check.message.find("hunter2") == std::string::npos);
    auto unterminated = merge(R"({"url": "{{secrets.a"})", R"({"a": "x"})", "{}");
    BOOST_TEST(unterminated.check.code == corest::error::invalid_input);
}

BOOST_AUTO_TEST_CASE(secret_value_is_not_expanded_again)
{
    auto m = merge(R"({"text": "{{secrets.a}}"})", R"({"a": "{{secrets.b}}"})", "{}");
    BOOST_TEST_REQUIRE(m.check.ok(), m.check.message);
    BOOST_TEST(m.merged.at("text").as_string() == "{{secrets.b}}");
}

BOOST_AUTO_TEST_CASE(secret_strings_lists_values_but_not_mode_words)
{
    auto s = corest::secret_strings(obj(R"({"password": "pw", "empty": "", "n": 42, "flag": true,
        "authentication": {"type": "bearer", "token": "tk"}, "list": ["a1", 2.5]})"));
    std::vector<std::string> expected{"pw", "42", "tk", "a1", "2.5"};
    BOOST_TEST(s == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

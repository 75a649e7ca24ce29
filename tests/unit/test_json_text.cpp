// JSON text as corest writes it: numbers keep the form a person wrote (the contract's
// "JSON numbers keep their form on the wire"), strings escaped, depth limits named.

#include <boost/test/unit_test.hpp>

#include <corest/detail/json_limits.hpp>
#include <corest/json.hpp>

#include <boost/json/parse.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace {

std::string text_of(double d) { return corest::json_text(boost::json::value(d)); }

// The JSON text parsed by Boost.JSON and written back by corest.
std::string round_trip(std::string_view json) { return corest::json_text(boost::json::parse(json)); }

std::string nested(std::size_t levels) { return std::string(levels, '[') + "1" + std::string(levels, ']'); }

} // namespace

BOOST_AUTO_TEST_SUITE(json_text)

BOOST_AUTO_TEST_CASE(doubles_in_plain_decimal_with_a_point)
{
    const std::pair<double, std::string_view> rows[] = {
        {1.5, "1.5"}, {100.0, "100.0"}, {0.1, "0.1"}, {-0.0, "-0.0"}, {0.0, "0.0"}, {-7.25, "-7.25"},
        {123456.789, "123456.789"}, {1e-6, "0.000001"}, {1.5e-6, "0.0000015"}, {1e20, "100000000000000000000.0"},
        {9.999999999999999e20, "999999999999999900000.0"}, {2.0 / 3, "0.6666666666666666"},
        {1e21, "1e+21"}, {1.5e300, "1.5e+300"}, {1e-7, "1e-7"}, {-2.5e-10, "-2.5e-10"},
        {std::numeric_limits<double>::denorm_min(), "5e-324"},
        {std::numeric_limits<double>::infinity(), "null"}, {std::nan(""), "null"},
    };
    for (auto [d, expected] : rows) BOOST_TEST(text_of(d) == expected);
}

BOOST_AUTO_TEST_CASE(parsed_numbers_keep_their_form)
{
    BOOST_TEST(round_trip(R"({"price":1.5,"h":100.0,"t":0.1,"e":1E2,"n":-0.0,"i":42,"neg":-7})") ==
               R"({"price":1.5,"h":100.0,"t":0.1,"e":100.0,"n":-0.0,"i":42,"neg":-7})");
    BOOST_TEST(round_trip("[18446744073709551615,-9223372036854775808,0]") ==
               "[18446744073709551615,-9223372036854775808,0]");
    // Every double reads back as itself.
    for (double d : {0.1, 1.0 / 3, 1e-6, 4.35, 5e-324, 1.7976931348623157e308, 123.456e-3})
        BOOST_TEST(boost::json::parse(text_of(d)).as_double() == d);
}

BOOST_AUTO_TEST_CASE(strings_and_structure)
{
    BOOST_TEST(round_trip(R"({"a":"x\"y\\z\n\t\u0001","b":[],"c":{},"d":[true,false,null]})") ==
               R"({"a":"x\"y\\z\n\t\u0001","b":[],"c":{},"d":[true,false,null]})");
    BOOST_TEST(round_trip("\"caf\xC3\xA9\"") == "\"caf\xC3\xA9\"");   // UTF-8 as it is
    BOOST_TEST(corest::json_text(boost::json::parse(R"({"a":[1,{"b":2}]})"), true) ==
               "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ]\n}");
}

BOOST_AUTO_TEST_CASE(forms_write_numbers_the_same_way)
{
    BOOST_TEST(*corest::detail::json_scalar_text(boost::json::value(100.0)) == "100.0");
    BOOST_TEST(*corest::detail::json_scalar_text(boost::json::value(7)) == "7");
    BOOST_TEST(*corest::detail::json_scalar_text(boost::json::value(true)) == "true");
    BOOST_TEST(*corest::detail::json_scalar_text(boost::json::value("1.50")) == "1.50");
    BOOST_TEST(!corest::detail::json_scalar_text(boost::json::value(nullptr)));
}

BOOST_AUTO_TEST_CASE(depth_limits)
{
    using corest::detail::max_json_depth;
    using corest::detail::nests_deeper_than;
    boost::json::parse_options deep;
    deep.max_depth = 2000;
    BOOST_TEST(!nests_deeper_than(boost::json::parse(nested(1000), {}, deep), max_json_depth));
    BOOST_TEST(nests_deeper_than(boost::json::parse(nested(1001), {}, deep), max_json_depth));
    BOOST_TEST(!nests_deeper_than(boost::json::value(1), 0));
    BOOST_TEST(nests_deeper_than(boost::json::parse("{}"), 0));

    // The top-level input the limit was passed under, for the message.
    using corest::detail::key_nested_too_deep;
    const std::string doc = R"({"url": "x", "a \"b": {"k": "[["}, "json": )" + nested(5) + "}";
    BOOST_TEST(*key_nested_too_deep(doc, 4) == "json");
    BOOST_TEST(*key_nested_too_deep(doc, 2) == "json");
    BOOST_TEST(!key_nested_too_deep(doc, 7));
    BOOST_TEST(*key_nested_too_deep(R"({"a \"q": [[[1]]]})", 3) == "a \"q");
    BOOST_TEST(!key_nested_too_deep(nested(5), 3));   // no top-level object: no input to name
}

BOOST_AUTO_TEST_SUITE_END()

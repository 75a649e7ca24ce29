#include <boost/test/unit_test.hpp>

#include <corest/detail/body_classify.hpp>

#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace std::string_view_literals;
using corest::body_kind;
using corest::detail::classify_body;
using corest::detail::content_type_charset;
using corest::detail::is_valid_utf8;

namespace {

corest::result classified(std::string_view body, std::string_view content_type = {}, bool still_encoded = false)
{
    corest::result r;
    if (!content_type.empty()) r.headers.emplace_back("content-type", std::string(content_type));
    r.body = std::string(body);
    classify_body(r, still_encoded);
    return r;
}

std::string kind_name(body_kind k)
{
    switch (k) {
    case body_kind::none: return "none";
    case body_kind::json: return "json";
    case body_kind::text: return "text";
    case body_kind::bytes: return "bytes";
    }
    return "?";
}

} // namespace

BOOST_AUTO_TEST_SUITE(classify)

BOOST_AUTO_TEST_CASE(utf8_validation_word_at_a_time_boundaries)
{
    // ASCII is skipped 8 bytes at a time: a bad or multi-byte sequence at every
    // offset around the word boundaries must still be seen.
    for (std::size_t at = 0; at < 20; ++at) {
        std::string bad(24, 'a');
        bad[at] = '\x80';
        BOOST_TEST(!is_valid_utf8(bad), "lone continuation at " << at);
        std::string good(24, 'a');
        good.replace(at, 2, "\xC3\xA9");
        BOOST_TEST(is_valid_utf8(good), "2-byte sequence at " << at);
        std::string cut(at, 'a');
        cut += "\xE2\x82";   // truncated at the very end
        BOOST_TEST(!is_valid_utf8(cut), "truncated sequence after " << at);
    }
}

BOOST_AUTO_TEST_CASE(utf8_validation_is_strict)
{
    BOOST_TEST(is_valid_utf8(""sv));
    BOOST_TEST(is_valid_utf8("plain ascii \t\n"sv));
    BOOST_TEST(is_valid_utf8("a\0b"sv));                     // U+0000 is valid UTF-8
    BOOST_TEST(is_valid_utf8("caf\xC3\xA9"sv));              // 2 bytes
    BOOST_TEST(is_valid_utf8("\xE2\x82\xAC"sv));             // U+20AC
    BOOST_TEST(is_valid_utf8("\xED\x9F\xBF"sv));             // U+D7FF, just below the surrogates
    BOOST_TEST(is_valid_utf8("\xEF\xBF\xBF"sv));             // U+FFFF
    BOOST_TEST(is_valid_utf8("\xF0\x9F\x98\x80"sv));         // U+1F600
    BOOST_TEST(is_valid_utf8("\xF4\x8F\xBF\xBF"sv));         // U+10FFFF

    BOOST_TEST(!is_valid_utf8("\x80"sv));                    // lone continuation byte
    BOOST_TEST(!is_valid_utf8("\xC0\xAF"sv));                // overlong '/'
    BOOST_TEST(!is_valid_utf8("\xC1\xBF"sv));                // overlong
    BOOST_TEST(!is_valid_utf8("\xE0\x80\xAF"sv));            // overlong 3 bytes
    BOOST_TEST(!is_valid_utf8("\xF0\x80\x80\xAF"sv));        // overlong 4 bytes
    BOOST_TEST(!is_valid_utf8("\xED\xA0\x80"sv));            // U+D800 surrogate
    BOOST_TEST(!is_valid_utf8("\xED\xBF\xBF"sv));            // U+DFFF surrogate
    BOOST_TEST(!is_valid_utf8("\xF4\x90\x80\x80"sv));        // U+110000
    BOOST_TEST(!is_valid_utf8("\xF5\x80\x80\x80"sv));
    BOOST_TEST(!is_valid_utf8("\xFF"sv));
    BOOST_TEST(!is_valid_utf8("\xE2\x82"sv));                // truncated at the end
    BOOST_TEST(!is_valid_utf8("\xE2\x82" "a"sv));            // truncated in the middle
    BOOST_TEST(!is_valid_utf8("\xC3\xC3"sv));
}

BOOST_AUTO_TEST_CASE(charset_parameter)
{
    BOOST_TEST(content_type_charset("text/html; charset=UTF-8").value_or("-") == "utf-8");
    BOOST_TEST(content_type_charset("text/html;Charset=\"ISO-8859-1\"").value_or("-") == "iso-8859-1");
    BOOST_TEST(content_type_charset("text/plain; format=flowed; charset=utf-8 ").value_or("-") == "utf-8");
    BOOST_TEST(content_type_charset("multipart/x; boundary=\"a;charset=bad\"; charset=latin1").value_or("-")
               == "latin1");
    BOOST_TEST(!content_type_charset("application/json").has_value());
    BOOST_TEST(!content_type_charset("").has_value());
    BOOST_TEST(!content_type_charset("text/plain; charset=\"\"").has_value());
    BOOST_TEST(!content_type_charset("text/plain; charsets=utf-8").has_value());
    BOOST_TEST(!content_type_charset("text/plain; xcharset=utf-8").has_value());
}

BOOST_AUTO_TEST_CASE(empty_body_has_no_body_output)
{
    auto r = classified("");
    BOOST_TEST(kind_name(r.kind) == "none");
    BOOST_TEST(!r.encoding.has_value());

    auto declared = classified("", "text/plain; charset=UTF-8");
    BOOST_TEST(kind_name(declared.kind) == "none");
    BOOST_TEST(declared.encoding.value_or("-") == "utf-8");
}

BOOST_AUTO_TEST_CASE(json_object)
{
    auto r = classified(R"({"a": [1, 2.5, "x"], "b": null})", "application/json");
    BOOST_TEST(kind_name(r.kind) == "json");
    BOOST_TEST(r.encoding.value_or("-") == "utf-8");
    BOOST_TEST(boost::json::serialize(r.json_body) == R"({"a":[1,2.5E0,"x"],"b":null})");
}

BOOST_AUTO_TEST_CASE(json_null_is_json)
{
    auto r = classified("null", "application/json");
    BOOST_TEST(kind_name(r.kind) == "json");
    BOOST_TEST(r.json_body.is_null());
}

BOOST_AUTO_TEST_CASE(json_with_surrounding_whitespace_and_bom)
{
    auto r = classified(" \r\n\t[1, 2]\n ");
    BOOST_TEST(kind_name(r.kind) == "json");
    BOOST_TEST(boost::json::serialize(r.json_body) == "[1,2]");

    auto bom = classified("\xEF\xBB\xBF{\"k\":true}"sv);
    BOOST_TEST(kind_name(bom.kind) == "json");
    BOOST_TEST(boost::json::serialize(bom.json_body) == R"({"k":true})");
}

BOOST_AUTO_TEST_CASE(json_whatever_the_content_type)
{
    auto r = classified("{\"id\": 7}", "application/octet-stream");
    BOOST_TEST(kind_name(r.kind) == "json");
    BOOST_TEST(r.json_body.at("id").as_int64() == 7);

    auto html = classified("42", "text/html; charset=utf-8");
    BOOST_TEST(kind_name(html.kind) == "json");
    BOOST_TEST(html.json_body.as_int64() == 42);
}

BOOST_AUTO_TEST_CASE(deeply_nested_json_is_json)
{
    std::string doc = std::string(200, '[') + std::string(200, ']');
    auto r = classified(doc);
    BOOST_TEST(kind_name(r.kind) == "json");
}

BOOST_AUTO_TEST_CASE(nan_and_infinity_are_text)
{
    for (auto body : {"NaN", "Infinity", "-Infinity", "[NaN]"}) {
        auto r = classified(body, "application/json");
        BOOST_TEST(kind_name(r.kind) == "text", body);
        BOOST_TEST(r.body == body);
    }
}

BOOST_AUTO_TEST_CASE(not_quite_json_is_text)
{
    auto trailing = classified("{\"a\":1} x");
    BOOST_TEST(kind_name(trailing.kind) == "text");
    BOOST_TEST(trailing.body == "{\"a\":1} x");

    auto comment = classified("[1] // no");
    BOOST_TEST(kind_name(comment.kind) == "text");
}

BOOST_AUTO_TEST_CASE(plain_text)
{
    auto r = classified("hello w\xC3\xB6rld", "text/plain");
    BOOST_TEST(kind_name(r.kind) == "text");
    BOOST_TEST(r.encoding.value_or("-") == "utf-8");
    BOOST_TEST(r.body == "hello w\xC3\xB6rld");
}

BOOST_AUTO_TEST_CASE(latin1_text_is_decoded)
{
    auto r = classified("caf\xE9 \xA9"sv, "text/plain; charset=ISO-8859-1");
    BOOST_TEST(kind_name(r.kind) == "text");
    BOOST_TEST(r.encoding.value_or("-") == "iso-8859-1");
    BOOST_TEST(r.body == "caf\xC3\xA9 \xC2\xA9"sv);

    auto alias = classified("\xFF"sv, "text/plain; charset=latin1");
    BOOST_TEST(kind_name(alias.kind) == "text");
    BOOST_TEST(alias.body == "\xC3\xBF"sv);
}

BOOST_AUTO_TEST_CASE(windows1252_text_is_decoded)
{
    auto r = classified("\x80 \x93q\x94"sv, "text/html; charset=windows-1252");
    BOOST_TEST(kind_name(r.kind) == "text");
    BOOST_TEST(r.encoding.value_or("-") == "windows-1252");
    BOOST_TEST(r.body == "\xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D"sv);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_without_charset_is_bytes)
{
    auto r = classified("\xFF\xFE\x00\x01"sv);
    BOOST_TEST(kind_name(r.kind) == "bytes");
    BOOST_TEST(!r.encoding.has_value());
    BOOST_TEST(r.body == "\xFF\xFE\x00\x01"sv);
}

BOOST_AUTO_TEST_CASE(declared_charset_but_invalid_is_bytes)
{
    auto r = classified("\xFF\xD8\xFF\xE0"sv, "text/plain; charset=utf-8");
    BOOST_TEST(kind_name(r.kind) == "bytes");
    BOOST_TEST(r.encoding.value_or("-") == "utf-8");
    BOOST_TEST(r.body == "\xFF\xD8\xFF\xE0"sv);

    auto ascii = classified("caf\xC3\xA9"sv, "text/plain; charset=us-ascii");
    BOOST_TEST(kind_name(ascii.kind) == "bytes");
    BOOST_TEST(ascii.encoding.value_or("-") == "us-ascii");
}

BOOST_AUTO_TEST_CASE(charsets_we_cannot_decode)
{
    // ASCII-compatible: plain ASCII is still text, anything else is bytes.
    auto ascii = classified("hello", "text/plain; charset=Shift_JIS");
    BOOST_TEST(kind_name(ascii.kind) == "text");
    BOOST_TEST(ascii.encoding.value_or("-") == "shift_jis");
    auto high = classified("\x82\xA0"sv, "text/plain; charset=Shift_JIS");
    BOOST_TEST(kind_name(high.kind) == "bytes");

    // Not ASCII-compatible: never text.
    auto utf16 = classified("h\0i\0"sv, "text/plain; charset=utf-16le");
    BOOST_TEST(kind_name(utf16.kind) == "bytes");
    BOOST_TEST(utf16.encoding.value_or("-") == "utf-16le");
}

BOOST_AUTO_TEST_CASE(nul_bytes_without_charset_are_bytes)
{
    auto r = classified("\0\0\0\0"sv);
    BOOST_TEST(kind_name(r.kind) == "bytes");
    BOOST_TEST(r.encoding.value_or("-") == "utf-8");   // valid UTF-8 all the same
}

BOOST_AUTO_TEST_CASE(still_encoded_body_is_bytes)
{
    auto r = classified("{\"a\":1}", "application/json", true);
    BOOST_TEST(kind_name(r.kind) == "bytes");
    BOOST_TEST(!r.encoding.has_value());
    BOOST_TEST(r.body == "{\"a\":1}");
}

BOOST_AUTO_TEST_CASE(reclassifying_resets_previous_outputs)
{
    corest::result r;
    r.kind = body_kind::json;
    r.json_body = 5;
    r.encoding = "utf-16";
    r.body = "";
    classify_body(r);
    BOOST_TEST(kind_name(r.kind) == "none");
    BOOST_TEST(r.json_body.is_null());
    BOOST_TEST(!r.encoding.has_value());
}

BOOST_AUTO_TEST_CASE(text_scan_piece_by_piece_agrees_with_a_whole_scan)
{
    // Bodies split at every pair of points, as reads would deliver them: the verdict
    // must be the one of scanning the whole body at once.
    const std::vector<std::string> bodies = {
        "plain ascii",
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 end",   // 2-, 3- and 4-byte sequences
        "\xF0\x9F\x98\x80",                                  // nothing but one sequence
        "ab\xE2\x82",                                        // truncated at the end
        "\xC3(",                                             // a lead byte without its continuation
        "\x80 stray continuation",
        "\xED\xA0\x80 surrogate",
        std::string("nul \0 inside", 12),
        std::string("\xC3\xA9\0", 3),
        "\xF8\x88\x80\x80\x80 five bytes",
    };
    for (const auto& body : bodies) {
        const bool whole_utf8 = corest::detail::is_valid_utf8(body);
        const bool whole_nul = body.find('\0') != std::string::npos;
        for (std::size_t i = 0; i <= body.size(); ++i)
            for (std::size_t j = i; j <= body.size(); ++j) {
                corest::detail::body_text_scan scan;
                scan.advance(std::string_view(body).substr(0, i));
                scan.advance(std::string_view(body).substr(0, j));
                scan.finish(body);
                BOOST_TEST(scan.valid_utf8() == whole_utf8, "body #" << &body - bodies.data() << " split " << i << "," << j);
                if (whole_utf8) BOOST_TEST(scan.has_nul() == whole_nul);
            }
    }
}

BOOST_AUTO_TEST_CASE(classify_body_takes_the_scan_of_the_arrived_body)
{
    corest::result r;
    r.body = std::string("text\0with a nul", 15);
    corest::detail::body_text_scan scan;
    scan.finish(r.body);
    corest::detail::classify_body(r, false, &scan);
    BOOST_TEST((r.kind == corest::body_kind::bytes));
    r.body = "caf\xC3\xA9";
    scan = {};
    scan.advance(std::string_view(r.body).substr(0, 4));
    scan.finish(r.body);
    corest::detail::classify_body(r, false, &scan);
    BOOST_TEST((r.kind == corest::body_kind::text));
    BOOST_TEST(r.encoding.value_or("") == "utf-8");
}

BOOST_AUTO_TEST_SUITE_END()

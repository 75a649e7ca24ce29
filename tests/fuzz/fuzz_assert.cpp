// Boost assertions in the fuzz targets (built with BOOST_ENABLE_ASSERT_HANDLER and
// without NDEBUG): a failed BOOST_ASSERT prints where and aborts, which libFuzzer
// reports as a crash, EXCEPT the known false assertions of Boost 1.81 listed below.
// Boost itself has since corrected them; execution then goes on exactly as in a
// build without asserts (which is how corest ships), so fuzzing keeps finding real bugs.

#include <boost/assert.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

struct known_false_assertion {
    std::string_view file_suffix;
    std::string_view expression;
    const char* why;
};

constexpr known_false_assertion tolerated[] = {
    // basic_parser::parse_chunk_header, after the final chunk "0\r\n" when the trailer
    // arrives in pieces ("0\r\n" then "\r"): n is 4 there and the code below it handles
    // that (need_more). Fixed by boostorg/beast#2861 (May 2024).
    {"boost/beast/http/impl/basic_parser.ipp", "n >= 5", "boostorg/beast#2861"},
};

bool is_tolerated(const char* expr, const char* file)
{
    const std::string_view f(file ? file : ""), e(expr ? expr : "");
    for (const auto& k : tolerated)
        if (f.ends_with(k.file_suffix) && e == k.expression) return true;
    return false;
}

} // namespace

namespace boost {

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line)
{
    if (is_tolerated(expr, file)) return;
    std::fprintf(stderr, "%s:%ld: %s: Boost assertion `%s' failed%s%s\n", file, line, function, expr,
                 msg ? ": " : "", msg ? msg : "");
    std::abort();
}

void assertion_failed(char const* expr, char const* function, char const* file, long line)
{
    assertion_failed_msg(expr, nullptr, function, file, line);
}

} // namespace boost

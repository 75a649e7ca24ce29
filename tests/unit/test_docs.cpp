// The reference in docs/ cannot fall behind the code: every input the validator accepts
// and every error code of the enum has its entry there.

#include <boost/test/unit_test.hpp>

#include <corest/error.hpp>
#include <corest/json.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#ifndef COREST_DOCS_DIR
#error "COREST_DOCS_DIR must name the docs/ directory (tests/CMakeLists.txt sets it)"
#endif

namespace {

std::string read_doc(std::string_view name)
{
    const std::string path = std::string(COREST_DOCS_DIR) + "/" + std::string(name);
    std::ifstream in(path);
    BOOST_TEST_REQUIRE(static_cast<bool>(in), "cannot read " << path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// `name` appears as code in a table row of the document: "| `name`" or ", `name`" in the
/// first column.
bool documented(const std::string& doc, std::string_view name)
{
    const std::string code = "`" + std::string(name) + "`";
    return doc.find("| " + code) != std::string::npos || doc.find(", " + code + " |") != std::string::npos ||
           doc.find(", " + code + ",") != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(docs)

BOOST_AUTO_TEST_CASE(every_input_is_in_docs_inputs_md)
{
    const std::string doc = read_doc("inputs.md");
    for (auto name : corest::input_names())
        BOOST_TEST(documented(doc, name), "docs/inputs.md has no entry for the input " << name);
}

BOOST_AUTO_TEST_CASE(every_error_code_is_in_docs_errors_md)
{
    const std::string doc = read_doc("errors.md");
    for (int e = static_cast<int>(corest::error::ok) + 1; e <= static_cast<int>(corest::error::unknown_error); ++e) {
        const auto name = corest::error_name(static_cast<corest::error>(e));
        BOOST_TEST(documented(doc, name), "docs/errors.md has no entry for the error " << name);
    }
}

BOOST_AUTO_TEST_CASE(the_check_finds_a_missing_entry)
{
    // The matcher must not accept a name that is only mentioned in passing.
    BOOST_TEST(!documented("| `url` | string |\nsee `timeout` below", "timeout"));
    BOOST_TEST(documented("| `url` | string |", "url"));
    BOOST_TEST(documented("| `base_path`, `path` | string |", "path"));
}

BOOST_AUTO_TEST_SUITE_END()

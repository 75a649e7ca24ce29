// corest's error codes as boost::system codes: a sentence per value, the JSON name kept,
// conditions for the families, and conversion to std::error_code.

#include <boost/test/unit_test.hpp>

#include <corest/error.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <system_error>

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(every_code_has_a_name_and_a_sentence)
{
    for (int v = 1; v <= static_cast<int>(corest::error::unknown_error); ++v) {
        const auto e = static_cast<corest::error>(v);
        const boost::system::error_code ec = e;
        BOOST_TEST_CONTEXT(corest::error_name(e))
        {
            BOOST_TEST(!corest::error_name(e).empty());
            BOOST_TEST(ec.value() == v);
            BOOST_TEST(std::string(ec.category().name()) == "corest");
            const std::string sentence = ec.message();
            BOOST_TEST(sentence.size() > 10u);
            BOOST_TEST(sentence.back() == '.');
            BOOST_TEST(sentence != std::string(corest::error_name(e)));
        }
    }
    BOOST_TEST(boost::system::error_code(corest::error::not_found).message() == "The server answered 404 Not Found.");
    BOOST_TEST(!boost::system::error_code(corest::error::ok));   // 0 is success
}

BOOST_AUTO_TEST_CASE(conditions_group_the_codes)
{
    using corest::condition;
    using corest::error;
    const boost::system::error_code dns = error::dns_failed;
    BOOST_TEST((dns == condition::transport));
    BOOST_TEST((dns != condition::policy));
    BOOST_TEST((boost::system::error_code(error::invalid_input) == condition::input));
    BOOST_TEST((boost::system::error_code(error::gateway_timeout) == condition::status));
    BOOST_TEST((boost::system::error_code(error::unexpected_status) == condition::status));
    BOOST_TEST((boost::system::error_code(error::response_too_large) == condition::policy));
    BOOST_TEST((boost::system::error_code(error::cancelled) == condition::local));
    BOOST_TEST((boost::system::error_code(error::io_error) == condition::local));
    BOOST_TEST(corest::make_error_condition(condition::transport).message().find("transport") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_std_error_code_too)
{
    const std::error_code ec = corest::error::timeout;
    BOOST_TEST(ec.value() == static_cast<int>(corest::error::timeout));
    BOOST_TEST(ec.message() == "A time limit ran out.");
}

BOOST_AUTO_TEST_SUITE_END()

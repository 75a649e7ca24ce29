#define BOOST_TEST_MODULE corest_integration_tests
#include <boost/test/unit_test.hpp>

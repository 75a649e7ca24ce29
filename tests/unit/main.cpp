#define BOOST_TEST_MODULE corest_unit_tests
#include <boost/test/unit_test.hpp>

// A project outside corest's tree (find_package, add_subdirectory or FetchContent) that
// includes the umbrella header.
#include <corest.hpp>
#include <iostream>

int main()
{
    corest::request req;
    req.url = "http://127.0.0.1:1/";
    std::cout << corest::error_name(corest::error::not_found) << '\n';
    return req.url ? 0 : 1;
}

// Tutorial 7: redirects and cookies.
//
//   ./example_07_redirects_and_cookies [BASE_URL]        (default https://httpbin.org)
//
// corest follows up to `max_redirects` (10) redirects; result::history lists each 3xx
// and result::url is where the answer came from. Cookies a server sets during a call
// are sent on its later hops (RFC 6265 matching, bound to the origin's port) and
// reported in result::cookies. `allow_redirects = false` makes the 3xx the result.

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<int> follow(std::string base)
{
    corest::client client{co_await net::this_coro::executor};

    corest::request req;
    req.url = base + "/redirect/3";
    corest::result r = co_await client.execute(req);
    std::cout << "followed " << r.history.size() << " redirects:";
    for (const corest::history_entry& hop : r.history) std::cout << ' ' << hop.status_code;
    std::cout << ", answered by " << r.url << '\n';

    req.max_redirects = 1;
    r = co_await client.execute(req);
    std::cout << "with max_redirects 1: " << r.error_name() << '\n';

    // /cookies/set answers 302 with Set-Cookie; /cookies shows what the next hop sent.
    corest::request cookies;
    cookies.url = base + "/cookies/set?flavour=oatmeal";
    r = co_await client.execute(cookies);
    if (!r.ok()) {
        std::cerr << r.error_name() << ": " << r.message << '\n';
        co_return 1;
    }
    std::cout << "the redirect target received: " << corest::json_text(r.json_body.at("cookies")) << '\n';
    for (const auto& [name, value] : r.cookies) std::cout << "cookie set: " << name << '=' << value << '\n';

    // Not following: the 302 is the answer (listed as expected, so it is a success).
    cookies.allow_redirects = false;
    cookies.expected_status_code = {302};
    r = co_await client.execute(cookies);
    const std::string* location = r.header("location");
    std::cout << "not following: " << (r.ok() ? "success" : r.error_name()) << ", status " << r.status_code.value_or(0)
              << ", location " << (location ? *location : std::string("none")) << '\n';
    co_return 0;
}

int main(int argc, char** argv)
{
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, follow(argc > 1 ? argv[1] : "https://httpbin.org"), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

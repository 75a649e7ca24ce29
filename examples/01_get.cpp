// Tutorial 1: one GET request.
//
//   ./example_01_get [URL]        (default https://httpbin.org/get)
//
// A corest::client lives on an executor (here an io_context) and runs calls as
// coroutines. execute() never throws for a failed call: the result says what
// happened, with its error code (docs/errors.md) and a message a person can act on.

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<int> get(std::string url)
{
    // One client per service: it owns the connection pool, TLS contexts and caches.
    corest::client client{co_await net::this_coro::executor};

    corest::request req;
    req.url = url;                        // method defaults to GET
    req.headers = {{"Accept", "application/json"}};

    corest::result r = co_await client.execute(req);
    if (!r.ok()) {
        // Also on error the response (if any) is there: r.status_code, r.headers, r.body.
        std::cerr << "GET " << url << " failed: " << r.error_name() << ": " << r.message << '\n';
        co_return 1;
    }
    std::cout << "status " << *r.status_code << ' ' << r.reason << '\n';
    if (r.kind == corest::body_kind::json) std::cout << corest::json_text(r.json_body) << '\n';
    else std::cout << r.body << '\n';
    co_return 0;
}

int main(int argc, char** argv)
{
    std::string url = argc > 1 ? argv[1] : "https://httpbin.org/get";
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, get(url), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);   // only programmer errors throw
        status = s;
    });
    ioc.run();
    return status;
}

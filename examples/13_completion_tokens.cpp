// Tutorial 13: async_execute with callbacks, futures and deferred operations.
//
//   ./example_13_completion_tokens [BASE_URL]        (default https://httpbin.org)
//
// Code that is not a coroutine uses client.async_execute(request, token), with any
// Asio completion token; the completion signature is void(corest::result). The call
// runs on the handler's associated executor (else the client's), and the handler's
// associated cancellation slot can stop it.

#include <corest/client.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <iostream>
#include <string>
#include <thread>

namespace net = boost::asio;

int main(int argc, char** argv)
{
    const std::string base = argc > 1 ? argv[1] : "https://httpbin.org";
    net::io_context ioc;
    corest::client client{ioc.get_executor()};
    corest::request req;
    req.url = base + "/get";

    // 1. A callback, run by the thread that runs the io_context.
    client.async_execute(req, [](corest::result r) {
        std::cout << "callback: " << (r.ok() ? "success" : r.error_name()) << ' ' << r.status_code.value_or(0) << '\n';
    });
    ioc.run();

    // 2. A future, for a thread that wants to block: the io_context runs elsewhere.
    ioc.restart();
    auto work = net::make_work_guard(ioc);
    std::thread runner([&] { ioc.run(); });
    std::future<corest::result> f = client.async_execute(req, net::use_future);
    corest::result r = f.get();
    std::cout << "future: " << (r.ok() ? "success" : r.error_name()) << ' ' << r.status_code.value_or(0) << '\n';
    work.reset();
    runner.join();

    // 3. Deferred: nothing is sent until the operation is started with a handler.
    ioc.restart();
    auto op = client.async_execute(req, net::deferred);
    std::cout << "deferred: built, nothing sent yet\n";
    std::move(op)([](corest::result r2) {
        std::cout << "deferred: " << (r2.ok() ? "success" : r2.error_name()) << ' ' << r2.status_code.value_or(0)
                  << '\n';
    });
    ioc.run();
    return 0;
}

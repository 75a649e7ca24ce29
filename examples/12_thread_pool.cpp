// Tutorial 12: one client shared by the threads of a thread pool.
//
//   ./example_12_thread_pool [BASE_URL] [CALLS]        (default https://httpbin.org, 40)
//
// A client is safe to use from several threads at once: its pool, token cache,
// breakers and TLS contexts are locked. With the default threading::multi, a call
// whose caller is not on a strand gets a strand of its own, so its handlers never run
// at the same time. Make one client per service and share it; do not make one per call.

#include <corest/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<void> one_call(corest::client& client, std::string base, int i, std::atomic<int>& right)
{
    corest::request req;
    req.url = base + "/get";
    req.params = {{"call", i}};
    corest::result r = co_await client.execute(req);
    // Each success carries the answer to its own request.
    if (r.ok() && r.json_body.at("args").at("call").as_string() == std::to_string(i)) ++right;
    else std::cerr << "call " << i << ": " << r.error_name() << ": " << r.message << '\n';
}

int main(int argc, char** argv)
{
    const std::string base = argc > 1 ? argv[1] : "https://httpbin.org";
    const int calls = argc > 2 ? std::atoi(argv[2]) : 40;

    net::thread_pool threads(4);
    corest::client client{threads.get_executor()};
    std::atomic<int> right{0};
    for (int i = 0; i < calls; ++i)
        net::co_spawn(threads, one_call(client, base, i, right), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    threads.join();   // returns when every call has finished

    std::cout << right << " of " << calls << " calls answered correctly on 4 threads; "
              << client.live_connections() << " connections kept for reuse\n";
    return right == calls ? 0 : 1;
}

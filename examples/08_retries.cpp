// Tutorial 8: retries, back-off and total_timeout.
//
//   ./example_08_retries [BASE_URL]        (default https://httpbin.org)
//
// A status in `retry_status_code` (502, 503, 504 by default) is retried after a wait
// that starts at retry_backoff.initial and grows by `multiplier` up to `maximum`
// (a Retry-After header is honoured within `maximum`). No retry starts after
// retry_backoff.deadline; `total_timeout` bounds the whole call, waits included. Other
// statuses are not retried; result::attempts counts what was sent.

#include <corest/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <exception>
#include <iomanip>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<void> run(corest::client& client, std::string_view what, const corest::request& req)
{
    const auto start = std::chrono::steady_clock::now();
    corest::result r = co_await client.execute(req);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::cout << what << ": " << (r.ok() ? "success" : r.error_name()) << " after " << r.attempts
              << " attempt(s) in " << std::fixed << std::setprecision(1) << took.count() << " s\n";
}

net::awaitable<int> retry(std::string base)
{
    corest::client client{co_await net::this_coro::executor};

    // 503 every time: retried after 0.2 s, 0.4 s, then the 1 s deadline stops it.
    corest::request req;
    req.url = base + "/status/503";
    req.retry_backoff = {.initial = 0.2, .maximum = 5, .multiplier = 2, .deadline = 1};
    co_await run(client, "503, deadline 1 s", req);

    // The same, but the whole call may take 0.5 s: the second wait would end after
    // that, so the call stops at once with the last response instead of sleeping past
    // its limit (a limit that runs out during an attempt is a TIMEOUT, tutorial 9).
    req.retry_backoff.initial = 0.4;
    req.total_timeout = corest::seconds(0.5);
    co_await run(client, "503, total_timeout 0.5 s", req);

    // 500 is not in retry_status_code: one attempt, the response is the result.
    req.url = base + "/status/500";
    co_await run(client, "500", req);

    // Any status may be made retryable; here the retries end in success.
    req.url = base + "/status/200,429";   // httpbin picks one of the listed statuses
    req.retry_status_code = {429};
    req.total_timeout = corest::seconds(0);
    req.retry_backoff = {.initial = 0.05, .maximum = 0.05, .multiplier = 1, .deadline = 30};
    co_await run(client, "200 or 429, retrying 429", req);
    co_return 0;
}

int main(int argc, char** argv)
{
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, retry(argc > 1 ? argv[1] : "https://httpbin.org"), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

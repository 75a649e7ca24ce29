// Tutorial 10: many calls through one client with run_batch.
//
//   ./example_10_batch FILE [CONCURRENCY]
//       FILE  one JSON object of inputs per line (docs/inputs.md), e.g.
//             {"url": "https://httpbin.org/get", "params": {"n": 1}}
//
// run_batch pulls items from a source, runs up to CONCURRENCY of them at once through
// one client (sharing its pool, token cache and breakers), and hands each result to a
// sink in input order as soon as every earlier one is delivered: a million-line file
// never holds a million results. A line that is not valid input is a result too.

#include <corest/batch.hpp>
#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<void> run(std::ifstream& lines, std::size_t concurrency)
{
    corest::client client{co_await net::this_coro::executor};
    std::size_t succeeded = 0, failed = 0;

    auto next = [&]() -> std::optional<corest::batch_item> {
        std::string line;
        if (!std::getline(lines, line)) return std::nullopt;   // the end of the batch
        boost::system::error_code ec;
        boost::json::value inputs = boost::json::parse(line, ec);
        if (ec) return corest::batch_item{{}, corest::make_error_result(corest::error::invalid_input, "not JSON")};
        corest::from_json_result parsed = corest::request::from_json(inputs);
        if (!parsed.ok())
            return corest::batch_item{{}, corest::make_error_result(parsed.problem.code, parsed.problem.message)};
        return corest::batch_item{std::move(parsed.request), {}};
    };
    auto deliver = [&](std::size_t index, corest::result&& r) {
        (r.ok() ? succeeded : failed) += 1;
        std::cout << "line " << index + 1 << ": " << (r.ok() ? "success" : r.error_name());
        if (r.status_code) std::cout << ' ' << *r.status_code;
        std::cout << ' ' << r.url << '\n';
    };
    co_await corest::run_batch(client, next, deliver, concurrency);
    std::cout << succeeded << " succeeded, " << failed << " failed\n";
}

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::cerr << "usage: example_10_batch FILE [CONCURRENCY]\n";
        return 2;
    }
    std::ifstream lines(argv[1]);
    if (!lines) {
        std::cerr << "cannot read \"" << argv[1] << "\"\n";
        return 2;
    }
    net::io_context ioc;
    net::co_spawn(ioc, run(lines, argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 8), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    ioc.run();
    return 0;
}

// corest under load: N coroutines sharing one corest::client (its pool keeps
// the connections alive), each calling client.execute() in a loop.
// Prints one result line (see bench_common.hpp).

#include "asio_driver.hpp"

#include <corest.hpp>

#include <boost/asio/io_context.hpp>

namespace {

struct corest_session {
    corest::client* client;
    const corest::request* req;

    boost::asio::awaitable<bench::outcome> once()
    {
        // The call copies the request (corest's one lifetime rule): a kilobyte of every
        // call in flight, counted in the memory scenario.
        corest::result r = co_await client->execute(*req);
        co_return bench::outcome{r.ok(), r.body.size()};
    }
};

} // namespace

int main(int argc, char** argv)
{
    const auto opt = bench::parse_args(argc, argv);
    boost::asio::io_context ioc(1);
    // One thread runs the calls: no strand of their own (corest::threading::single).
    corest::client_options options;
    options.threading = corest::threading::single;
    corest::client client{ioc.get_executor(), options};
    corest::request req;
    req.url = opt.url;
    if (opt.cacert) req.cacert = *opt.cacert;
    if (opt.proxy) req.proxy = {corest::proxy_setting::mode::url, *opt.proxy};
    if (opt.http2) req.http_version = corest::http_version_mode::v2;   // else the default, auto

    bench::run_state run(opt);
    bench::run_workers(ioc, run, "corest", [&](std::size_t) { return corest_session{&client, &req}; });
    return 0;
}

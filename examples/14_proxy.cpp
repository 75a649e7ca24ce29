// Tutorial 14: calls through a proxy.
//
//   ./example_14_proxy BASE_URL PROXY_URL
//       PROXY_URL  http://[user:password@]host:port, https://..., socks5://... or socks5h://...
//
// `proxy` sends a call through an HTTP, HTTPS or SOCKS5 proxy: plain http requests in
// absolute form, https through a CONNECT tunnel (TLS to the target inside it). The
// proxy's credentials go to the proxy only and show as *** in every output. `no_proxy`
// lists hosts reached directly. With client_options::proxy_from_environment the
// client follows http_proxy, https_proxy, all_proxy and no_proxy as curl does.

#include <corest/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<void> show(corest::client& client, std::string_view what, const corest::request& req)
{
    corest::result r = co_await client.execute(req);
    std::cout << what << ": " << (r.ok() ? "success" : r.error_name()) << ' ' << r.status_code.value_or(0) << '\n';
    for (const std::string& line : r.log)   // the log says which way the call went
        if (line.starts_with("proxy") || line.starts_with("direct")) std::cout << "  " << line << '\n';
    if (!r.ok()) std::cout << "  " << r.message << '\n';
}

net::awaitable<int> run(std::string base, std::string proxy)
{
    corest::client client{co_await net::this_coro::executor};

    corest::request req;
    req.url = base + "/get";
    req.proxy = {corest::proxy_setting::mode::url, proxy};
    co_await show(client, "through the proxy", req);

    req.no_proxy = "localhost,127.0.0.1";   // names, suffixes, addresses, CIDR ranges, *
    co_await show(client, "no_proxy matches", req);

    // Wrong credentials: the proxy answers 407.
    req.no_proxy.reset();
    const auto at = proxy.find('@');
    if (at != std::string::npos) {
        req.proxy.url = proxy.substr(0, proxy.find("//") + 2) + "alice:wrong" + proxy.substr(at);
        co_await show(client, "wrong proxy password", req);
    }
    co_return 0;
}

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: example_14_proxy BASE_URL PROXY_URL\n";
        return 2;
    }
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, run(argv[1], argv[2]), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

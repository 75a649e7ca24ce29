// Tutorial 15: HTTP/2, many calls on one connection.
//
//   ./example_15_http2 URL CACERT [CALLS]
//       URL     an https server that speaks HTTP/2 (or http:// for one that speaks h2c)
//       CACERT  the CA that signed its certificate
//
// `http_version` is "auto" by default: over https corest offers h2 and http/1.1 by
// ALPN and speaks what the server picks. "2" insists on HTTP/2 (over plain http by
// prior knowledge), "1.1" never uses it. On HTTP/2, calls to one origin share one
// connection as streams, up to the server's limit of concurrent streams; calls
// starting together wait for the connection being opened instead of opening their own.
// result::http_version says what was spoken.

#include <corest/client.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

namespace net = boost::asio;

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::cerr << "usage: example_15_http2 URL CACERT [CALLS]\n";
        return 2;
    }
    const int calls = argc > 3 ? std::atoi(argv[3]) : 50;
    net::io_context ioc;
    corest::client client{ioc.get_executor()};

    corest::request req;
    req.url = argv[1];
    req.cacert = argv[2];
    req.http_version = corest::http_version_mode::v2;

    // All calls start at once; each callback counts what its call spoke.
    std::map<std::string, int> spoken;
    int failed = 0;
    for (int i = 0; i < calls; ++i)
        client.async_execute(req, [&](corest::result r) {
            if (r.ok()) ++spoken["HTTP/" + r.http_version];
            else if (++failed == 1) std::cerr << r.error_name() << ": " << r.message << '\n';
        });
    ioc.run();

    for (const auto& [version, count] : spoken) std::cout << count << " calls answered over " << version << '\n';
    std::cout << failed << " failed\n";

    // The same request with http_version 1.1 speaks HTTP/1.1 to the same server.
    req.http_version = corest::http_version_mode::v1_1;
    client.async_execute(req, [](corest::result r) {
        std::cout << "with http_version 1.1: HTTP/" << r.http_version << '\n';
    });
    ioc.restart();
    ioc.run();
    return failed == 0 ? 0 : 1;
}

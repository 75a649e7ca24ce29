// Tutorial 6: TLS with a private certificate authority and a client certificate.
//
//   ./example_06_tls URL CERT_DIR
//       URL       an https server that asks for a client certificate (mutual TLS)
//       CERT_DIR  holds ca.pem (the private CA), client.pem and client-key.pem
//
// corest verifies the server's certificate and host name by default, against the
// system's CAs. `cacert` trusts a private CA instead; `client_cert` and `client_key`
// present a certificate of our own. Each takes a path or the PEM text itself. A
// certificate that does not verify is a TLS_ERROR result, never a silent fallback.

#include <corest/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<int> mutual_tls(std::string url, std::string certs)
{
    corest::client client{co_await net::this_coro::executor};

    corest::request req;
    req.url = url;

    // The system's CAs do not know the private CA: the handshake fails.
    corest::result r = co_await client.execute(req);
    std::cout << "system CAs: " << r.error_name() << '\n';

    // Trusting the private CA: the server is verified, but it wants our certificate
    // (this nginx answers 400 without one).
    req.cacert = certs + "/ca.pem";
    r = co_await client.execute(req);
    std::cout << "private CA, no client certificate: " << r.error_name() << '\n';

    req.client_cert = certs + "/client.pem";
    req.client_key = certs + "/client-key.pem";
    r = co_await client.execute(req);
    if (!r.ok()) {
        std::cerr << r.error_name() << ": " << r.message << '\n';
        co_return 1;
    }
    // The server in front of httpbin tells it whether our certificate verified.
    std::cout << "private CA and client certificate: status " << *r.status_code
              << ", client verified: " << r.json_body.at("headers").at("X-Client-Verify").as_string().c_str() << '\n';
    co_return 0;
}

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: example_06_tls URL CERT_DIR\n";
        return 2;
    }
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, mutual_tls(argv[1], argv[2]), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

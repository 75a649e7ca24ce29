// Tutorial 4: HTTP Basic, a bearer token and an API key.
//
//   ./example_04_auth [BASE_URL]        (default https://httpbin.org)
//
// request::authentication is one of corest::basic_auth, bearer_auth, api_key_auth or
// oauth2_client_credentials (tutorial 5). Passwords, tokens and key values are
// corest::secret: they reach the server, but never a message, log line or URL in the
// result, where they show as ***. A 401 is an UNAUTHORIZED result with the response.

#include <corest/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<corest::result> show(corest::client& client, std::string_view what, corest::request req)
{
    corest::result r = co_await client.execute(std::move(req));
    std::cout << what << ": " << (r.ok() ? std::string("success") : std::string(r.error_name()));
    if (r.status_code) std::cout << " (status " << *r.status_code << ")";
    std::cout << ", url " << r.url << '\n';
    co_return r;
}

net::awaitable<int> authenticate(std::string base)
{
    corest::client client{co_await net::this_coro::executor};

    // httpbin's /basic-auth/USER/PASSWORD answers 200 to those credentials only.
    corest::request basic;
    basic.url = base + "/basic-auth/alice/wonderland";
    basic.authentication = corest::basic_auth{"alice", corest::secret("wonderland")};
    co_await show(client, "basic, right password", basic);

    basic.authentication = corest::basic_auth{"alice", corest::secret("guess")};
    co_await show(client, "basic, wrong password", basic);

    // Authorization: Bearer <token>
    corest::request bearer;
    bearer.url = base + "/bearer";
    bearer.authentication = corest::bearer_auth{corest::secret("eyJhbGciOi.example.token")};
    co_await show(client, "bearer", bearer);

    // An API key in a header, or in the query string (masked in result::url).
    corest::request key;
    key.url = base + "/headers";
    key.authentication = corest::api_key_auth{"X-Api-Key", corest::secret("k-123"), corest::api_key_location::header};
    corest::result echoed = co_await show(client, "api key in a header", key);
    if (echoed.ok()) {
        const boost::json::value& seen = echoed.json_body.at("headers").at("X-Api-Key");
        std::cout << "  the server saw X-Api-Key: " << seen.as_string().c_str() << '\n';
    }

    key.url = base + "/get";
    key.authentication = corest::api_key_auth{"api_key", corest::secret("k-123"), corest::api_key_location::query};
    co_await show(client, "api key in the query", key);
    co_return 0;
}

int main(int argc, char** argv)
{
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, authenticate(argc > 1 ? argv[1] : "https://httpbin.org"), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

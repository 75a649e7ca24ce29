// Tutorial 11: a connector profile with secrets.
//
//   ./example_11_connector_profile [BASE_URL]        (default https://httpbin.org)
//
// A connector is the inputs every call to one API shares (its URL, headers, auth,
// timeouts); a call gives only what differs. merge_inputs() layers them: connector,
// then the secrets object's keys that are input names, then the call's inputs, each
// replacing whole top-level keys. Then every {{secrets.NAME}} in any string is filled
// from the secrets object, else from the environment variable COREST_SECRET_NAME. The
// server gets the secret; error messages name the secret, never its value.

#include <corest/client.hpp>
#include <corest/json.hpp>
#include <corest/profile.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<corest::result> call(corest::client& client, const boost::json::object& connector,
                                    const boost::json::object& secrets, const boost::json::object& inputs)
{
    boost::json::object merged;
    corest::input_check check = corest::merge_inputs(connector, secrets, inputs, merged);
    if (!check.ok()) co_return corest::make_error_result(check.code, check.message);
    co_return co_await client.execute(boost::json::value(std::move(merged)));
}

net::awaitable<int> run(std::string base)
{
    corest::client client{co_await net::this_coro::executor};

    // Usually read from a file (the corest tool takes --connector and --secrets).
    const boost::json::object connector = boost::json::parse(R"({
        "url": ")" + base + R"(/anything/reports",
        "headers": {"Authorization": "Bearer {{secrets.api_token}}", "X-Region": "{{ secrets.region }}"},
        "params": {"page_size": 50},
        "read_timeout": 10})").as_object();
    const boost::json::object secrets = {{"api_token", "t0k3n-from-the-vault"}};
    setenv("COREST_SECRET_region", "eu-west", 1);   // a secret from the environment

    // (Named, not braced inside the co_await: GCC 12 miscompiles that.)
    const boost::json::object page_two = {{"params", {{"page", 2}}}};
    corest::result r = co_await call(client, connector, secrets, page_two);
    if (!r.ok()) {
        std::cerr << r.error_name() << ": " << r.message << '\n';
        co_return 1;
    }
    const boost::json::value& seen = r.json_body;   // httpbin's /anything echoes the request
    std::cout << "the server saw Authorization: " << seen.at("headers").at("Authorization").as_string().c_str() << '\n';
    std::cout << "the server saw X-Region: " << seen.at("headers").at("X-Region").as_string().c_str() << '\n';
    std::cout << "query (the call's params replaced the connector's): " << corest::json_text(seen.at("args")) << '\n';

    // A placeholder without a secret: MISSING_INPUT naming the secret and the input.
    const boost::json::object unknown_secret = {{"headers", {{"X-Other", "{{secrets.nowhere}}"}}}};
    r = co_await call(client, connector, secrets, unknown_secret);
    std::cout << r.error_name() << ": " << r.message << '\n';
    co_return 0;
}

int main(int argc, char** argv)
{
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, run(argc > 1 ? argv[1] : "https://httpbin.org"), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

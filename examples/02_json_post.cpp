// Tutorial 2: POST a JSON document and read the JSON that comes back.
//
//   ./example_02_json_post [BASE_URL]        (default https://httpbin.org)
//
// A body is one of the alternatives of corest::request_body; json_body sends a
// boost::json::value as is, with Content-Type: application/json. A response whose
// Content-Type is JSON is parsed for you: result::kind is body_kind::json and
// result::json_body holds the document (result::body keeps the text).

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<int> post_json(std::string base)
{
    corest::client client{co_await net::this_coro::executor};

    corest::request req;
    req.url = base + "/post";
    req.method = corest::method::post;
    req.body = corest::json_body{{{"name", "corest"}, {"tags", {"http", "coroutines"}}, {"version", 1}}};

    corest::result r = co_await client.execute(req);
    if (!r.ok()) {
        std::cerr << r.error_name() << ": " << r.message << '\n';
        co_return 1;
    }
    if (r.kind != corest::body_kind::json) {
        std::cerr << "expected a JSON answer, got " << r.body.size() << " bytes of something else\n";
        co_return 1;
    }
    // httpbin answers with what it received: the parsed document under "json", the
    // request's headers under "headers".
    const boost::json::object& answer = r.json_body.as_object();
    std::cout << "status " << *r.status_code << '\n';
    std::cout << "the server parsed: " << corest::json_text(answer.at("json")) << '\n';
    std::cout << "sent as: " << answer.at("headers").at("Content-Type").as_string().c_str() << '\n';
    co_return 0;
}

int main(int argc, char** argv)
{
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, post_json(argc > 1 ? argv[1] : "https://httpbin.org"), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}

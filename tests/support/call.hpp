#ifndef COREST_TESTS_SUPPORT_CALL_HPP
#define COREST_TESTS_SUPPORT_CALL_HPP

// One execute() on a fresh client and io_context: the short way for tests to make a call.

#include "support/run_coro.hpp"
#include "support/servers.hpp"

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/json/parse.hpp>

#include <string_view>

namespace corest::test {

/// Over HTTP/2 (over_http2()), a call to httpbin or httpbin2 (then nginx's h2c servers in
/// front of them) that leaves the version to corest asks for "2"; calls to the tests' own
/// HTTP/1.1 servers stay as they are.
inline bool to_http2_stand_in(std::string_view text)
{
    if (!over_http2()) return false;
    // The server's host:port in a URL, or its port as the "port" input (url parts).
    const auto names = [text](std::string_view url) {
        const auto authority = url.substr(url.find("://") + 3);
        const auto port = std::string("\"port\":") + std::string(authority.substr(authority.rfind(':') + 1));
        return text.find(authority) != std::string_view::npos || text.find(port) != std::string_view::npos;
    };
    return names(servers().h2c) || names(servers().h2c2);
}
inline void prefer_test_http_version(corest::request& req)
{
    if (req.url && to_http2_stand_in(*req.url) && req.http_version == corest::http_version_mode::automatic)
        req.http_version = corest::http_version_mode::v2;
}
inline void prefer_test_http_version(boost::json::value& inputs, std::string_view text)
{
    if (to_http2_stand_in(text) && inputs.is_object() && !inputs.get_object().contains("http_version"))
        inputs.get_object()["http_version"] = "2";
}

inline corest::result call(corest::request req, corest::client_options options = {})
{
    prefer_test_http_version(req);
    return run_coro([req = std::move(req), options](boost::asio::any_io_executor ex) mutable
                        -> boost::asio::awaitable<corest::result> {
        corest::client c{ex, options};
        co_return co_await c.execute(std::move(req));
    });
}

/// Maps JSON inputs (the form docs/inputs.md gives) and runs them.
inline corest::result call_json(std::string_view inputs)
{
    auto value = boost::json::parse(inputs);
    prefer_test_http_version(value, inputs);
    return run_coro([value](boost::asio::any_io_executor ex) -> boost::asio::awaitable<corest::result> {
        corest::client c{ex};
        co_return co_await c.execute(value);
    });
}

/// A request for `url` with everything else at their defaults.
inline corest::request get(std::string url)
{
    corest::request r;
    r.url = std::move(url);
    return r;
}

/// The JSON body of a result, as an object (empty when it is not one).
inline const boost::json::object& json_object(const corest::result& r)
{
    static const boost::json::object empty;
    if (r.kind == corest::body_kind::json && r.json_body.is_object()) return r.json_body.get_object();
    return empty;
}

} // namespace corest::test

#endif

#ifndef COREST_TESTS_SUPPORT_CALL_HPP
#define COREST_TESTS_SUPPORT_CALL_HPP

// One execute() on a fresh client and io_context: the short way for tests to make a call.

#include "support/run_coro.hpp"

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/json/parse.hpp>

#include <string_view>

namespace corest::test {

inline corest::result call(corest::request req, corest::client_options options = {})
{
    return run_coro([req = std::move(req), options](boost::asio::any_io_executor ex) mutable
                        -> boost::asio::awaitable<corest::result> {
        corest::client c{ex, options};
        co_return co_await c.execute(std::move(req));
    });
}

/// Maps JSON inputs (SPEC's form) and runs them.
inline corest::result call_json(std::string_view inputs)
{
    auto value = boost::json::parse(inputs);
    return run_coro([value](boost::asio::any_io_executor ex) -> boost::asio::awaitable<corest::result> {
        corest::client c{ex};
        co_return co_await c.execute(value);
    });
}

/// A request for `url` with everything else at SPEC's defaults.
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

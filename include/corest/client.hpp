#ifndef COREST_CLIENT_HPP
#define COREST_CLIENT_HPP

// corest::client: the long-lived object a service keeps (one per service,
// shared by all its coroutines). It owns the connection pool, the SSL contexts,
// the circuit breakers and the OAuth2 token cache.
//
//   corest::client client{co_await boost::asio::this_coro::executor};
//   corest::result r = co_await client.execute(req);
//   if (r.ok()) use(r.json_body); else log(r.error_name(), r.message);
//
// Lifetimes: execute(req) copies the request (or moves it, from an rvalue) before it
// returns, so the awaitable may be stored and the request changed or dropped.
// execute(std::cref(req)) borrows it instead, a kilobyte less per call in flight: the
// request must then outlive the call, unchanged (as a local does across
// `co_await client.execute(std::cref(req))`). The client must outlive the calls it
// started (calls hold its shared state, so a destroyed client does not crash them, but
// its idle connections are closed).
// Cancellation: the asio cancellation slot of the awaiting coroutine (e.g. an
// `||` race in the caller) ends the call with CANCELLED and closes its connection.
// Errors: never thrown for an expected failure; every failure is a result.
// Thread safety: one client may be used from coroutines on an io_context run by
// several threads; pool, token cache, breakers and SSL contexts are locked. A call
// whose caller is not on a strand (nor on an io_context made with concurrency hint 1)
// runs on a strand of its own, so its connection's handlers never run concurrently.

#include <corest/detail/call/driver.hpp>
#include <corest/pool.hpp>
#include <corest/request.hpp>
#include <corest/result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>

namespace corest {

struct client_options {
    pool_options pool;
};

class client {
public:
    explicit client(boost::asio::any_io_executor ex, client_options options = {})
        : state_(std::make_shared<detail::client_state>(std::move(ex), options.pool))
    {
    }

    client(const client&) = delete;
    client& operator=(const client&) = delete;
    client(client&&) noexcept = default;
    client& operator=(client&&) noexcept = default;

    ~client()
    {
        if (state_) state_->pool.close_idle();
    }

    /// Runs one connection execution with its own copy of `req`. Never throws for a failed call.
    /// (Not a by-value parameter: that copy would sit in the awaiting coroutine's frame too.)
    boost::asio::awaitable<result> execute(const request& req)
    {
        return detail::execute(state_, request(req));
    }

    /// The same, moving `req` into the call.
    boost::asio::awaitable<result> execute(request&& req)
    {
        return detail::execute(state_, std::move(req));
    }

    /// The same, borrowing the caller's request (`client.execute(std::cref(req))`): no
    /// copy, for callers with many calls in flight. `req` must outlive the call, unchanged.
    boost::asio::awaitable<result> execute(std::reference_wrapper<const request> req)
    {
        return detail::execute(state_, req);
    }

    /// Maps JSON inputs and runs them; bad inputs give an INVALID_INPUT / MISSING_INPUT result.
    boost::asio::awaitable<result> execute(const boost::json::value& inputs)
    {
        auto parsed = request::from_json(inputs);
        if (!parsed.ok()) return error_now(parsed.problem);
        return detail::execute(state_, std::move(parsed.request));
    }

    const boost::asio::any_io_executor& get_executor() const noexcept { return state_->executor; }

    /// Idle connections in the pool (for tests and metrics).
    std::size_t idle_connections() const { return state_->pool.idle_count(); }

    /// Live connections (in use + idle).
    std::size_t live_connections() const { return state_->pool.live_count(); }

private:
    static boost::asio::awaitable<result> error_now(input_check problem)
    {
        co_return make_error_result(problem.code, std::move(problem.message));
    }

    std::shared_ptr<detail::client_state> state_;
};

} // namespace corest

#endif

#ifndef COREST_CLIENT_HPP
#define COREST_CLIENT_HPP

// corest::client: the long-lived object a service keeps (one per service, shared by all
// its coroutines). It owns the connection pool, the SSL contexts, the circuit breakers
// and the OAuth2 token cache.
//
//   corest::client client{co_await boost::asio::this_coro::executor};
//   corest::result r = co_await client.execute(req);                 // a coroutine
//   client.async_execute(req, [](corest::result r) { ... });          // any completion token
//   if (r.ok()) use(r.json_body); else log(r.error_name(), r.message);
//
// Lifetimes: a call owns a copy of its request (moved in from an rvalue), made before
// execute() or async_execute() returns: the caller may change or drop its request at
// once. The client must outlive the calls it started (calls hold its shared state, so a
// destroyed client does not crash them, but its idle connections are closed).
// Cancellation: the cancellation slot of the awaiting coroutine, or the completion
// handler's associated slot (e.g. an `||` race, bind_cancellation_slot), ends the call
// with CANCELLED and closes its connection; terminal, partial and total cancellation all do.
// Errors: never thrown for an expected failure; every failure is a result.
// Thread safety: one client may be used from coroutines on several threads at once; pool,
// token cache, breakers and SSL contexts are locked. client_options::threading says how
// a call keeps its own handlers from running at once (see corest::threading).

#include <corest/detail/client_core.hpp>
#include <corest/json.hpp>
#include <corest/pool.hpp>
#include <corest/request.hpp>
#include <corest/result.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <memory>
#include <utility>

namespace corest {

/// How the threads that run a client's calls are arranged. A call's connection has a
/// deadline watchdog whose handler runs on the call's executor: it must never run at the
/// same time as the call's own code.
enum class threading {
    /// The io_context may run on several threads: a call whose caller is not on a strand
    /// runs on a strand of its own (one more coroutine frame per call). The safe default.
    multi,
    /// Every call's executor runs one handler at a time: the io_context runs on one
    /// thread, or every caller is on a strand. Calls run on their caller's executor as
    /// they are: the fastest and smallest calls.
    single,
};

/// What a client is made with.
struct client_options {
    pool_options pool;                                        ///< Connection pool limits and idle timeout.
    corest::threading threading = corest::threading::multi;  ///< How calls keep their handlers apart.
    /// Read the proxy variables (http_proxy, https_proxy, all_proxy, no_proxy and their
    /// upper-case forms but HTTP_PROXY) once, when the client is made, for calls whose
    /// `proxy` input leaves it to the environment. Off by default: a library does not
    /// read the environment unless told to; the corest tool does.
    bool proxy_from_environment = false;
};

/// Runs REST calls as coroutines on an executor; one per service, shared by its coroutines.
/// See the top of this file for lifetimes, cancellation, errors and thread safety.
class client {
public:
    /// The executor calls run on when their caller gives none (async_execute).
    using executor_type = boost::asio::any_io_executor;

    /// A client on `ex` (an io_context's executor, a thread pool's, a strand).
    explicit client(boost::asio::any_io_executor ex, client_options options = {})
        : state_(detail::make_client_state(std::move(ex), options.pool, options.proxy_from_environment)),
          threading_(options.threading)
    {
    }

    client(const client&) = delete;
    client& operator=(const client&) = delete;
    /// Moves the client; calls already started keep the shared state they hold.
    client(client&&) noexcept = default;
    /// Moves the client; the replaced client's idle connections are closed when its state goes.
    client& operator=(client&&) noexcept = default;

    /// Closes the idle connections; calls still running finish on the state they hold.
    ~client()
    {
        if (state_) detail::close_client_state(*state_);
    }

    /// Runs one call with its own copy of `req`: `co_await client.execute(req)`.
    /// Never throws for a failed call; the result says what happened.
    boost::asio::awaitable<result> execute(const request& req)
    {
        return detail::run_call(state_, request(req), threading_ == threading::single);
    }

    /// The same, moving `req` into the call.
    boost::asio::awaitable<result> execute(request&& req)
    {
        return detail::run_call(state_, std::move(req), threading_ == threading::single);
    }

    /// Maps JSON inputs and runs them; bad inputs give an INVALID_INPUT / MISSING_INPUT result.
    boost::asio::awaitable<result> execute(const boost::json::value& inputs)
    {
        auto parsed = request::from_json(inputs);
        if (!parsed.ok()) return error_now(parsed.problem);
        return detail::run_call(state_, std::move(parsed.request), threading_ == threading::single);
    }

    /// Runs one call with its own copy of `req` and completes `token` with its result,
    /// signature void(corest::result): a callback, `use_future`, `deferred`,
    /// `use_awaitable`, or an operation of an `experimental::parallel_group`.
    ///
    ///   client.async_execute(req, [](corest::result r) { ... });
    ///   std::future<corest::result> f = client.async_execute(req, boost::asio::use_future);
    ///
    /// The call runs on the handler's associated executor (else the client's); the
    /// handler's associated cancellation slot cancels it (CANCELLED). Never throws for a
    /// failed call.
    template <class CompletionToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_execute(request req, CompletionToken&& token = CompletionToken())
    {
        return boost::asio::async_initiate<CompletionToken, void(result)>(
            [this](auto handler, request&& r) {
                // The call runs where the handler wants to be called; the client's executor else.
                boost::asio::any_io_executor ex = boost::asio::get_associated_executor(handler, detail::client_executor(*state_));
                start(std::move(ex), std::move(r), std::move(handler));
            },
            token, std::move(req));
    }

    /// The executor the client was made with.
    const boost::asio::any_io_executor& get_executor() const noexcept { return detail::client_executor(*state_); }

    /// Idle connections in the pool (for tests and metrics).
    std::size_t idle_connections() const { return detail::client_idle_connections(*state_); }

    /// Live connections (in use + idle).
    std::size_t live_connections() const { return detail::client_live_connections(*state_); }

private:
    static boost::asio::awaitable<result> error_now(input_check problem)
    {
        co_return make_error_result(problem.code, std::move(problem.message));
    }

    // The one type-erased start of async_execute, whatever the token: the handler's
    // executor and cancellation slot go with it.
    void start(boost::asio::any_io_executor ex, request req, boost::asio::any_completion_handler<void(result)> handler)
    {
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        boost::asio::co_spawn(
            ex, detail::run_call(state_, std::move(req), threading_ == threading::single),
            boost::asio::bind_cancellation_slot(
                slot, [handler = std::move(handler)](std::exception_ptr e, result r) mutable {
                    if (e) r = make_error_result(error::unknown_error, "internal error: the call threw");
                    std::move(handler)(std::move(r));
                }));
    }

    std::shared_ptr<detail::client_state> state_;
    corest::threading threading_ = corest::threading::multi;
};

} // namespace corest

#endif

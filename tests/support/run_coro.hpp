#ifndef COREST_TESTS_SUPPORT_RUN_CORO_HPP
#define COREST_TESTS_SUPPORT_RUN_CORO_HPP

// Runs one coroutine to completion on a fresh io_context and returns its value.
//
//   auto r = corest::test::run_coro([](boost::asio::any_io_executor ex)
//                                       -> boost::asio::awaitable<corest::result> {
//       corest::client c{ex};
//       co_return co_await c.execute(req);
//   });
//
// The callable takes an any_io_executor (or nothing) and returns awaitable<T>; it is called
// once and its awaitable awaited; exceptions from the coroutine are rethrown. If it has not
// finished after `guard` (60 s by default), everything still pending is destroyed and
// std::runtime_error is thrown, so a hang fails the test instead of blocking CI.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace corest::test {

namespace detail {

template <class F>
auto make_awaitable(F& f, const boost::asio::any_io_executor& ex)
{
    if constexpr (std::is_invocable_v<F&, boost::asio::any_io_executor>)
        return f(ex);
    else
        return f();
}

template <class A>
struct awaitable_value;

template <class T>
struct awaitable_value<boost::asio::awaitable<T>>
{
    using type = T;
};

}  // namespace detail

template <class F>
auto run_coro(F&& f, std::chrono::steady_clock::duration guard = std::chrono::seconds(60))
{
    using awaitable_type =
        decltype(detail::make_awaitable(f, std::declval<const boost::asio::any_io_executor&>()));
    using T = typename detail::awaitable_value<awaitable_type>::type;

    std::exception_ptr error;
    bool done = false;
    // The context lives inside this block: on a guard expiry its destructor destroys the
    // suspended coroutine frames before we throw.
    auto value = [&]() -> std::conditional_t<std::is_void_v<T>, int, std::optional<T>> {
        boost::asio::io_context ioc;
        boost::asio::any_io_executor ex = ioc.get_executor();
        std::conditional_t<std::is_void_v<T>, int, std::optional<T>> out{};
        if constexpr (std::is_void_v<T>)
        {
            boost::asio::co_spawn(ex, detail::make_awaitable(f, ex), [&](std::exception_ptr e) {
                error = e;
                done = true;
            });
        }
        else
        {
            boost::asio::co_spawn(ex, detail::make_awaitable(f, ex),
                                  [&](std::exception_ptr e, T v) {
                                      error = e;
                                      if (!e)
                                          out.emplace(std::move(v));
                                      done = true;
                                  });
        }
        const auto deadline = std::chrono::steady_clock::now() + guard;
        while (!done)
        {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline || ioc.stopped())
                break;
            ioc.run_one_for(deadline - now);
        }
        return out;
    }();

    if (!done)
        throw std::runtime_error(
            "run_coro: the coroutine did not finish within " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(guard).count()) +
            " ms (a hang?)");
    if (error)
        std::rethrow_exception(error);
    if constexpr (std::is_void_v<T>)
        return;
    else
        return std::move(*value);
}

}  // namespace corest::test

#endif

#ifndef COREST_BENCH_ASIO_DRIVER_HPP
#define COREST_BENCH_ASIO_DRIVER_HPP

// The worker loop shared by the two Asio clients (corest and raw Beast), so they
// differ only in how one request is made: N coroutines on one io_context thread,
// each doing one unmeasured warm-up request, waiting until all have, then
// requests back to back, each timed with steady_clock.

#include "bench_common.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>

namespace bench {

struct outcome {
    bool ok = false;
    std::size_t bytes = 0;
};

/// Holds workers after their warm-up until the last one arrives.
struct warmup_gate {
    explicit warmup_gate(boost::asio::io_context& ioc) : timer(ioc, clock::time_point::max()) {}
    boost::asio::steady_timer timer;
};

/// One worker. Session: `awaitable<outcome> once()`, one request on its own connection state.
template <class Session>
boost::asio::awaitable<void> worker(Session session, run_state& run, warmup_gate& gate)
{
    namespace net = boost::asio;
    if (run.o.warmup()) {
        auto w = co_await session.once();
        if (!w.ok) ++run.errors;
        if (++run.warmed == run.o.concurrency) {
            run.begin();
            gate.timer.cancel();   // wakes every waiting worker
        } else {
            co_await gate.timer.async_wait(net::as_tuple(net::use_awaitable));
        }
    }
    while (run.take()) {
        const auto t0 = clock::now();
        auto r = co_await session.once();
        run.record(t0, r.ok, r.bytes);
    }
}

/// Spawns `concurrency` workers, each with the session make_session(i) returns,
/// runs them to completion and prints the result line.
template <class MakeSession>
void run_workers(boost::asio::io_context& ioc, run_state& run, const char* client, MakeSession make_session)
{
    warmup_gate gate(ioc);
    run.base_rss_kib = status_kib("VmRSS");
    run.begin();
    for (std::size_t i = 0; i < run.o.concurrency; ++i)
        boost::asio::co_spawn(ioc, worker(make_session(i), run, gate), boost::asio::detached);
    ioc.run();
    run.print(client);
}

} // namespace bench

#endif

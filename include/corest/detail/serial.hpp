#ifndef COREST_DETAIL_SERIAL_HPP
#define COREST_DETAIL_SERIAL_HPP

// Whether a call may run on its caller's executor as it is. A connection's deadline
// watchdog (detail/timed_socket.hpp) runs on the call's executor and closes the socket:
// it must never run at the same time as the call's own code. That holds on a strand, and
// on an io_context its owner declared single-threaded (concurrency hint 1, which Asio
// itself reads as "one thread"). Anywhere else, execute() gives the call a strand of its
// own.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/detail/scheduler.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace corest::detail {

inline bool runs_serialized(const boost::asio::any_io_executor& ex)
{
    namespace net = boost::asio;
    using context_executor = net::io_context::executor_type;
    if (ex.target<net::strand<context_executor>>() || ex.target<net::strand<net::any_io_executor>>()) return true;
    if (const auto* io = ex.target<context_executor>())
        return net::use_service<net::detail::scheduler>(io->context()).concurrency_hint() ==
               BOOST_ASIO_CONCURRENCY_HINT_1;
    return false;
}

} // namespace corest::detail

#endif

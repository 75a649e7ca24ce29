#ifndef COREST_DETAIL_SERIAL_HPP
#define COREST_DETAIL_SERIAL_HPP

// Whether a caller's executor runs one handler at a time by itself: a strand does. A
// connection's deadline watchdog (detail/timed_socket.hpp) runs on the call's executor and
// closes the socket: it must never run at the same time as the call's own code. With
// corest::threading::multi, a call whose caller is not on a strand gets a strand of its own.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace corest::detail {

inline bool is_strand(const boost::asio::any_io_executor& ex)
{
    namespace net = boost::asio;
    using context_executor = net::io_context::executor_type;
    return ex.target<net::strand<context_executor>>() || ex.target<net::strand<net::any_io_executor>>();
}

} // namespace corest::detail

#endif

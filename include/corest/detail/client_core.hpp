#ifndef COREST_DETAIL_CLIENT_CORE_HPP
#define COREST_DETAIL_CLIENT_CORE_HPP

// What corest::client asks of the state its calls share, as functions: made, closed,
// counted, and a call run on it. Header-only by default (defined inline in
// impl/client_core.ipp). With COREST_SEPARATE_COMPILATION defined everywhere, they are
// only declared here and compiled once, in the translation unit that includes
// <corest/src.hpp>: a file that includes <corest/client.hpp> then no longer instantiates
// the call machinery (Beast, OpenSSL, nghttp2), which is most of its compile time.

#include <corest/pool.hpp>
#include <corest/request.hpp>
#include <corest/result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>

#ifdef COREST_SEPARATE_COMPILATION
#define COREST_DECL
#else
#define COREST_DECL inline
#endif

namespace corest::detail {

struct client_state;

/// The shared state of a new client on `ex`.
COREST_DECL std::shared_ptr<client_state> make_client_state(boost::asio::any_io_executor ex,
                                                            const pool_options& pool, bool proxies_from_environment);
/// Closes the idle connections (HTTP/1.1 and HTTP/2); calls in flight go on.
COREST_DECL void close_client_state(client_state& st);
/// The executor the client was made with.
COREST_DECL const boost::asio::any_io_executor& client_executor(const client_state& st) noexcept;
/// Idle pooled connections.
COREST_DECL std::size_t client_idle_connections(client_state& st);
/// Live pooled connections (in use + idle).
COREST_DECL std::size_t client_live_connections(client_state& st);
/// One call with its own request; `serialized`: the caller's executor runs one handler
/// at a time (threading::single).
COREST_DECL boost::asio::awaitable<result> run_call(std::shared_ptr<client_state> st, request req, bool serialized);

} // namespace corest::detail

#ifndef COREST_SEPARATE_COMPILATION
#include <corest/impl/client_core.ipp>
#endif

#endif

#ifndef COREST_DETAIL_AWAIT_HPP
#define COREST_DETAIL_AWAIT_HPP

// Completion tokens for the asynchronous operations a corest coroutine awaits.
// `deferred` makes the operation itself the awaitable, so awaiting it costs no
// coroutine frame (use_awaitable allocates one per operation: several per call).
// `as_tuple` turns errors into values: corest never throws for a failed call.

#include <corest/detail/connection.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace corest::detail {

inline constexpr auto as_result = boost::asio::as_tuple(boost::asio::deferred);

/// Beast 1.81's ssl_stream, range connect and test stream name their return type through
/// async_result<Token>::return_type, which `deferred` lacks: operations on those (corest
/// uses none of them; the fuzzers' test stream is one) keep use_awaitable.
inline constexpr auto as_result_framed = boost::asio::as_tuple(boost::asio::use_awaitable);

/// The token for an operation on `Stream`: a corest connection takes `deferred`; any other
/// stream (the fuzzers' beast::test::stream) keeps use_awaitable.
template <class Stream>
constexpr auto as_result_on()
{
    if constexpr (std::is_same_v<Stream, connection>)
        return as_result;
    else
        return as_result_framed;
}

/// The token for a TLS handshake on `TlsStream`: `deferred` for corest's TLS stream over
/// its socket; the TLS stream inside a proxy's TLS keeps use_awaitable (connect time only).
template <class TlsStream>
constexpr auto as_result_on_tls()
{
    if constexpr (std::is_same_v<TlsStream, tls_stream>)
        return as_result;
    else
        return as_result_framed;
}

} // namespace corest::detail

#endif

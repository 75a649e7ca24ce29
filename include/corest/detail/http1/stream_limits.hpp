#ifndef COREST_DETAIL_HTTP1_STREAM_LIMITS_HPP
#define COREST_DETAIL_HTTP1_STREAM_LIMITS_HPP

// The seam between the exchange and its stream's deadlines. The exchange bounds each read
// and write by a wait_limit (its own timeout, or what is left of the call) through
// apply_limit: a stream that keeps a deadline (corest's connection, a timed socket) takes
// it; any other stream (beast::test::stream in the tests and fuzzers) has none.

#include <corest/detail/deadline.hpp>

namespace corest::detail {

/// Bounds the next reads and writes on `stream` by `limit`.
template <class Stream>
void apply_limit(Stream& stream, const wait_limit& limit)
{
    if constexpr (requires { stream.expires_never(); }) {
        if (limit.duration) stream.expires_after(*limit.duration);
        else stream.expires_never();
    }
}

} // namespace corest::detail

#endif

#ifndef COREST_DETAIL_EXCHANGE_HPP
#define COREST_DETAIL_EXCHANGE_HPP

// One HTTP/1.1 message exchange on an open stream, in its stages (detail/http1/):
//   message.hpp      what is sent and the limits the answer is read under
//   stream_limits.hpp  the stream's deadline seam (apply_limit)
//   send.hpp         a request body of several segments, streamed
//   read_head.hpp    the send of one buffer and the response head (one composed operation)
//   body_sink.hpp    where the body goes: memory, a file, nowhere
//   read_body.hpp    the body, decoded and capped
// Templated on the stream: corest runs it on a connection (detail/connection.hpp, plain or
// TLS), the tests and fuzzers over beast::test::stream.

#include <corest/detail/http1/body_sink.hpp>
#include <corest/detail/http1/message.hpp>
#include <corest/detail/http1/read_body.hpp>
#include <corest/detail/http1/read_head.hpp>
#include <corest/detail/http1/send.hpp>
#include <corest/detail/http1/stream_limits.hpp>

#endif

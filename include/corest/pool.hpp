#ifndef COREST_POOL_HPP
#define COREST_POOL_HPP

// Connection pool settings of a client.

#include <chrono>
#include <cstddef>

namespace corest {

/// How a client pools its connections (client_options::pool). HTTP/2 connections count
/// against the same caps as HTTP/1.1 ones.
struct pool_options {
    /// An idle connection older than this is closed instead of reused. 30 s is
    /// shorter than common server keep-alive limits (nginx 75 s, Apache 5-15 s is
    /// handled by the stale-connection replay), so we rarely write into a socket
    /// the server already closed.
    std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);

    /// Live connections (in use + idle) per origin and TLS settings; 0 = no cap.
    /// No cap by default: a batch at concurrency 1024 against one origin is
    /// bounded by its own concurrency, not throttled by a limit it did not set.
    std::size_t max_connections_per_origin = 0;

    /// Live connections across all origins; 0 = no cap.
    std::size_t max_connections_total = 0;

    /// Idle connections kept per origin; beyond that a returned connection is closed.
    std::size_t max_idle_per_origin = 1024;
};

} // namespace corest

#endif

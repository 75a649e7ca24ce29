#ifndef COREST_DETAIL_CLIENT_STATE_HPP
#define COREST_DETAIL_CLIENT_STATE_HPP

// What every call of one client shares: the connection pool, the SSL contexts and
// TLS profiles, the circuit breakers, the OAuth2 token cache and the parsed `url` inputs. Each
// member is thread-safe.

#include <corest/circuit_breaker.hpp>
#include <corest/detail/pool/pool.hpp>
#include <corest/detail/tls_context.hpp>
#include <corest/detail/token_cache.hpp>
#include <corest/detail/url_cache.hpp>
#include <corest/pool.hpp>

#include <boost/asio/any_io_executor.hpp>

namespace corest::detail {

struct client_state {
    client_state(boost::asio::any_io_executor ex, pool_options pool_opts) : executor(std::move(ex)), pool(pool_opts) {}

    boost::asio::any_io_executor executor;
    connection_pool pool;
    tls_context_cache tls_contexts;
    tls_profile_cache tls_profiles;
    circuit_breaker_registry<> breakers;
    token_cache<> tokens;
    parsed_url_cache urls;
};

} // namespace corest::detail

#endif

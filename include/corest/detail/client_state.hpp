#ifndef COREST_DETAIL_CLIENT_STATE_HPP
#define COREST_DETAIL_CLIENT_STATE_HPP

// What every call of one client shares: the connection pool, the SSL contexts and
// TLS profiles, the circuit breakers, the OAuth2 token cache and the parsed `url` inputs. Each
// member is thread-safe.

#include <corest/circuit_breaker.hpp>
#include <corest/detail/pool/pool.hpp>
#include <corest/detail/tls_context.hpp>
#include <corest/detail/token_cache.hpp>
#include <corest/detail/pool/h2_pool.hpp>
#include <corest/detail/url_cache.hpp>
#include <corest/pool.hpp>
#include <corest/proxy.hpp>

#include <boost/asio/any_io_executor.hpp>

namespace corest::detail {

struct client_state : std::enable_shared_from_this<client_state> {
    client_state(boost::asio::any_io_executor ex, pool_options pool_opts, bool proxies_from_environment = false)
        : executor(std::move(ex)), pool(pool_opts)
    {
        if (proxies_from_environment) proxy_env = proxy_environment::from_process();
        has_proxy_env = proxy_env.http_proxy || proxy_env.https_proxy || proxy_env.HTTPS_PROXY ||
                        proxy_env.all_proxy || proxy_env.ALL_PROXY;
    }

    boost::asio::any_io_executor executor;
    connection_pool pool;
    h2_pool h2;   // the HTTP/2 connections, shared by calls
    tls_context_cache tls_contexts;
    tls_profile_cache tls_profiles;
    circuit_breaker_registry<> breakers;
    token_cache<> tokens;
    parsed_url_cache urls;
    // The proxy variables, read once when the client was made with
    // client_options::proxy_from_environment; else none.
    proxy_environment proxy_env;
    bool has_proxy_env = false;
};

} // namespace corest::detail

#endif

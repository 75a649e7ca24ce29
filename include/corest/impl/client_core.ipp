#ifndef COREST_IMPL_CLIENT_CORE_IPP
#define COREST_IMPL_CLIENT_CORE_IPP

// The definitions behind detail/client_core.hpp, included at its end in header-only use
// (inline), or after it by <corest/src.hpp> with COREST_SEPARATE_COMPILATION (compiled once).

#include <corest/detail/call/driver.hpp>
#include <corest/detail/client_state.hpp>

#include <utility>

namespace corest::detail {

COREST_DECL std::shared_ptr<client_state> make_client_state(boost::asio::any_io_executor ex,
                                                            const pool_options& pool, bool proxies_from_environment)
{
    return std::make_shared<client_state>(std::move(ex), pool, proxies_from_environment);
}

COREST_DECL void close_client_state(client_state& st)
{
    st.pool.close_idle();
    st.h2.close_all();
}

COREST_DECL const boost::asio::any_io_executor& client_executor(const client_state& st) noexcept { return st.executor; }

COREST_DECL std::size_t client_idle_connections(client_state& st) { return st.pool.idle_count(); }

COREST_DECL std::size_t client_live_connections(client_state& st) { return st.pool.live_count(); }

COREST_DECL boost::asio::awaitable<result> run_call(std::shared_ptr<client_state> st, request req, bool serialized)
{
    return execute(std::move(st), std::move(req), serialized);
}

} // namespace corest::detail

#endif

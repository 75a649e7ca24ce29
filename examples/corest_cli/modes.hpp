#ifndef COREST_CLI_MODES_HPP
#define COREST_CLI_MODES_HPP

// What single and batch mode share: the loaded connector and secrets, the
// console, and turning one call's inputs into a request or an error result.

#include "options.hpp"
#include "output.hpp"

#include <corest/client.hpp>
#include <corest/json.hpp>
#include <corest/profile.hpp>
#include <corest/request.hpp>
#include <corest/result.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <variant>

namespace corest_cli {

inline constexpr int exit_success = 0;
inline constexpr int exit_error = 1;
inline constexpr int exit_usage = 2;        // also MISSING_INPUT / INVALID_INPUT in single mode
inline constexpr int exit_interrupted = 130;

struct context {
    options opts;
    boost::json::object connector;
    boost::json::object secrets;
    console con;
};

/// One call's inputs merged over the connector and secrets and mapped to a
/// request, or the INVALID_INPUT / MISSING_INPUT result that says why not.
inline std::variant<corest::request, corest::result> prepare_call(const context& ctx,
                                                                   const boost::json::value& inputs)
{
    if (!inputs.is_object()) {
        const char* got = inputs.is_array() ? "an array" : inputs.is_string() ? "a string" : inputs.is_null() ? "null"
                          : inputs.is_bool() ? "a bool" : "a number";
        return corest::make_error_result(corest::error::invalid_input,
                                         std::string("the inputs must be a JSON object, got ") + got);
    }
    boost::json::object merged;
    if (auto check = corest::merge_inputs(ctx.connector, ctx.secrets, inputs.get_object(), merged); !check.ok())
        return corest::make_error_result(check.code, std::move(check.message));
    // --proxy: for the calls whose inputs (and connector) give no proxy.
    if (ctx.opts.proxy && !merged.contains("proxy")) merged["proxy"] = *ctx.opts.proxy;
    auto parsed = corest::request::from_json(merged);
    if (!parsed.ok()) return corest::make_error_result(parsed.problem.code, std::move(parsed.problem.message));
    return std::move(parsed.request);
}

inline bool is_input_error(corest::error e)
{
    return e == corest::error::missing_input || e == corest::error::invalid_input;
}

/// The client options of the tool: one thread runs the calls, proxies come from the
/// environment too.
inline corest::client_options tool_client_options()
{
    corest::client_options o;
    o.threading = corest::threading::single;   // ioc.run() on the main thread only
    o.proxy_from_environment = true;
    return o;
}

/// Runs one call (docs/cli.md, "One call"); returns the exit status.
int run_single(context& ctx);

/// Runs a JSON Lines batch (docs/cli.md, "A batch"); returns the exit status.
int run_batch_mode(context& ctx);

} // namespace corest_cli

#endif
